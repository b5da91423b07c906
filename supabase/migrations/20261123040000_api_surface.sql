-- The API surface as Supabase has it today: nothing in public is granted by default (since
-- 2026-10-30 "Default privileges for new entities" is off on every project), so every table,
-- view, sequence and function in public states what anon, authenticated and service_role may
-- do with it, revoking first so a project with the toggle back on ends up exactly the same.
-- And no SECURITY DEFINER function lives in public: each RPC moves to private unchanged, and
-- public keeps a SECURITY INVOKER wrapper of the same name and arguments (Supabase's advisor,
-- lints 0028/0029).

-- ==========================================================================================
-- RPCs: definer bodies move to private; public keeps invoker wrappers
-- ==========================================================================================

alter function public.accept_invitation(text) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.accept_invitation(text) from public, anon, authenticated, service_role;
create function public.accept_invitation(
  token text
) returns public.memberships
language sql volatile
set search_path = ''
as $$
  select private.accept_invitation(token)
$$;
revoke all on function public.accept_invitation(text) from public, anon, authenticated, service_role;
grant execute on function public.accept_invitation(text) to authenticated;
grant execute on function private.accept_invitation(text) to authenticated;

alter function public.create_organization(text, text) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.create_organization(text, text) from public, anon, authenticated, service_role;
create function public.create_organization(
  name text, slug text default null
) returns public.organizations
language sql volatile
set search_path = ''
as $$
  select private.create_organization(name, slug)
$$;
revoke all on function public.create_organization(text, text) from public, anon, authenticated, service_role;
grant execute on function public.create_organization(text, text) to authenticated;
grant execute on function private.create_organization(text, text) to authenticated;

alter function public.create_webhook_endpoint(uuid, text, text[], text) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.create_webhook_endpoint(uuid, text, text[], text)
from public, anon, authenticated, service_role;
create function public.create_webhook_endpoint(
  organization_id uuid, url text, event_types text[] default '{*}', description text default null
) returns table (endpoint_id uuid, secret text)
language sql volatile
set search_path = ''
as $$
  select * from private.create_webhook_endpoint(organization_id, url, event_types, description)
$$;
revoke all on function public.create_webhook_endpoint(uuid, text, text[], text)
from public, anon, authenticated, service_role;
grant execute on function public.create_webhook_endpoint(uuid, text, text[], text) to authenticated;
grant execute on function private.create_webhook_endpoint(uuid, text, text[], text) to authenticated;

alter function public.delete_organization(uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.delete_organization(uuid) from public, anon, authenticated, service_role;
create function public.delete_organization(
  organization_id uuid
) returns void
language sql volatile
set search_path = ''
as $$
  select private.delete_organization(organization_id)
$$;
revoke all on function public.delete_organization(uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_organization(uuid) to authenticated;
grant execute on function private.delete_organization(uuid) to authenticated;

alter function public.feature_enabled(text, uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.feature_enabled(text, uuid) from public, anon, authenticated, service_role;
create function public.feature_enabled(
  flag text, organization_id uuid default null
) returns boolean
language sql stable
set search_path = ''
as $$
  select private.feature_enabled(flag, organization_id)
$$;
revoke all on function public.feature_enabled(text, uuid) from public, anon, authenticated, service_role;
grant execute on function public.feature_enabled(text, uuid) to authenticated, service_role;
grant execute on function private.feature_enabled(text, uuid) to authenticated, service_role;

alter function public.invite_member(uuid, text, public.member_role) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.invite_member(uuid, text, public.member_role)
from public, anon, authenticated, service_role;
create function public.invite_member(
  organization_id uuid, email text, role public.member_role default 'viewer'
) returns table (invitation_id uuid, token text)
language sql volatile
set search_path = ''
as $$
  select * from private.invite_member(organization_id, email, role)
$$;
revoke all on function public.invite_member(uuid, text, public.member_role)
from public, anon, authenticated, service_role;
grant execute on function public.invite_member(uuid, text, public.member_role) to authenticated;
grant execute on function private.invite_member(uuid, text, public.member_role) to authenticated;

alter function public.leave_organization(uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.leave_organization(uuid) from public, anon, authenticated, service_role;
create function public.leave_organization(
  organization_id uuid
) returns void
language sql volatile
set search_path = ''
as $$
  select private.leave_organization(organization_id)
$$;
revoke all on function public.leave_organization(uuid) from public, anon, authenticated, service_role;
grant execute on function public.leave_organization(uuid) to authenticated;
grant execute on function private.leave_organization(uuid) to authenticated;

alter function public.mark_notifications_read(bigint[]) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.mark_notifications_read(bigint[])
from public, anon, authenticated, service_role;
create function public.mark_notifications_read(
  notification_ids bigint[] default null
) returns integer
language sql volatile
set search_path = ''
as $$
  select private.mark_notifications_read(notification_ids)
$$;
revoke all on function public.mark_notifications_read(bigint[])
from public, anon, authenticated, service_role;
grant execute on function public.mark_notifications_read(bigint[]) to authenticated;
grant execute on function private.mark_notifications_read(bigint[]) to authenticated;

alter function public.retry_job(bigint) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.retry_job(bigint) from public, anon, authenticated, service_role;
create function public.retry_job(
  job_id bigint
) returns void
language sql volatile
set search_path = ''
as $$
  select private.retry_job(job_id)
$$;
revoke all on function public.retry_job(bigint) from public, anon, authenticated, service_role;
grant execute on function public.retry_job(bigint) to authenticated;
grant execute on function private.retry_job(bigint) to authenticated;

alter function public.revoke_invitation(uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.revoke_invitation(uuid) from public, anon, authenticated, service_role;
create function public.revoke_invitation(
  invitation_id uuid
) returns void
language sql volatile
set search_path = ''
as $$
  select private.revoke_invitation(invitation_id)
$$;
revoke all on function public.revoke_invitation(uuid) from public, anon, authenticated, service_role;
grant execute on function public.revoke_invitation(uuid) to authenticated;
grant execute on function private.revoke_invitation(uuid) to authenticated;

alter function public.rotate_webhook_secret(uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.rotate_webhook_secret(uuid) from public, anon, authenticated, service_role;
create function public.rotate_webhook_secret(
  endpoint_id uuid
) returns text
language sql volatile
set search_path = ''
as $$
  select private.rotate_webhook_secret(endpoint_id)
$$;
revoke all on function public.rotate_webhook_secret(uuid) from public, anon, authenticated, service_role;
grant execute on function public.rotate_webhook_secret(uuid) to authenticated;
grant execute on function private.rotate_webhook_secret(uuid) to authenticated;

alter function public.send_test_webhook(uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.send_test_webhook(uuid) from public, anon, authenticated, service_role;
create function public.send_test_webhook(
  endpoint_id uuid
) returns text
language sql volatile
set search_path = ''
as $$
  select private.send_test_webhook(endpoint_id)
$$;
revoke all on function public.send_test_webhook(uuid) from public, anon, authenticated, service_role;
grant execute on function public.send_test_webhook(uuid) to authenticated;
grant execute on function private.send_test_webhook(uuid) to authenticated;

alter function public.set_organization_status(uuid, public.organization_status, text) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.set_organization_status(uuid, public.organization_status, text)
from public, anon, authenticated, service_role;
create function public.set_organization_status(
  organization_id uuid, status public.organization_status, reason text
) returns public.organizations
language sql volatile
set search_path = ''
as $$
  select private.set_organization_status(organization_id, status, reason)
$$;
revoke all on function public.set_organization_status(uuid, public.organization_status, text)
from public, anon, authenticated, service_role;
grant execute on function public.set_organization_status(uuid, public.organization_status, text)
to authenticated, service_role;
grant execute on function private.set_organization_status(uuid, public.organization_status, text)
to authenticated, service_role;

alter function public.transfer_ownership(uuid, uuid) set schema private;
-- The body runs as its owner; callers need EXECUTE on it through the wrapper.
revoke all on function private.transfer_ownership(uuid, uuid) from public, anon, authenticated, service_role;
create function public.transfer_ownership(
  organization_id uuid, new_owner_id uuid
) returns void
language sql volatile
set search_path = ''
as $$
  select private.transfer_ownership(organization_id, new_owner_id)
$$;
revoke all on function public.transfer_ownership(uuid, uuid) from public, anon, authenticated, service_role;
grant execute on function public.transfer_ownership(uuid, uuid) to authenticated;
grant execute on function private.transfer_ownership(uuid, uuid) to authenticated;

-- ==========================================================================================
-- Tables, views and sequences: revoke everything, then grant exactly what each role needs.
-- service_role is the billing backend, admin scripts and the worker's Storage client; it
-- bypasses RLS, so it gets only what those need. Writes that must go through an RPC (its
-- checks, its side effects) are not granted to authenticated at all.
-- ==========================================================================================
revoke all on all tables in schema public from anon, authenticated, service_role;
revoke all on all sequences in schema public from anon, authenticated, service_role;

-- Plans: a public price list; only the billing backend edits it.
grant select on table public.plans to anon, authenticated, service_role;
grant insert, update, delete on table public.plans to service_role;

-- Organizations: members read; owners and admins edit settings (column grants; security
-- settings are checked again by a trigger); billing and staff go through RPCs or service_role.
grant select on table public.organizations to authenticated, service_role;
grant update (name, time_zone, currency, default_tax_rate, branding, require_mfa)
on table public.organizations to authenticated;
grant insert, update, delete on table public.organizations to service_role;

-- Profiles: one per auth user (a trigger creates it); people edit their own name and avatar.
grant select on table public.profiles to authenticated, service_role;
grant update (full_name, avatar_url) on table public.profiles to authenticated;
grant insert, update, delete on table public.profiles to service_role;

-- Memberships: created by create_organization and accept_invitation; roles change in place.
grant select, delete on table public.memberships to authenticated;
grant update (role) on table public.memberships to authenticated;
grant select, insert, update, delete on table public.memberships to service_role;

-- Invitations: everything but the token hash, for owners and admins and the invitee.
grant select (
  id, organization_id, email, role, invited_by, expires_at, accepted_at, accepted_by,
  revoked_at, created_at
) on table public.invitations to authenticated;
grant select, insert, update, delete on table public.invitations to service_role;

-- The audit log is append-only, written by triggers; nobody edits it through the API.
grant select on table public.audit_log to authenticated, service_role;

-- Activity and notifications: written by the database; people mark their notifications read
-- through mark_notifications_read.
grant select on table public.activity to authenticated;
grant select, insert, update, delete on table public.activity to service_role;
grant select on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

-- Feature flags and their per-organization overrides: read by members, set by the backend.
grant select on table public.feature_flags to authenticated;
grant select, insert, update, delete on table public.feature_flags to service_role;
grant select on table public.organization_feature_flags to authenticated;
grant select, insert, update, delete on table public.organization_feature_flags to service_role;
grant select on table public.usage_counters to authenticated;
grant select, insert, update, delete on table public.usage_counters to service_role;

-- The worker's outputs: only queue.* functions write documents and deliveries.
grant select on table public.documents to authenticated, service_role;
grant select on table public.webhook_deliveries to authenticated, service_role;
grant select, delete on table public.webhook_endpoints to authenticated;
grant update (url, description, event_types, active) on table public.webhook_endpoints
to authenticated;
grant select on table public.webhook_endpoints to service_role;

-- Views (security invoker): what their definer helpers let each caller see.
grant select on table public.background_jobs to authenticated, service_role;
grant select on table public.platform_diagnostics to authenticated, service_role;

-- Identity sequences are never written through the API: inserts draw from them without a
-- grant, and nobody may setval() them.

-- ==========================================================================================
-- Functions other than the RPCs above: the access-token hook is for Supabase Auth alone; health
-- is for anyone.
-- ==========================================================================================
revoke all on function public.custom_access_token_hook(jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
revoke all on function public.health() from public, anon, authenticated, service_role;
grant execute on function public.health() to anon, authenticated, service_role;

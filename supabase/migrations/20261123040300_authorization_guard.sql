-- One authorization guard for every RPC, and the holes a security review found around it:
-- MFA on every sensitive path (security settings included), suspended organizations that
-- still acted through RPCs, removed admins who came back through their own invitations, and
-- a trigger that named other tenants' organizations before RLS refused the row.

-- ==========================================================================================
-- The guard
-- ==========================================================================================

-- Every RPC that acts on an organization starts here: the caller must be a member in one of
-- the allowed roles (else 42501 with `denied`, which names nothing of the organization);
-- only then, for writes, must the organization be writable (not suspended, cancelled or
-- deleted), and for sensitive actions the session must be aal2 when the organization requires
-- MFA. Returns the caller's role.
create or replace function private.authorize(
  organization uuid,
  allowed public.member_role[],
  denied text,
  sensitive boolean default false,
  writing boolean default true
) returns public.member_role
language plpgsql stable security definer
set search_path = ''
as $$
declare
  caller_role public.member_role;
begin
  if (select auth.uid()) is null then
    raise exception 'Sign in first' using errcode = '42501';
  end if;
  select m.role into caller_role
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where m.organization_id = organization and m.user_id = (select auth.uid()) and o.deleted_at is null;
  if caller_role is null or not (caller_role = any(allowed)) then
    raise exception '%', denied using errcode = '42501';
  end if;
  if writing then
    perform private.assert_organization_writable(organization);
  end if;
  if sensitive then
    perform private.assert_mfa_if_required(organization);
  end if;
  return caller_role;
end
$$;
revoke all on function private.authorize(uuid, public.member_role[], text, boolean, boolean)
from public, anon, authenticated, service_role;
grant execute on function private.authorize(uuid, public.member_role[], text, boolean, boolean)
to authenticated;

-- ==========================================================================================
-- Triggers: nothing about an organization is evaluated for someone who is not its member
-- ==========================================================================================

-- Raises 403 when a frontend writes to an organization that is suspended, cancelled or
-- deleted. For an organization the caller does not belong to it does nothing: RLS refuses the
-- row with its own error, so no message ever names another tenant's organization.
create or replace function private.enforce_organization_writable() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target uuid := case when tg_op = 'DELETE' then old.organization_id else new.organization_id end;
begin
  if not private.is_api_caller() or target not in (select private.organization_ids_for()) then
    return coalesce(new, old);
  end if;
  perform private.assert_organization_writable(target);
  if tg_op = 'UPDATE' and new.organization_id is distinct from old.organization_id then
    raise exception 'A % row cannot move to another organization', tg_table_name
    using errcode = '42501';
  end if;
  return coalesce(new, old);
end
$$;

-- Security settings are sensitive: turning require_mfa off (or changing it at all while it is
-- on) needs an aal2 session, as every other sensitive action does.
create or replace function private.check_organization_security_settings() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller() and new.require_mfa is distinct from old.require_mfa then
    perform private.assert_mfa_if_required(old.id);
  end if;
  return new;
end
$$;
revoke all on function private.check_organization_security_settings() from public;

create trigger organizations_security_settings
before update of require_mfa on public.organizations
for each row execute function private.check_organization_security_settings();

-- What frontends may do to memberships: owners alone grant, change or remove the owner role,
-- a membership never changes hands, and changing a role or removing someone else are
-- sensitive (aal2 where the organization requires MFA). Leaving needs nothing.
create or replace function private.check_membership_permissions() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  org_id uuid := coalesce(new.organization_id, old.organization_id);
  caller_role public.member_role;
  leaving boolean := tg_op = 'DELETE' and old.user_id = (select auth.uid());
begin
  if not private.is_api_caller() then
    return coalesce(new, old);
  end if;
  caller_role := private.role_in(org_id);
  if tg_op = 'UPDATE' and new.user_id is distinct from old.user_id then
    raise exception 'A membership cannot be moved to another user' using errcode = '42501';
  end if;
  if ((tg_op <> 'INSERT' and old.role = 'owner' and not leaving)
      or (tg_op <> 'DELETE' and new.role = 'owner'))
     and caller_role is distinct from 'owner' then
    raise exception 'Only an owner can grant, change or remove the owner role'
    using errcode = '42501';
  end if;
  if (tg_op = 'UPDATE' and new.role is distinct from old.role) or (tg_op = 'DELETE' and not leaving) then
    perform private.assert_mfa_if_required(org_id);
  end if;
  return coalesce(new, old);
end
$$;

-- Changing where events go, or removing an endpoint, is as sensitive as creating one.
create or replace function private.check_webhook_endpoint_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.is_api_caller() then
    perform private.assert_mfa_if_required(old.organization_id);
  end if;
  return coalesce(new, old);
end
$$;
revoke all on function private.check_webhook_endpoint_change() from public;

create trigger webhook_endpoints_sensitive_change
before update or delete on public.webhook_endpoints
for each row execute function private.check_webhook_endpoint_change();

-- ==========================================================================================
-- Invitations: what someone issued dies with their right to issue it
-- ==========================================================================================

-- Withdraws pending invitations and cancels their queued emails.
create or replace function private.withdraw_invitations(invitation_ids uuid[]) returns void
language sql security definer
set search_path = ''
as $$
  update public.invitations as i set revoked_at = now()
  where i.id = any(invitation_ids) and i.accepted_at is null and i.revoked_at is null;
  update queue.job_queue as j
  set status = 'cancelled', finished_at = now(), updated_at = now()
  where
    j.dedupe_key = any(array(select 'invitation:' || i::text from unnest(invitation_ids) as i))
    and j.status in ('queued', 'retrying');
$$;
revoke all on function private.withdraw_invitations(uuid[]) from public;

-- A member who is removed, leaves, or loses the right to invite (or to invite owners) loses
-- the pending invitations they sent: an admin cannot come back through an invitation they sent
-- to an address of their own.
create or replace function private.withdraw_invitations_of_former_inviters() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.withdraw_invitations(array(
    select i.id from public.invitations as i
    where
      i.organization_id = old.organization_id and i.invited_by = old.user_id
      and i.accepted_at is null and i.revoked_at is null
      and (
        tg_op = 'DELETE'
        or new.role not in ('owner', 'admin')
        or (new.role = 'admin' and i.role = 'owner')
      )
  ));
  return null;
end
$$;
revoke all on function private.withdraw_invitations_of_former_inviters() from public;

create trigger memberships_withdraw_invitations
after update of role or delete on public.memberships
for each row execute function private.withdraw_invitations_of_former_inviters();

-- ==========================================================================================
-- RPC bodies (private, definer; public keeps the invoker wrappers), each starting with the guard
-- ==========================================================================================

-- Creates an organization and makes the caller its owner. A slug derived from the name gets a
-- short suffix when taken; an explicit slug that is taken is refused without echoing it.
create or replace function private.create_organization(
  name text, slug text default null
) returns public.organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  created public.organizations;
  explicit boolean := nullif(btrim(slug), '') is not null;
  wanted text := private.slugify(coalesce(nullif(btrim(slug), ''), name));
begin
  if caller is null then
    raise exception 'Sign in to create an organization' using errcode = '42501';
  end if;
  for attempt in 1..5 loop
    begin
      insert into public.organizations (name, slug, created_by)
      values (
        name,
        case when attempt = 1 or explicit then wanted
        else left(wanted, 56) || '-' || substr(md5(random()::text), 1, 6) end,
        caller
      )
      returning * into created;
      exit;
    exception when unique_violation then
      if explicit then
        raise exception 'This address is not available' using errcode = '23505',
        hint = 'Choose another slug.';
      end if;
    end;
  end loop;
  if created.id is null then
    raise exception 'Could not find a free address for this name' using errcode = '23505',
    hint = 'Choose a slug.';
  end if;
  insert into public.memberships (organization_id, user_id, role)
  values (created.id, caller, 'owner');
  return created;
end
$$;

-- Soft-deletes an organization (owners; aal2 where MFA is required). A suspended organization
-- may still be deleted by its owner.
create or replace function private.delete_organization(organization_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can delete the organization',
    sensitive => true, writing => false
  );
  update public.organizations as o
  set deleted_at = now(), status = 'cancelled'
  where o.id = organization_id and o.deleted_at is null;
end
$$;

-- Makes another member the owner; the caller (an owner) becomes an admin.
create or replace function private.transfer_ownership(
  organization_id uuid, new_owner_id uuid
) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can transfer ownership', sensitive => true
  );
  update public.memberships as m set role = 'owner'
  where m.organization_id = transfer_ownership.organization_id and m.user_id = new_owner_id;
  if not found then
    raise exception 'The new owner must already be a member of the organization'
    using errcode = '23503';
  end if;
  if new_owner_id <> caller then
    update public.memberships as m set role = 'admin'
    where m.organization_id = transfer_ownership.organization_id and m.user_id = caller;
  end if;
end
$$;

-- Withdraws a pending invitation (owners and admins) and cancels its queued email.
create or replace function private.revoke_invitation(invitation_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.invitations;
begin
  select * into target from public.invitations as i where i.id = invitation_id;
  if target.id is null
     or coalesce(private.role_in(target.organization_id) not in ('owner', 'admin'), true) then
    raise exception 'No such invitation' using errcode = 'PT404';
  end if;
  perform private.authorize(
    target.organization_id, '{owner,admin}', 'Only owners and admins can withdraw invitations'
  );
  if target.accepted_at is not null then
    raise exception 'This invitation has already been accepted' using errcode = 'PT409';
  end if;
  perform private.withdraw_invitations(array[invitation_id]);
end
$$;

-- Adds a webhook endpoint and returns it with its signing secret, which is never shown again.
create or replace function private.create_webhook_endpoint(
  organization_id uuid, url text, event_types text[] default '{*}', description text default null
) returns table (endpoint_id uuid, secret text)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  new_id uuid;
  new_secret text := private.new_webhook_secret();
begin
  perform private.authorize(
    create_webhook_endpoint.organization_id, '{owner,admin}',
    'Only owners and admins can add webhook endpoints', sensitive => true
  );
  insert into public.webhook_endpoints (organization_id, url, event_types, description, created_by)
  values (
    create_webhook_endpoint.organization_id, create_webhook_endpoint.url,
    create_webhook_endpoint.event_types, create_webhook_endpoint.description, (select auth.uid())
  )
  returning id into new_id;
  insert into private.webhook_secrets (endpoint_id, secret) values (new_id, new_secret);
  return query select new_id, new_secret;
end
$$;

-- rotate_webhook_secret, send_test_webhook and retry_job start with the guard too; their
-- bodies are in the next migration, which also audits them.

-- Accepts an invitation for the signed-in user, whose confirmed email must be the invited one.
-- The inviter must still hold the right to grant that role (an owner for owners, an owner or
-- admin otherwise), as they did when they sent it.
create or replace function private.accept_invitation(token text) returns public.memberships
language plpgsql security definer
set search_path = ''
as $$
declare
  invitation public.invitations;
  caller uuid := (select auth.uid());
  caller_email text := private.confirmed_email();
  org record;
  membership public.memberships;
begin
  if caller is null then
    raise exception 'Sign in to accept the invitation' using errcode = '42501';
  end if;
  select * into invitation from public.invitations as i
  where i.token_hash = sha256(convert_to(coalesce(token, ''), 'UTF8'))
  for update;
  if invitation.id is null then
    raise exception 'This invitation link is not valid' using errcode = 'PT404';
  elsif invitation.revoked_at is not null then
    raise exception 'This invitation was withdrawn' using errcode = 'PT410',
    hint = 'Ask for a new invitation.';
  elsif invitation.accepted_at is not null then
    raise exception 'This invitation has already been used' using errcode = 'PT410';
  elsif invitation.expires_at <= now() then
    raise exception 'This invitation has expired' using errcode = 'PT410',
    hint = 'Ask for a new invitation.';
  elsif caller_email is null then
    raise exception 'Confirm your email address before accepting the invitation'
    using errcode = '42501';
  elsif caller_email <> invitation.email then
    raise exception 'This invitation was sent to another email address' using errcode = '42501',
    hint = 'Sign in with the address the invitation was sent to.';
  elsif not exists (
    select from public.memberships as m
    where
      m.organization_id = invitation.organization_id and m.user_id = invitation.invited_by
      and (m.role = 'owner' or (m.role = 'admin' and invitation.role <> 'owner'))
  ) then
    raise exception 'This invitation is no longer valid' using errcode = 'PT410',
    hint = 'Whoever sent it can no longer grant that role; ask for a new invitation.';
  end if;
  select o.name, o.status, o.deleted_at into org
  from public.organizations as o where o.id = invitation.organization_id;
  if org.status in ('suspended', 'cancelled') or org.deleted_at is not null then
    raise exception 'Organization "%" is %: it cannot take new members', org.name, org.status
    using errcode = '42501';
  end if;
  if exists (
    select from public.memberships as m
    where m.organization_id = invitation.organization_id and m.user_id = caller
  ) then
    raise exception 'You are already a member of %', org.name using errcode = '23505';
  end if;

  insert into public.memberships (organization_id, user_id, role, invited_by)
  values (invitation.organization_id, caller, invitation.role, invitation.invited_by)
  returning * into membership;
  update public.invitations as i set accepted_at = now(), accepted_by = caller
  where i.id = invitation.id;
  return membership;
end
$$;

-- What frontends call to create, delete and hand over organizations, and what staff call to
-- suspend and reactivate them.

-- Creates an organization and makes the caller its owner. Returns the new organization.
create or replace function public.create_organization(
  name text, slug text default null
) returns public.organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  created public.organizations;
begin
  if caller is null then
    raise exception 'Sign in to create an organization' using errcode = '42501';
  end if;
  begin
    insert into public.organizations (name, slug, created_by)
    values (name, coalesce(slug, ''), caller)
    returning * into created;
  exception when unique_violation then
    raise exception 'The address "%" is taken', private.slugify(coalesce(nullif(slug, ''), name))
    using errcode = '23505', hint = 'Choose another slug.';
  end;
  insert into public.memberships (organization_id, user_id, role)
  values (created.id, caller, 'owner');
  return created;
end
$$;
revoke execute on function public.create_organization(text, text) from public, anon;
grant execute on function public.create_organization(text, text) to authenticated;

-- Soft-deletes an organization (owners only; aal2 when the organization requires MFA).
create or replace function public.delete_organization(organization_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  if private.role_in(organization_id) is distinct from 'owner' then
    raise exception 'Only an owner can delete the organization' using errcode = '42501';
  end if;
  perform private.assert_mfa_if_required(organization_id);
  update public.organizations as o
  set deleted_at = now(), status = 'cancelled'
  where o.id = organization_id and o.deleted_at is null;
end
$$;
revoke execute on function public.delete_organization(uuid) from public, anon;
grant execute on function public.delete_organization(uuid) to authenticated;

-- Makes another member the owner; the caller (an owner) becomes an admin.
create or replace function public.transfer_ownership(
  organization_id uuid, new_owner_id uuid
) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
begin
  if private.role_in(organization_id) is distinct from 'owner' then
    raise exception 'Only an owner can transfer ownership' using errcode = '42501';
  end if;
  perform private.assert_mfa_if_required(organization_id);
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
revoke execute on function public.transfer_ownership(uuid, uuid) from public, anon;
grant execute on function public.transfer_ownership(uuid, uuid) to authenticated;

-- Leaves an organization (the last owner must transfer ownership first).
create or replace function public.leave_organization(organization_id uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from public.memberships as m
  where m.organization_id = leave_organization.organization_id and m.user_id = (select auth.uid());
  if not found then
    raise exception 'You are not a member of this organization' using errcode = 'PT404';
  end if;
end
$$;
revoke execute on function public.leave_organization(uuid) from public, anon;
grant execute on function public.leave_organization(uuid) to authenticated;

-- Platform staff (or the billing backend, with the service_role key) suspend, reactivate or
-- cancel an organization, with a reason for the record.
create or replace function public.set_organization_status(
  organization_id uuid, status public.organization_status, reason text
) returns public.organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  updated public.organizations;
begin
  if not (private.is_platform_staff() or (select auth.role()) = 'service_role') then
    raise exception 'Only platform staff can change an organization''s status'
    using errcode = '42501';
  end if;
  if coalesce(btrim(reason), '') = '' then
    raise exception 'Give a reason for the status change' using errcode = '22023';
  end if;
  update public.organizations as o set status = set_organization_status.status
  where o.id = set_organization_status.organization_id
  returning * into updated;
  if updated.id is null then
    raise exception 'No such organization' using errcode = 'PT404';
  end if;
  perform private.record_activity(
    updated.id, 'organization.status_changed', 'organization', updated.id::text,
    format('Status set to %s: %s', set_organization_status.status, reason),
    jsonb_build_object('status', set_organization_status.status, 'reason', reason)
  );
  return updated;
end
$$;
revoke execute on function public.set_organization_status(
  uuid, public.organization_status, text
) from public, anon;
grant execute on function public.set_organization_status(
  uuid, public.organization_status, text
) to authenticated, service_role;

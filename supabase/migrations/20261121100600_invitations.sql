-- Invitations by email: the token is shown once (in the email) and stored only as a SHA-256
-- hash; it expires, works once, can be revoked, and only the invited address can accept it.

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null,
  role public.member_role not null default 'viewer',
  token_hash bytea not null,
  invited_by uuid references auth.users (id) on delete set null,
  expires_at timestamptz not null default (now() + interval '7 days'),
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  constraint invitations_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  constraint invitations_token_hash_key unique (token_hash),
  constraint invitations_single_outcome check (accepted_at is null or revoked_at is null)
);
-- One pending invitation per address and organization (re-inviting replaces it).
create unique index invitations_pending_email_idx on public.invitations (organization_id, email)
where accepted_at is null and revoked_at is null;
create index invitations_invited_by_idx on public.invitations (invited_by);
create index invitations_accepted_by_idx on public.invitations (accepted_by);
create index invitations_email_idx on public.invitations (email);

select private.guard_tenant_table('public.invitations');

-- The signed-in user's email as Supabase Auth holds it, when confirmed (claims may be stale).
create or replace function private.confirmed_email() returns text
language sql stable security definer
set search_path = ''
as $$
  select lower(u.email) from auth.users as u
  where u.id = (select auth.uid()) and u.email_confirmed_at is not null
$$;
revoke execute on function private.confirmed_email() from public;
grant execute on function private.confirmed_email() to authenticated;

-- A new random invitation token (URL-safe, 256 bits).
create or replace function private.new_token() returns text
language sql volatile
set search_path = ''
as $$
  select rtrim(translate(encode(extensions.gen_random_bytes(32), 'base64'), '+/', '-_'), '=')
$$;

-- Invites an address to the organization and queues the invitation email. Owners and admins
-- invite; only owners invite owners. Returns the invitation id and its token (shown once).
create or replace function public.invite_member(
  organization_id uuid, email text, role public.member_role default 'viewer'
) returns table (invitation_id uuid, token text)
language plpgsql security definer
set search_path = ''
as $$
declare
  caller_role public.member_role := private.role_in(organization_id);
  address text := lower(btrim(email));
  org record;
  new_token text := private.new_token();
  new_id uuid;
  pending integer;
begin
  if caller_role is null or caller_role not in ('owner', 'admin') then
    raise exception 'Only owners and admins can invite members' using errcode = '42501';
  end if;
  if role = 'owner' and caller_role <> 'owner' then
    raise exception 'Only an owner can invite an owner' using errcode = '42501';
  end if;
  perform private.assert_organization_writable(organization_id);
  select o.name, p.max_members, p.name as plan_name into org
  from public.organizations as o inner join public.plans as p on o.plan_id = p.id
  where o.id = organization_id;
  if address !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception '"%" is not an email address', email using errcode = '22023';
  end if;
  if exists (
    select from public.memberships as m inner join public.profiles as p on m.user_id = p.id
    where m.organization_id = invite_member.organization_id and lower(p.email) = address
  ) then
    raise exception '% is already a member', address using errcode = '23505';
  end if;

  -- Re-inviting replaces the pending invitation (its old link stops working).
  update public.invitations as i set revoked_at = now()
  where i.organization_id = invite_member.organization_id and i.email = address
    and i.accepted_at is null and i.revoked_at is null;

  select
    (select count(*) from public.memberships as m where m.organization_id = invite_member.organization_id)
    + (select count(*) from public.invitations as i
       where i.organization_id = invite_member.organization_id
         and i.accepted_at is null and i.revoked_at is null and i.expires_at > now())
  into pending;
  if org.max_members is not null and pending >= org.max_members then
    raise exception 'The % plan allows % members', org.plan_name, org.max_members
    using errcode = 'PT402', hint = 'Upgrade the plan or revoke a pending invitation.';
  end if;

  insert into public.invitations (organization_id, email, role, token_hash, invited_by)
  values (organization_id, address, role, sha256(convert_to(new_token, 'UTF8')), (select auth.uid()))
  returning id into new_id;

  -- The email carries the token; the worker drops it from the payload once sent.
  perform queue.enqueue(
    'email.invitation',
    jsonb_build_object(
      'invitation_id', new_id, 'email', address, 'role', role, 'token', new_token,
      'organization_name', org.name, 'invited_by', (select auth.uid())
    ),
    organization_id,
    'invitation:' || new_id::text
  );
  perform private.record_activity(
    organization_id, 'invitation.sent', 'invitation', new_id::text,
    format('Invited %s as %s', address, role), jsonb_build_object('email', address, 'role', role)
  );
  return query select new_id, new_token;
end
$$;
revoke execute on function public.invite_member(uuid, text, public.member_role) from public, anon;
grant execute on function public.invite_member(uuid, text, public.member_role) to authenticated;

-- Accepts an invitation for the signed-in user, whose confirmed email must be the invited one.
create or replace function public.accept_invitation(token text) returns public.memberships
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
revoke execute on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated;

-- Withdraws a pending invitation (owners and admins).
create or replace function public.revoke_invitation(invitation_id uuid) returns void
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
  if target.accepted_at is not null then
    raise exception 'This invitation has already been accepted' using errcode = 'PT409';
  end if;
  update public.invitations as i set revoked_at = coalesce(i.revoked_at, now())
  where i.id = invitation_id;
end
$$;
revoke execute on function public.revoke_invitation(uuid) from public, anon;
grant execute on function public.revoke_invitation(uuid) to authenticated;

alter table public.invitations enable row level security;
revoke all on table public.invitations from anon, authenticated;
-- Everything but the token hash.
grant select (
  id, organization_id, email, role, invited_by, expires_at, accepted_at, accepted_by,
  revoked_at, created_at
) on table public.invitations to authenticated;

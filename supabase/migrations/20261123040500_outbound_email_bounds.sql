-- What a tenant can make fieldbase send is bounded: anyone can sign up and create an
-- organization, so its branding, its invitations and the addresses it names are what a
-- spammer or phisher would use. Branding is a fixed shape with bounded values, a reply-to
-- must be one of the organization's own owners or admins, addresses are plain addr-specs
-- (no RFC 5322 comments or display names) normalised once, invitations are capped per day by
-- plan, and a withdrawn invitation's queued email is cancelled (private.withdraw_invitations).

-- ==========================================================================================
-- Email addresses
-- ==========================================================================================

-- An email address as fieldbase stores and sends to it: trimmed, lower-case, a plain
-- local@domain with a dotted domain. Comments ("(x)victim@example.com"), display names,
-- quoted local parts and whitespace are refused (22023) rather than guessed at.
create or replace function private.normalize_email(address text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  normalized text := lower(btrim(address));
begin
  if normalized is null
     or char_length(normalized) > 254
     or normalized !~ '^[a-z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'
     or normalized ~ '(^\.|\.\.|\.@)' then
    raise exception '"%" is not an email address', left(address, 100) using errcode = '22023',
    hint = 'Use a plain address such as name@example.com.';
  end if;
  return normalized;
end
$$;
revoke all on function private.normalize_email(text) from public, anon, authenticated, service_role;
-- The invitations constraint calls it as whoever writes (the backend, with service_role).
grant execute on function private.normalize_email(text) to service_role;

alter table public.invitations drop constraint invitations_email_format;
-- Whoever writes an invitation (the backend with service_role too) stores a normalised address.
alter table public.invitations add constraint invitations_email_format
check (email = private.normalize_email(email)) not valid;

-- ==========================================================================================
-- Branding
-- ==========================================================================================

-- True when branding has only the known keys with bounded values: logo_url (https, 500
-- characters), primary_color (#rrggbb), footer (300 characters, no control characters but
-- line breaks), reply_to (an email address).
create or replace function private.branding_is_valid(branding jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select
    jsonb_typeof(branding) = 'object'
    and not exists (
      select from jsonb_object_keys(branding) as k
      where k not in ('logo_url', 'primary_color', 'footer', 'reply_to')
    )
    and coalesce(
      jsonb_typeof(branding -> 'logo_url') = 'string'
      and branding ->> 'logo_url' ~ '^https://[^\s"''<>]+$'
      and char_length(branding ->> 'logo_url') <= 500,
      branding -> 'logo_url' is null
    )
    and coalesce(
      branding ->> 'primary_color' ~ '^#[0-9a-fA-F]{6}$', branding -> 'primary_color' is null
    )
    and coalesce(
      jsonb_typeof(branding -> 'footer') = 'string'
      and char_length(branding ->> 'footer') <= 300
      and branding ->> 'footer' !~ '[\x01-\x09\x0b-\x1f\x7f]',
      branding -> 'footer' is null
    )
    and coalesce(
      jsonb_typeof(branding -> 'reply_to') = 'string'
      and char_length(branding ->> 'reply_to') <= 254
      and branding ->> 'reply_to' ~ '^[a-z0-9.!#$%&''*+/=?^_`{|}~-]+@[a-z0-9.-]+\.[a-z0-9-]+$',
      branding -> 'reply_to' is null
    )
$$;
revoke all on function private.branding_is_valid(jsonb) from public, anon, authenticated, service_role;
grant execute on function private.branding_is_valid(jsonb) to authenticated, service_role;

alter table public.organizations drop constraint organizations_branding_object;
alter table public.organizations add constraint organizations_branding_shape
check (private.branding_is_valid(branding)) not valid;

-- A reply-to sends recipients' answers somewhere: it must be an owner's or admin's own
-- address, never a third party's.
create or replace function private.check_organization_reply_to() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.branding ? 'reply_to' and (
    tg_op = 'INSERT' or new.branding ->> 'reply_to' is distinct from old.branding ->> 'reply_to'
  ) and not exists (
    select from public.memberships as m
    inner join auth.users as u on m.user_id = u.id
    where
      m.organization_id = new.id and m.role in ('owner', 'admin')
      and lower(u.email) = lower(new.branding ->> 'reply_to') and u.email_confirmed_at is not null
  ) then
    raise exception 'The reply-to address must be the confirmed email of an owner or admin'
    using errcode = '23514';
  end if;
  return new;
end
$$;
revoke all on function private.check_organization_reply_to() from public;

create trigger organizations_reply_to
before insert or update of branding on public.organizations
for each row execute function private.check_organization_reply_to();

-- The organization's name goes into email subjects and sender names: a name, not a message
-- (no links, addresses or control characters) and short.
alter table public.organizations add constraint organizations_name_plain check (
  char_length(name) <= 100 and name !~ '(://|www\.|@|[\x01-\x1f\x7f])'
) not valid;

-- ==========================================================================================
-- Invitations per day
-- ==========================================================================================

-- Invitations an organization may send per day (null: unlimited). Trials are cheap to make.
alter table public.plans add column max_invitations_per_day integer
check (max_invitations_per_day > 0);
comment on column public.plans.max_invitations_per_day is
'Invitations an organization on this plan may send in 24 hours; null means unlimited.';
update public.plans set max_invitations_per_day = case id
  when 'trial' then 20
  when 'starter' then 100
  when 'pro' then 500
end;
create index invitations_organization_created_idx on public.invitations (organization_id, created_at);

-- Invites an address to the organization and queues the invitation email. Owners and admins
-- invite (aal2 where MFA is required); only owners invite owners. Returns the invitation id
-- and its token (shown once).
create or replace function private.invite_member(
  organization_id uuid, email text, role public.member_role default 'viewer'
) returns table (invitation_id uuid, token text)
language plpgsql security definer
set search_path = ''
as $$
declare
  caller_role public.member_role := private.authorize(
    organization_id, '{owner,admin}', 'Only owners and admins can invite members', sensitive => true
  );
  address text := private.normalize_email(email);
  org record;
  new_token text := private.new_token();
  new_id uuid;
  pending integer;
begin
  if role = 'owner' and caller_role <> 'owner' then
    raise exception 'Only an owner can invite an owner' using errcode = '42501';
  end if;
  select o.name, p.max_members, p.max_invitations_per_day, p.name as plan_name into org
  from public.organizations as o inner join public.plans as p on o.plan_id = p.id
  where o.id = organization_id
  -- Serialises invitations per organization, so concurrent calls cannot pass the caps together.
  for no key update of o;
  if exists (
    select from public.memberships as m inner join public.profiles as p on m.user_id = p.id
    where m.organization_id = invite_member.organization_id and lower(p.email) = address
  ) then
    raise exception '% is already a member', address using errcode = '23505';
  end if;
  if org.max_invitations_per_day is not null and (
    select count(*) from public.invitations as i
    where i.organization_id = invite_member.organization_id and i.created_at > now() - interval '1 day'
  ) >= org.max_invitations_per_day then
    raise exception 'The % plan allows % invitations a day', org.plan_name, org.max_invitations_per_day
    using errcode = 'PT429', hint = 'Try again tomorrow, or upgrade the plan.';
  end if;

  -- Re-inviting replaces the pending invitation (its old link stops working, its email too).
  perform private.withdraw_invitations(array(
    select i.id from public.invitations as i
    where i.organization_id = invite_member.organization_id and i.email = address
      and i.accepted_at is null and i.revoked_at is null
  ));

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
  -- Every member reads the feed: it says that an invitation went out, not to whom.
  perform private.record_activity(
    organization_id, 'invitation.sent', 'invitation', new_id::text, 'An invitation was sent'
  );
  return query select new_id, new_token;
end
$$;

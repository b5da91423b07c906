-- Human-readable activity per organization, and per-user notifications, written by triggers
-- from domain events (never by frontends directly).

-- ==========================================================================================
-- Tables
-- ==========================================================================================

-- What happened in an organization, in words a person reads ("Ada joined as technician").
create table public.activity (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  actor_id uuid references auth.users (id) on delete set null,
  -- Dotted event name: 'member.joined', 'invitation.sent', 'organization.status_changed'.
  verb text not null check (verb ~ '^[a-z_]+(\.[a-z_]+)+$'),
  subject_type text not null,
  subject_id text,
  summary text not null,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index activity_organization_id_idx on public.activity (organization_id, created_at desc);
create index activity_actor_id_idx on public.activity (actor_id);

-- Something one user should see; read_at is set when they read it.
create table public.notifications (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references public.profiles (id) on delete cascade,
  kind text not null,
  title text not null,
  body text,
  link text,
  data jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);
create index notifications_user_id_idx on public.notifications (user_id, created_at desc)
include (read_at, organization_id);
create index notifications_organization_id_idx on public.notifications (organization_id);

-- ==========================================================================================
-- Writers (used by triggers and definer functions)
-- ==========================================================================================

-- Records an activity entry; the actor is the signed-in user, if any.
create or replace function private.record_activity(
  organization uuid, verb text, subject_type text, subject_id text, summary text,
  data jsonb default '{}'::jsonb
) returns void
language sql security definer
set search_path = ''
as $$
  insert into public.activity (organization_id, actor_id, verb, subject_type, subject_id, summary, data)
  values (organization, (select auth.uid()), verb, subject_type, subject_id, summary, data)
$$;
revoke execute on function private.record_activity(uuid, text, text, text, text, jsonb) from public;

-- Sends a notification to one user.
create or replace function private.notify_user(
  organization uuid, recipient uuid, kind text, title text, body text default null,
  link text default null, data jsonb default '{}'::jsonb
) returns void
language sql security definer
set search_path = ''
as $$
  insert into public.notifications (organization_id, user_id, kind, title, body, link, data)
  values (organization, recipient, kind, title, body, link, data)
$$;
revoke execute on function private.notify_user(uuid, uuid, text, text, text, text, jsonb) from public;

-- A person's display name: their name, else their email.
create or replace function private.display_name(person uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select coalesce(p.full_name, p.email, 'Someone') from public.profiles as p where p.id = person
$$;
revoke execute on function private.display_name(uuid) from public;

-- Membership events become activity and notifications.
create or replace function private.membership_events() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  org_name text;
  who text := private.display_name(coalesce(new.user_id, old.user_id));
begin
  select o.name into org_name from public.organizations as o
  where o.id = coalesce(new.organization_id, old.organization_id);
  if org_name is null then
    return null;  -- the organization itself is being deleted
  end if;
  if tg_op = 'INSERT' then
    perform private.record_activity(
      new.organization_id, 'member.joined', 'membership', new.id::text,
      format('%s joined as %s', who, new.role), jsonb_build_object('role', new.role)
    );
    perform private.notify_user(
      new.organization_id, new.user_id, 'membership.added',
      format('You were added to %s as %s', org_name, new.role)
    );
    if new.invited_by is not null and new.invited_by <> new.user_id then
      perform private.notify_user(
        new.organization_id, new.invited_by, 'invitation.accepted',
        format('%s accepted your invitation to %s', who, org_name)
      );
    end if;
  elsif tg_op = 'UPDATE' and new.role is distinct from old.role then
    perform private.record_activity(
      new.organization_id, 'member.role_changed', 'membership', new.id::text,
      format('%s is now %s (was %s)', who, new.role, old.role),
      jsonb_build_object('from', old.role, 'to', new.role)
    );
    perform private.notify_user(
      new.organization_id, new.user_id, 'membership.role_changed',
      format('Your role in %s is now %s', org_name, new.role)
    );
  elsif tg_op = 'DELETE' then
    perform private.record_activity(
      old.organization_id,
      case when old.user_id = (select auth.uid()) then 'member.left' else 'member.removed' end,
      'membership', old.id::text,
      format(case when old.user_id = (select auth.uid()) then '%s left' else '%s was removed' end, who)
    );
  end if;
  return null;
end
$$;
revoke execute on function private.membership_events() from public;

create trigger memberships_events
after insert or update or delete on public.memberships
for each row execute function private.membership_events();

-- ==========================================================================================
-- Public functions
-- ==========================================================================================

-- Marks the caller's notifications read: the given ids, or all of them. Returns how many.
create or replace function public.mark_notifications_read(
  notification_ids bigint[] default null
) returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  marked integer;
begin
  update public.notifications as n set read_at = now()
  where
    n.user_id = (select auth.uid())
    and n.read_at is null
    and (notification_ids is null or n.id = any(notification_ids));
  get diagnostics marked = row_count;
  return marked;
end
$$;
revoke execute on function public.mark_notifications_read(bigint[]) from public, anon;
grant execute on function public.mark_notifications_read(bigint[]) to authenticated;

alter table public.activity enable row level security;
alter table public.notifications enable row level security;
revoke all on table public.activity from anon, authenticated;
revoke all on table public.notifications from anon, authenticated;
grant select on table public.activity to authenticated;
grant select on table public.notifications to authenticated;

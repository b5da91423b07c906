-- One profile per auth.users row, created and kept in sync by triggers on auth.users.

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text check (char_length(full_name) <= 200),
  avatar_url text check (avatar_url ~ '^https?://'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create trigger profiles_touch_updated_at
before update on public.profiles
for each row execute function private.touch_updated_at();

-- Copies a user's email, name and avatar from Supabase Auth into their profile. The name and
-- avatar come from user metadata (full_name or name; avatar_url or picture, as OAuth gives).
create or replace function private.sync_profile_from_auth_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  meta_avatar text := coalesce(meta ->> 'avatar_url', meta ->> 'picture');
begin
  insert into public.profiles as p (id, email, full_name, avatar_url)
  values (
    new.id,
    new.email,
    coalesce(meta ->> 'full_name', meta ->> 'name'),
    case when meta_avatar ~ '^https?://' then meta_avatar end
  )
  on conflict (id) do update
  set email = excluded.email,
  full_name = coalesce(excluded.full_name, p.full_name),
  avatar_url = coalesce(excluded.avatar_url, p.avatar_url);
  return new;
end
$$;
revoke execute on function private.sync_profile_from_auth_user() from public;

create trigger on_auth_user_created_or_updated
after insert or update of email, raw_user_meta_data on auth.users
for each row execute function private.sync_profile_from_auth_user();

alter table public.profiles enable row level security;
revoke all on table public.profiles from anon, authenticated;
grant select on table public.profiles to authenticated;
grant update (full_name, avatar_url) on table public.profiles to authenticated;

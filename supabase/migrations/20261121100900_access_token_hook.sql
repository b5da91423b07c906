-- Supabase Auth's custom access token hook: adds the user's organizations and roles and their
-- platform-staff flag to every access token. Claims only speed frontends up; RLS never trusts
-- them (membership rows decide), so a stale token cannot keep a removed member's access.
-- Enabled in supabase/config.toml ([auth.hook.custom_access_token]).
create or replace function public.custom_access_token_hook(event jsonb) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
  target_user uuid := (event ->> 'user_id')::uuid;
  claims jsonb := coalesce(event -> 'claims', '{}'::jsonb);
  organizations jsonb;
begin
  select coalesce(jsonb_object_agg(m.organization_id::text, m.role::text), '{}'::jsonb)
  into organizations
  from public.memberships as m
  inner join public.organizations as o on m.organization_id = o.id
  where m.user_id = target_user and o.deleted_at is null;

  claims := jsonb_set(claims, '{organizations}', organizations);
  claims := jsonb_set(
    claims, '{platform_staff}',
    to_jsonb(exists (select from private.platform_staff as s where s.user_id = target_user))
  );
  return jsonb_set(event, '{claims}', claims);
end
$$;

-- Supabase's documented grants: only the auth server may run the hook (not even service_role).
grant usage on schema public to supabase_auth_admin;
revoke execute on function public.custom_access_token_hook(jsonb)
from public, anon, authenticated, service_role;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;

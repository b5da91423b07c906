-- Supabase's database advisor (tests.advisor_findings, supabase/tests/helpers/advisor.psql)
-- reports no ERROR and no WARN on the migrated database, and does catch each mistake it is for.
begin;
\ir ../helpers/fieldbase.psql
\ir ../helpers/advisor.psql
create extension if not exists pgtap with schema extensions;
select plan(2);

select is_empty(
  $$select name, detail from tests.advisor_findings where level in ('ERROR', 'WARN')$$,
  'Supabase''s advisor reports no ERROR and no WARN'
);

-- What a careless migration would add: a definer RPC in public, a table without RLS whose
-- policies re-evaluate auth.uid() per row, two permissive policies for one role and action, a
-- helper with a mutable search_path, a view that runs as its owner over auth.users.
create function public.advisor_probe() returns int language sql security definer as 'select 1';
grant execute on function public.advisor_probe() to anon, authenticated;
create table public.advisor_probe_table (id int primary key, owner_id uuid);
create policy "Owners read" on public.advisor_probe_table for select to authenticated
using (owner_id = auth.uid());
create policy "Everyone reads" on public.advisor_probe_table for select to authenticated
using (true);
create policy "Anyone writes" on public.advisor_probe_table for insert to anon
with check (true);
create view public.advisor_probe_users as select id from auth.users;
grant select on public.advisor_probe_users to authenticated;

select set_eq(
  $$select distinct name from tests.advisor_findings where detail like '%advisor_probe%'$$,
  array[
    '0002_auth_users_exposed', '0003_auth_rls_initplan', '0006_multiple_permissive_policies',
    '0007_policy_exists_rls_disabled', '0010_security_definer_view',
    '0011_function_search_path_mutable', '0013_rls_disabled_in_public',
    '0024_rls_policy_always_true', '0028_anon_security_definer_function_executable',
    '0029_authenticated_security_definer_function_executable'
  ],
  'The advisor catches each of those mistakes'
);

select * from finish();
rollback;

-- The audit log records who changed what, from where; it is append-only and cheap in bulk.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(12);

select tests.create_two_organizations();

-- an update through the API, with the gateway's headers ----------------------------------
select tests.authenticate_as(
  'a_owner', 'aal1',
  '{"x-forwarded-for": "203.0.113.7, 10.0.0.1", "user-agent": "FieldApp/2.1"}'::jsonb
);
update public.organizations set name = 'Tenant A Renamed', currency = 'CAD'
where slug = 'tenant-a';
reset role;
select tests.clear_authentication();

select results_eq(
  $$
    select actor_id, actor_role, action, table_name, old_values, new_values, ip_address, user_agent
    from public.audit_log where table_name = 'organizations' and action = 'update'
  $$,
  format(
    'values (%L::uuid, %L, %L, %L, %L::jsonb, %L::jsonb, %L::inet, %L)',
    current_setting('tests.uid_a_owner')::uuid, 'authenticated', 'update', 'organizations',
    '{"name": "Tenant A", "currency": "USD"}', '{"name": "Tenant A Renamed", "currency": "CAD"}',
    '10.0.0.1', 'FieldApp/2.1'
  ),
  'An update records the actor, only the changed columns, the gateway''s client address (not the '
  || 'forgeable first x-forwarded-for hop) and the user agent'
);
select results_eq(
  $$
    select a.record_id = o.id::text
    from public.audit_log as a inner join public.organizations as o on a.organization_id = o.id
    where a.table_name = 'organizations' and a.action = 'update' and o.slug = 'tenant-a'
  $$,
  array[true],
  'The record id is the changed row''s id'
);

-- a delete ---------------------------------------------------------------------------------
select tests.authenticate_as('a_admin');
delete from public.memberships
where user_id = current_setting('tests.uid_a_viewer')::uuid;
reset role;
select tests.clear_authentication();
select results_eq(
  $$
    select actor_id = current_setting('tests.uid_a_admin')::uuid, old_values ->> 'role', new_values
    from public.audit_log where table_name = 'memberships' and action = 'delete'
  $$,
  $$values (true, 'viewer', null::jsonb)$$,
  'A delete records the whole old row'
);

-- inserts, by a trusted caller and in bulk -----------------------------------------------------
select results_eq(
  $$
    select count(*)::int, min(actor_role), bool_and(actor_id is null)
    from public.audit_log where table_name = 'memberships' and action = 'insert'
      and organization_id = current_setting('tests.org_a')::uuid
  $$,
  $$values (5, 'postgres', true)$$,
  'Inserts without a JWT record the database role as the actor'
);
insert into public.invitations (organization_id, email, token_hash)
select
  current_setting('tests.org_b')::uuid as organization_id,
  'bulk' || n || '@example.test' as email,
  sha256(convert_to('bulk' || n, 'UTF8')) as token_hash
from generate_series(1, 200) as n;
select is(
  (
    select count(*)::int from public.audit_log
    where table_name = 'invitations' and organization_id = current_setting('tests.org_b')::uuid
  ),
  201,
  'A bulk insert records one row per inserted row (plus the fixture''s)'
);

select tests.authenticate_as_service_role();
update public.organizations set default_tax_rate = 0.0825
where slug = 'tenant-b';
reset role;
select tests.clear_authentication();
select results_eq(
  $$
    select actor_role, actor_id from public.audit_log
    where action = 'update' and new_values ? 'default_tax_rate'
  $$,
  $$values ('service_role', null::uuid)$$,
  'A service_role change records the role'
);

-- append-only --------------------------------------------------------------------------------
select throws_ok(
  'delete from public.audit_log',
  '42501', 'The audit log is append-only',
  'Even the schema owner cannot delete audit rows'
);
select throws_ok(
  'update public.audit_log set actor_role = ''nobody''',
  '42501', 'The audit log is append-only',
  'Even the schema owner cannot change audit rows'
);
insert into public.audit_log (organization_id, actor_role, action, table_name, occurred_at)
values (current_setting('tests.org_a')::uuid, 'postgres', 'insert', 'ancient', now() - interval '500 days');
select is(
  private.purge_audit_log(),
  1,
  'The retention job removes rows older than the retention period, and only those'
);
select set_config('fieldbase.audit_retention', 'on', true);
select throws_ok(
  'delete from public.audit_log',
  '42501', 'The audit log is append-only',
  'No setting a session can set opens the audit log (the old retention bypass is gone)'
);

-- only allowlisted columns --------------------------------------------------------------------
select is_empty(
  $$select from public.audit_log where old_values ? 'token_hash' or new_values ? 'token_hash'$$,
  'The audit log never copies an invitation''s token hash'
);
select is_empty(
  $$
    select c.relname from pg_catalog.pg_trigger as t
    inner join pg_catalog.pg_class as c on t.tgrelid = c.oid
    where t.tgname = 'audit_insert'
      and not exists (select from private.audited_columns as a where a.table_name = c.oid)
  $$,
  'Every audited table has a column allowlist'
);

select * from finish();
rollback;

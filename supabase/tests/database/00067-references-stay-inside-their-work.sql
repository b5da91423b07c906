-- Every reference a technician or a portal user can set stays inside their work or their
-- customer. One row per (actor, relation, command, reference): pointed at (a) their own row it
-- is accepted; at (b) a colleague's (another customer's, for a portal user), (c) another
-- organization's and (d) no row at all it is refused, and (b) and (c) exactly as (d), so an
-- error never tells whether someone else's row exists. A new table or column is covered by a
-- new row; the conventions at the end fail when a reference a technician may write, or a
-- portal RPC's reference argument, has no row.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

-- A colleague: a second technician in tenant A, assigned the other work order. ---------------
select count(tests.create_supabase_user('a_colleague', 'a_colleague@tests.fieldbase.test'));
insert into public.memberships (organization_id, user_id, role)
values (tests.org_id('tenant-a'), tests.get_supabase_uid('a_colleague'), 'technician');
insert into public.work_order_assignments (organization_id, work_order_id, user_id)
values (tests.org_id('tenant-a'), current_setting('tests.a_other_work_order')::uuid, tests.get_supabase_uid('a_colleague'));
select count(set_config('tests.a_other_assembly', (
  select wa.assembly_id::text from public.work_order_assemblies as wa
  where wa.work_order_id = current_setting('tests.a_other_work_order')::uuid
), true));
insert into public.work_order_assemblies (organization_id, work_order_id, assembly_id)
values (tests.org_id('tenant-b'), current_setting('tests.b_work_order')::uuid, current_setting('tests.b_assembly')::uuid);

-- Each tester's certification, gauge, draft reports and contacts (named by a text column). -----
with made as (
  insert into public.tester_certifications (organization_id, user_id, issuer, certificate_number, expires_on)
  select
    tests.org_id(t.slug) as organization_id,
    tests.get_supabase_uid(t.person) as user_id,
    'ABPA' as issuer,
    t.name,
    current_date + 365 as expires_on
  from (
    values ('a', 'tenant-a', 'a_technician'), ('colleague', 'tenant-a', 'a_colleague'),
    ('b', 'tenant-b', 'b_technician')
  ) as t (name, slug, person)
  returning id, certificate_number
)

select count(set_config('tests.' || certificate_number || '_cert', id::text, true)) from made;
with made as (
  insert into public.test_gauges (organization_id, user_id, serial_number, calibration_due_on)
  select
    tests.org_id(t.slug) as organization_id,
    tests.get_supabase_uid(t.person) as user_id,
    t.name,
    current_date + 365 as calibration_due_on
  from (
    values ('a', 'tenant-a', 'a_technician'), ('colleague', 'tenant-a', 'a_colleague'),
    ('b', 'tenant-b', 'b_technician')
  ) as t (name, slug, person)
  returning id, serial_number
)

select count(set_config('tests.' || serial_number || '_gauge', id::text, true)) from made;
with made as (
  insert into public.backflow_test_reports (
    organization_id, assembly_id, work_order_id, user_id, notes,
    check_valve_1_psid, relief_valve_opening_psid, check_valve_2_psid
  )
  select
    tests.org_id(t.slug) as organization_id,
    current_setting('tests.' || t.assembly)::uuid as assembly_id,
    current_setting('tests.' || t.work_order)::uuid as work_order_id,
    tests.get_supabase_uid(t.person) as user_id,
    t.name,
    0.5 as check_valve_1_psid,
    1.6 as relief_valve_opening_psid,
    0.5 as check_valve_2_psid
  from (
    values
    ('a_report', 'tenant-a', 'a_technician', 'a_assembly', 'a_work_order'),
    ('a_earlier_report', 'tenant-a', 'a_technician', 'a_assembly', 'a_work_order'),
    ('colleague_report', 'tenant-a', 'a_colleague', 'a_other_assembly', 'a_other_work_order'),
    ('b_report', 'tenant-b', 'b_technician', 'b_assembly', 'b_work_order')
  ) as t (name, slug, person, assembly, work_order)
  returning id, notes
)

select count(set_config('tests.' || notes, id::text, true)) from made;
-- All but a_report are finalised failed tests: what a retest may follow.
update public.backflow_test_reports set status = 'finalized', finalized_at = now()
where notes in ('a_earlier_report', 'colleague_report', 'b_report');
select
  count(set_config('tests.' || t.name, (
    select c.id::text from public.customer_contacts as c
    where c.customer_id = current_setting('tests.' || t.customer)::uuid
    order by c.created_at, c.id limit 1
  ), true))
from (values ('a_contact', 'a_customer'), ('a_other_contact', 'a_other_customer'), ('b_contact', 'b_customer'))
  as t (name, customer);

-- Tickets: tenant A's for the fixture customer (assigned to a_technician) and for the other
-- customer (to the colleague); tenant B's (to b_technician). ---------------------------------------
with made as (
  insert into public.tickets (organization_id, customer_id, contact_id, assignee_id, subject)
  select
    tests.org_id(t.slug) as organization_id,
    current_setting('tests.' || t.customer)::uuid as customer_id,
    current_setting('tests.' || t.contact)::uuid as contact_id,
    tests.get_supabase_uid(t.person) as assignee_id,
    t.name
  from (
    values
    ('a_ticket', 'tenant-a', 'a_customer', 'a_contact', 'a_technician'),
    ('colleague_ticket', 'tenant-a', 'a_other_customer', 'a_other_contact', 'a_colleague'),
    ('b_ticket', 'tenant-b', 'b_customer', 'b_contact', 'b_technician')
  ) as t (name, slug, customer, contact, person)
  returning id, subject
)

select count(set_config('tests.' || subject, id::text, true)) from made;

-- Sent estimates of the other customer and of tenant B, like tenant A's fixture one. ----------
with made as (
  insert into public.estimates (organization_id, customer_id, site_id, title)
  select
    tests.org_id(t.slug) as organization_id,
    current_setting('tests.' || t.customer)::uuid as customer_id,
    current_setting('tests.' || t.site)::uuid as site_id,
    t.name
  from (values ('y', 'tenant-a', 'a_other_customer', 'a_other_site'), ('b', 'tenant-b', 'b_customer', 'b_site'))
    as t (name, slug, customer, site)
  returning id, title
)

select count(set_config('tests.' || title || '_estimate', id::text, true)) from made;
with made as (
  insert into public.estimate_options (organization_id, estimate_id, name, position)
  select
    e.organization_id,
    e.id,
    e.title,
    1 as position
  from public.estimates as e
  where e.id in (current_setting('tests.y_estimate')::uuid, current_setting('tests.b_estimate')::uuid)
  returning id, name
)

select count(set_config('tests.' || name || '_estimate_option', id::text, true)) from made;
insert into public.estimate_lines (organization_id, estimate_id, option_id, description, unit_price_cents)
select
  o.organization_id,
  o.estimate_id,
  o.id,
  'Repair kit and labour' as description,
  25000 as unit_price_cents
from public.estimate_options as o
where o.id in (current_setting('tests.y_estimate_option')::uuid, current_setting('tests.b_estimate_option')::uuid);
update public.estimates set status = 'sent', sent_at = now(), valid_until = current_date + 30
where id in (current_setting('tests.y_estimate')::uuid, current_setting('tests.b_estimate')::uuid);

-- The matrix --------------------------------------------------------------------------------------
-- {value} in the statement takes each of own, colleague, other_org and a row that does not exist.
create temporary table reference_matrix (
  actor text not null,
  relation text not null,
  command text not null,
  reference text not null,
  statement text not null,
  own text not null,
  colleague text not null,
  other_org text not null
) on commit drop;

insert into reference_matrix values
-- backflow_test_reports: filing a test
(
  'a_technician', 'backflow_test_reports', 'insert', 'work_order_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id)'
  ' values ({a}, {a_assembly}, {value}) returning 1',
  '{a_work_order}', '{a_other_work_order}', '{b_work_order}'
),
(
  'a_technician', 'backflow_test_reports', 'insert', 'assembly_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id)'
  ' values ({a}, {value}, {a_work_order}) returning 1',
  '{a_assembly}', '{a_other_assembly}', '{b_assembly}'
),
(
  'a_technician', 'backflow_test_reports', 'insert', 'user_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, user_id)'
  ' values ({a}, {a_assembly}, {a_work_order}, {value}) returning 1',
  '{a_technician}', '{a_colleague}', '{b_technician}'
),
(
  'a_technician', 'backflow_test_reports', 'insert', 'certification_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, certification_id)'
  ' values ({a}, {a_assembly}, {a_work_order}, {value}) returning 1',
  '{a_cert}', '{colleague_cert}', '{b_cert}'
),
(
  'a_technician', 'backflow_test_reports', 'insert', 'gauge_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, gauge_id)'
  ' values ({a}, {a_assembly}, {a_work_order}, {value}) returning 1',
  '{a_gauge}', '{colleague_gauge}', '{b_gauge}'
),
(
  'a_technician', 'backflow_test_reports', 'insert', 'retest_of_id',
  'insert into public.backflow_test_reports (organization_id, assembly_id, work_order_id, retest_of_id)'
  ' values ({a}, {a_assembly}, {a_work_order}, {value}) returning 1',
  '{a_earlier_report}', '{colleague_report}', '{b_report}'
),
-- backflow_test_reports: editing a draft
(
  'a_technician', 'backflow_test_reports', 'update', 'work_order_id',
  'update public.backflow_test_reports set work_order_id = {value} where id = {a_report} returning 1',
  '{a_work_order}', '{a_other_work_order}', '{b_work_order}'
),
(
  'a_technician', 'backflow_test_reports', 'update', 'certification_id',
  'update public.backflow_test_reports set certification_id = {value} where id = {a_report} returning 1',
  '{a_cert}', '{colleague_cert}', '{b_cert}'
),
(
  'a_technician', 'backflow_test_reports', 'update', 'gauge_id',
  'update public.backflow_test_reports set gauge_id = {value} where id = {a_report} returning 1',
  '{a_gauge}', '{colleague_gauge}', '{b_gauge}'
),
(
  'a_technician', 'backflow_test_reports', 'update', 'retest_of_id',
  'update public.backflow_test_reports set retest_of_id = {value} where id = {a_report} returning 1',
  '{a_earlier_report}', '{colleague_report}', '{b_report}'
),
-- time, time off, notes, attachments
(
  'a_technician', 'time_entries', 'insert', 'work_order_id',
  'insert into public.time_entries (organization_id, user_id, work_order_id, started_at, ended_at)'
  ' values ({a}, {a_technician}, {value}, now() - interval ''3 hours'', now() - interval ''2 hours'')'
  ' returning 1',
  '{a_work_order}', '{a_other_work_order}', '{b_work_order}'
),
(
  'a_technician', 'time_entries', 'insert', 'user_id',
  'insert into public.time_entries (organization_id, user_id, work_order_id, started_at, ended_at)'
  ' values ({a}, {value}, {a_work_order}, now() - interval ''3 hours'', now() - interval ''2 hours'')'
  ' returning 1',
  '{a_technician}', '{a_colleague}', '{b_technician}'
),
(
  'a_technician', 'time_off', 'insert', 'user_id',
  'insert into public.time_off (organization_id, user_id, starts_at, ends_at)'
  ' values ({a}, {value}, now() + interval ''40 days'', now() + interval ''41 days'') returning 1',
  '{a_technician}', '{a_colleague}', '{b_technician}'
),
(
  'a_technician', 'work_order_notes', 'insert', 'work_order_id',
  'insert into public.work_order_notes (organization_id, work_order_id, body)'
  ' values ({a}, {value}, ''Gate code 1234'') returning 1',
  '{a_work_order}', '{a_other_work_order}', '{b_work_order}'
),
(
  'a_technician', 'storage.objects', 'insert', 'name (the work order folder)',
  'insert into storage.objects (bucket_id, name)'
  ' values (''attachments'', {a}::text || ''/work_orders/'' || {value}::text || ''/photo.jpg'')'
  ' returning 1',
  '{a_work_order}', '{a_other_work_order}', '{b_work_order}'
),
-- tickets assigned to the technician
(
  'a_technician', 'ticket_comments', 'insert', 'ticket_id',
  'insert into public.ticket_comments (organization_id, ticket_id, body) values ({a}, {value}, ''On my way'') returning 1',
  '{a_ticket}', '{colleague_ticket}', '{b_ticket}'
),
(
  'a_technician', 'tickets', 'update', 'customer_id',
  'update public.tickets set customer_id = {value} where id = {a_ticket} returning 1',
  '{a_customer}', '{a_other_customer}', '{b_customer}'
),
(
  'a_technician', 'tickets', 'update', 'contact_id',
  'update public.tickets set contact_id = {value} where id = {a_ticket} returning 1',
  '{a_contact}', '{a_other_contact}', '{b_contact}'
),
(
  'a_technician', 'tickets', 'update', 'assignee_id',
  'update public.tickets set assignee_id = {value} where id = {a_ticket} returning 1',
  '{a_technician}', '{a_colleague}', '{b_technician}'
),
-- the customer portal: portal_x is the fixture customer's contact; "colleague" is another
-- customer of the same organization
(
  'portal_x', 'approve_estimate', 'rpc', 'estimate_id',
  'select public.approve_estimate({value}, {a_estimate_good})',
  '{a_estimate}', '{y_estimate}', '{b_estimate}'
),
(
  'portal_x', 'approve_estimate', 'rpc', 'option_id',
  'select public.approve_estimate({a_estimate}, {value})',
  '{a_estimate_good}', '{y_estimate_option}', '{b_estimate_option}'
),
(
  'portal_x', 'decline_estimate', 'rpc', 'estimate_id',
  'select public.decline_estimate({value}, ''Too dear'')',
  '{a_estimate}', '{y_estimate}', '{b_estimate}'
),
(
  'portal_x', 'comment_on_customer_ticket', 'rpc', 'ticket_id',
  'select public.comment_on_customer_ticket({value}, ''Still leaking'')',
  '{a_ticket}', '{colleague_ticket}', '{b_ticket}'
);

select plan((select count(*)::integer * 3 + 2 from reference_matrix));

-- What each row gives for each value, with ids masked so messages compare.
create temporary table reference_outcomes on commit drop as
select
  m.*,
  v.target,
  regexp_replace(
    tests.outcome_as(m.actor, replace(m.statement, '{value}', v.value), true),
    '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<id>', 'g'
  ) as outcome
from reference_matrix as m
cross join lateral (
  values
  ('own', m.own), ('colleague', m.colleague), ('other_org', m.other_org),
  ('missing', '''00000000-0000-4000-8000-00000000dead''::uuid')
) as v (target, value);

select
  ok(
    o.outcome ~ '^\d+ rows?$',
    format('%s: %s %s.%s pointed at their own row is accepted (%s)', o.actor, o.command, o.relation, o.reference, o.outcome)
  )
from reference_outcomes as o
where o.target = 'own'
order by o.relation, o.command, o.reference;

select
  ok(
    o.outcome !~ '^\d+ rows?$' and o.outcome = missing.outcome,
    format(
      '%s: %s %s.%s pointed at a %s row is refused as a missing one (%s / %s)',
      o.actor, o.command, o.relation, o.reference,
      case when o.actor like 'portal%' then 'another customer''s' else 'colleague''s' end,
      o.outcome, missing.outcome
    )
  )
from reference_outcomes as o
inner join reference_outcomes as missing
on
  (missing.actor, missing.relation, missing.command, missing.reference, missing.target)
  = (o.actor, o.relation, o.command, o.reference, 'missing')
where o.target = 'colleague'
order by o.relation, o.command, o.reference;

select
  ok(
    o.outcome !~ '^\d+ rows?$' and o.outcome = missing.outcome,
    format(
      '%s: %s %s.%s pointed at another organization''s row is refused as a missing one (%s / %s)',
      o.actor, o.command, o.relation, o.reference, o.outcome, missing.outcome
    )
  )
from reference_outcomes as o
inner join reference_outcomes as missing
on
  (missing.actor, missing.relation, missing.command, missing.reference, missing.target)
  = (o.actor, o.relation, o.command, o.reference, 'missing')
where o.target = 'other_org'
order by o.relation, o.command, o.reference;

-- Conventions ---------------------------------------------------------------------------------------
-- A table a technician may write is one with an insert or update policy that admits more than
-- a list of roles without them; its references are its foreign-key columns (but the
-- organization) that authenticated may write.
select is_empty(
  $$
    with writable as (
      select distinct c.oid, c.relname::text as relation,
        case p.polcmd when 'a' then 'insert' else 'update' end as command
      from pg_catalog.pg_policy as p
      inner join pg_catalog.pg_class as c on p.polrelid = c.oid
      where c.relnamespace = 'public'::regnamespace and p.polcmd in ('a', 'w')
        and coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')
        || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '')
        ~ '(assigned_|workable_|auth\.uid\(\)|organization_ids_for\(\)|technician)'
    )
    select w.relation, w.command, a.attname::text
    from writable as w
    inner join pg_catalog.pg_constraint as k on k.conrelid = w.oid and k.contype = 'f'
    cross join unnest(k.conkey) as col (attnum)
    inner join pg_catalog.pg_attribute as a on a.attrelid = w.oid and a.attnum = col.attnum
    where a.attname <> 'organization_id'
      and has_column_privilege('authenticated', w.oid, a.attname, upper(w.command))
    except
    select m.relation, m.command, m.reference from reference_matrix as m where m.actor = 'a_technician'
  $$,
  'Every reference column a technician may write has a row in the matrix'
);

-- A portal RPC is one whose body (or its private implementation's) asks private.authorize_portal;
-- its references are its uuid arguments.
select is_empty(
  $$
    select p.proname::text, a.name
    from pg_catalog.pg_proc as p
    cross join lateral unnest(p.proargnames, p.proargtypes::oid[]) as a (name, type)
    where p.pronamespace = 'public'::regnamespace
      and a.type = 'uuid'::regtype
      and (
        p.prosrc ~ 'authorize_portal'
        or exists (
          select from pg_catalog.pg_proc as q
          where q.pronamespace = 'private'::regnamespace and q.proname = p.proname
            and q.prosrc ~ 'authorize_portal'
        )
      )
    except
    select m.relation, m.reference from reference_matrix as m where m.actor = 'portal_x'
  $$,
  'Every reference argument of a portal RPC has a row in the matrix'
);

select * from finish();
rollback;

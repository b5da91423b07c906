-- Feature flags, usage counters, API rate limits, health and diagnostics.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(19);

select tests.create_two_organizations();

-- feature flags ------------------------------------------------------------------------------
select tests.authenticate_as('a_viewer');
select is(
  public.feature_enabled('tests_flag', current_setting('tests.org_a')::uuid), true,
  'An organization''s override wins over the global default'
);
select is(
  public.feature_enabled('no_such_flag', current_setting('tests.org_a')::uuid), false,
  'An unknown flag is off'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('b_owner');
select is(
  public.feature_enabled('tests_flag', current_setting('tests.org_a')::uuid), false,
  'Another organization''s override is not disclosed: the global default answers'
);
reset role;
select tests.clear_authentication();
update public.feature_flags set enabled = true
where key = 'tests_flag';
select tests.authenticate_as('b_owner');
select is(
  public.feature_enabled('tests_flag', current_setting('tests.org_b')::uuid), true,
  'Without an override, the global default answers'
);
reset role;
select tests.clear_authentication();

-- usage ----------------------------------------------------------------------------------------
select is(
  private.increment_usage(current_setting('tests.org_a')::uuid, 'jobs', 2), 5::bigint,
  'Usage adds up within the month'
);
select is(
  private.increment_usage(current_setting('tests.org_a')::uuid, 'emails'), 1::bigint,
  'A new metric starts at the first use'
);

-- rate limits ------------------------------------------------------------------------------
-- The limiter counts over its own connection (private.rate_limit_connection, a password a DBA
-- sets: scripts/doctor says how). A database without it counts nothing, by design; the budget
-- assertions then say so as skips instead of failing, since no transaction can set up a
-- committed password for the counting role. The local stack and CI always have it.
select set_config(
  'tests.limiter_counts', (exists (select from private.rate_limit_connection))::text, true
);
update private.rate_limits set requests_per_minute = 3
where role = 'authenticated';
update private.rate_limits set requests_per_minute = 2
where role = 'anon';

select tests.authenticate_as('a_viewer');
select lives_ok(
  'select private.check_request(); select private.check_request(); select private.check_request()',
  'Requests within the budget pass'
);
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      throws_ok(
        'select private.check_request()',
        'PT429', 'Too many requests: the limit is 3 per minute',
        'The request over budget is refused with 429'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_admin');
select lives_ok('select private.check_request()', 'Each user has their own budget');
reset role;
select tests.clear_authentication();

select tests.authenticate_as_anon('{"x-forwarded-for": "198.51.100.1"}');
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      throws_ok(
        'select private.check_request(); select private.check_request(); select private.check_request()',
        'PT429', 'Too many requests: the limit is 2 per minute',
        'Anonymous callers are limited per client IP'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;
reset role;
select tests.clear_authentication();
select tests.authenticate_as_anon('{"x-forwarded-for": "203.0.113.66, 198.51.100.1"}');
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      throws_ok(
        'select private.check_request()', 'PT429', null,
        'A forged first x-forwarded-for hop buys no new budget: the gateway''s own hop counts'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;
reset role;
select tests.clear_authentication();
select tests.authenticate_as_anon('{"x-forwarded-for": "198.51.100.1", "x-real-ip": "198.51.100.2"}');
select lives_ok('select private.check_request()', 'Another client address has its own budget');
reset role;
select tests.clear_authentication();

-- PostgREST runs GETs read-only, and rolls back what a failed request did: the count holds.
select tests.authenticate_as('a_dispatcher');
select throws_ok(
  $$
    select set_config('transaction_read_only', 'on', true);
    select private.check_request(); select private.check_request(); select private.check_request();
    select 1 / 0
  $$,
  '22012', null,
  'The limiter runs in a read-only request (it never writes in the request''s transaction)'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_dispatcher');
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      throws_ok(
        'select private.check_request()', 'PT429', null,
        'Requests that were rolled back (failed, or read-only) still count against the budget'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;
reset role;
select tests.clear_authentication();

select ok(
  (
    select 'pgrst.db_pre_request=private.check_request' = any(s.setconfig)
    from pg_db_role_setting as s
    where s.setrole = 'authenticator'::regrole
  ),
  'PostgREST is configured to run the rate limiter before every request'
);

-- health and schedules ---------------------------------------------------------------------
select tests.authenticate_as_anon();
select is(
  (select array_agg(k order by k) from jsonb_object_keys(public.health()) as k),
  array['status', 'time'],
  'health() answers anyone and discloses nothing else'
);
reset role;
select tests.clear_authentication();

select ok(
  (
    select
      array_agg(jobname::text) @> array[
        'fieldbase-audit-retention', 'fieldbase-rate-limit-purge', 'fieldbase-cron-history-retention'
      ]
    from cron.job
  ),
  'Retention and purge jobs are scheduled in pg_cron, its own run history included'
);
insert into cron.job_run_details (jobid, runid, status, start_time, end_time)
values (1, 999001, 'succeeded', now() - interval '30 days', now() - interval '30 days'),
(1, 999002, 'succeeded', now(), now());
select is(
  private.purge_cron_history(),
  1,
  'pg_cron''s run history older than a week is purged (the reaper adds ~1,440 rows a day)'
);
select results_eq(
  $$select file_size_limit, allowed_mime_types from storage.buckets where id = 'documents'$$,
  $$values (52428800::bigint, array[
    'application/pdf', 'text/csv', 'application/zip',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
  ])$$,
  'The documents bucket takes PDFs, CSV exports, export archives and imported workbooks of at most 50 MB, whoever uploads'
);

select * from finish();
rollback;

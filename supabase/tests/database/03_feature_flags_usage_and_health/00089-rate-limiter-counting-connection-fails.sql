-- A rate limiter whose counting connection fails (a password rotated without updating
-- private.rate_limit_connection) lets requests through rather than failing every one, leaves no
-- half-open session, and tries again 10 seconds later.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(7);

select tests.create_two_organizations();
select set_config(
  'tests.limiter_counts', (exists (select from private.rate_limit_connection))::text, true
);
update private.rate_limits set requests_per_minute = 1
where role = 'authenticated';
-- The last password in a conninfo wins.
update private.rate_limit_connection set conninfo = conninfo || ' password=rotated';

select tests.authenticate_as('a_viewer');
select lives_ok(
  'select private.check_request(); select private.check_request(); select private.check_request()',
  'Requests pass while the counting connection fails (a budget of 1 is not enforced)'
);
reset role;
select tests.clear_authentication();
select is(
  extensions.dblink_get_connections(), null,
  'No half-open counting session is left behind'
);
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      ok(
        current_setting('fieldbase.rate_counter_retry_at')::timestamptz
        between clock_timestamp() + interval '9 seconds' and clock_timestamp() + interval '10 seconds',
        'The limiter tries again 10 seconds later, not on every request'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;

-- The DBA repairs the conninfo: within the 10 seconds nothing is counted, then counting resumes.
update private.rate_limit_connection set conninfo = replace(conninfo, ' password=rotated', '');
select tests.authenticate_as('a_viewer');
select lives_ok(
  'select private.check_request(); select private.check_request()',
  'Within the 10 seconds the limiter stays off'
);
reset role;
select tests.clear_authentication();
select is(
  extensions.dblink_get_connections(), null,
  'and does not try to connect'
);
select set_config(
  'fieldbase.rate_counter_retry_at', (clock_timestamp() - interval '1 second')::text, false
);
select tests.authenticate_as('a_viewer');
select lives_ok('select private.check_request()', 'Afterwards the first request is counted');
select case
  when current_setting('tests.limiter_counts')::boolean
    then
      throws_ok(
        'select private.check_request()',
        'PT429', 'Too many requests: the limit is 1 per minute',
        'and the budget holds again'
      )
  else skip('the rate limiter has no counting connection here (scripts/doctor)', 1)
end;
reset role;
select tests.clear_authentication();

select * from finish();
rollback;

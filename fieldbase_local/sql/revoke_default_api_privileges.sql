-- What Supabase Studio runs at project creation when "Default privileges for new entities" is
-- off, and what the Supabase CLI runs when [api] auto_expose_new_tables is unset or false
-- (the default for every project since 2026-10-30): new tables, sequences and functions that
-- postgres creates in public are granted to none of the Data API roles until a migration
-- grants them. (Tables keep TRUNCATE, REFERENCES and TRIGGER defaults, as on Supabase.)
alter default privileges for role postgres in schema public
revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
revoke execute on functions from anon, authenticated, service_role;

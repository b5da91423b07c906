-- Local development only: the worker logs in with the local stack's one password.
-- On Supabase, a DBA sets a real one: alter role fieldbase_worker with password '...'.
alter role fieldbase_worker with password 'postgres';

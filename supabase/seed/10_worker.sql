-- Local development only: the worker's login password (on Supabase, a DBA sets a real one).
alter role fieldbase_worker with password 'worker';

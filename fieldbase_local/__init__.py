"""The local Supabase stand-in and the pytest plugin: the cluster and its bootstrap, the stack
scripts/db drives (migrations and seeds through the Supabase CLI), the PostgREST, Auth and
Realtime stand-ins, a mail sink and a webhook receiver."""

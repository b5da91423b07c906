"""Local Supabase-compatible stack: cluster, bootstrap, migrations, policies, auth helpers."""

"""Root conftest: the local-stack pytest plugin serves tests/ and supabase/tests/ alike."""

pytest_plugins = ["fieldbase_local.testing"]

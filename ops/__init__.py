"""Tools for running fieldbase on a real Supabase project: the readiness doctor (scripts/doctor)."""

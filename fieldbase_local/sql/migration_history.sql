-- The Supabase CLI's migration history table, created exactly as the CLI creates it.
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;
-- The seed files already applied, by content hash (the CLI's own table).
create table if not exists supabase_migrations.seed_files (
  path text not null primary key,
  hash text not null
);

-- Each water authority's own pass thresholds: a minimum per assembly kind and reading that
-- replaces the default (backflow_test_thresholds) for the sites it serves. Only a reading the
-- default set has for that kind can be overridden.
create table public.water_authority_thresholds (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  water_authority_id uuid not null,
  kind public.assembly_kind not null,
  reading text not null,
  minimum_psid numeric(4, 1) not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint water_authority_thresholds_organization_id_id_key unique (organization_id, id),
  constraint water_authority_thresholds_one_per_reading unique (water_authority_id, kind, reading),
  constraint water_authority_thresholds_authority_fkey foreign key (organization_id, water_authority_id)
  references public.water_authorities (organization_id, id) on delete cascade,
  constraint water_authority_thresholds_reading_fkey foreign key (kind, reading)
  references public.backflow_test_thresholds (kind, reading),
  constraint water_authority_thresholds_minimum_range check (minimum_psid > 0 and minimum_psid <= 99.9)
);
create index water_authority_thresholds_authority_idx
on public.water_authority_thresholds (organization_id, water_authority_id);
create index water_authority_thresholds_reading_idx on public.water_authority_thresholds (kind, reading);
alter table public.water_authority_thresholds enable row level security;
revoke all on table public.water_authority_thresholds from public, anon, authenticated, service_role;
grant select, delete on table public.water_authority_thresholds to authenticated;
grant insert (organization_id, water_authority_id, kind, reading, minimum_psid)
on table public.water_authority_thresholds to authenticated;
grant update (minimum_psid) on table public.water_authority_thresholds to authenticated;
grant select, insert, update, delete on table public.water_authority_thresholds to service_role;
select private.install_organization_writable_guard('public.water_authority_thresholds');
select private.enable_audit(
  'public.water_authority_thresholds', 'organization_id',
  array['id', 'organization_id', 'water_authority_id', 'kind', 'reading', 'minimum_psid']
);

comment on table public.water_authority_thresholds is
'A water authority''s own minimum for a reading of an assembly kind, replacing the default '
'(backflow_test_thresholds) for the sites it serves. Owners and admins set them; members read them.';
comment on column public.water_authority_thresholds.id is 'Primary key.';
comment on column public.water_authority_thresholds.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.water_authority_thresholds.water_authority_id is
'The authority (public.water_authorities).';
comment on column public.water_authority_thresholds.kind is 'The assembly kind it applies to.';
comment on column public.water_authority_thresholds.reading is
'check_valve_1, check_valve_2, relief_valve_opening or air_inlet_opening: one the default set '
'has for the kind.';
comment on column public.water_authority_thresholds.minimum_psid is 'The lowest passing reading, in psid.';
comment on column public.water_authority_thresholds.created_at is 'When the row was created.';
comment on column public.water_authority_thresholds.updated_at is 'When the row last changed.';

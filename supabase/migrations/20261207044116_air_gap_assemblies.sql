-- An air gap (the physical separation between a supply outlet and the flood rim below it) is
-- inspected and measured like an assembly is tested. The value is added in a migration of its
-- own: a new enum value cannot be used in the transaction that adds it.
alter type public.assembly_kind add value if not exists 'air_gap' after 'rpda';

comment on type public.assembly_kind is
'Backflow prevention assemblies (reduced pressure, double check, pressure / spill-resistant '
'vacuum breakers, detector assemblies), air gaps (measured, not tested with a gauge) and other '
'equipment a company services.';

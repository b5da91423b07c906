-- The reference showed 'permit_number' as an example of what an authority may require, and the
-- check beside it (water_authorities_required_fields_known) refuses it: a frontend that
-- followed the example got a 23514. The examples are now values the check takes, and a test
-- holds every comment's examples to its column's check.
comment on column public.water_authorities.required_fields is
'Fields the authority requires on every report, from those water_authorities_required_fields_known '
'lists (e.g. ''water_account_number'', ''installed_on'').';

-- What a water authority may require on a test report beyond the readings: line pressure, both
-- shut-off valves, the initial readings of a test repaired and retested on the same visit, the
-- repair and its parts, and an air gap's measurements. Columns only: the grading, the finalise
-- check and the report's PDF are in supabase/current/ (the next migration).
alter table public.backflow_test_reports
add column line_pressure_psi numeric(5, 1),
add column shutoff_valve_1_tight boolean,
add column shutoff_valve_2_tight boolean,
add column initial_check_valve_1_psid numeric(4, 1),
add column initial_check_valve_2_psid numeric(4, 1),
add column initial_relief_valve_opening_psid numeric(4, 1),
add column initial_air_inlet_opening_psid numeric(4, 1),
add column repair_parts text,
add column air_gap_inches numeric(5, 2),
add column supply_pipe_diameter_inches numeric(5, 2),
add constraint backflow_test_reports_line_pressure_range check (line_pressure_psi between 0 and 300),
add constraint backflow_test_reports_initial_readings_range check (
  initial_check_valve_1_psid between 0 and 99 and initial_check_valve_2_psid between 0 and 99
  and initial_relief_valve_opening_psid between 0 and 99 and initial_air_inlet_opening_psid between 0 and 99
),
add constraint backflow_test_reports_repair_parts_length check (char_length(repair_parts) <= 2000),
add constraint backflow_test_reports_air_gap_range check (
  air_gap_inches between 0 and 100 and supply_pipe_diameter_inches > 0 and supply_pipe_diameter_inches <= 100
);

grant insert (
  line_pressure_psi, shutoff_valve_1_tight, shutoff_valve_2_tight, initial_check_valve_1_psid,
  initial_check_valve_2_psid, initial_relief_valve_opening_psid, initial_air_inlet_opening_psid,
  repair_parts, air_gap_inches, supply_pipe_diameter_inches
) on table public.backflow_test_reports to authenticated;
grant update (
  line_pressure_psi, shutoff_valve_1_tight, shutoff_valve_2_tight, initial_check_valve_1_psid,
  initial_check_valve_2_psid, initial_relief_valve_opening_psid, initial_air_inlet_opening_psid,
  repair_parts, air_gap_inches, supply_pipe_diameter_inches
) on table public.backflow_test_reports to authenticated;

comment on column public.backflow_test_reports.line_pressure_psi is
'The supply line''s static pressure (psi).';
comment on column public.backflow_test_reports.shutoff_valve_1_tight is 'Shut-off valve #1 closed tight.';
comment on column public.backflow_test_reports.shutoff_valve_2_tight is 'Shut-off valve #2 closed tight.';
comment on column public.backflow_test_reports.initial_check_valve_1_psid is
'Check valve 1 before a repair on the same visit (the readings columns are the final test).';
comment on column public.backflow_test_reports.initial_check_valve_2_psid is
'Check valve 2 before a repair on the same visit.';
comment on column public.backflow_test_reports.initial_relief_valve_opening_psid is
'The relief valve''s opening point before a repair on the same visit.';
comment on column public.backflow_test_reports.initial_air_inlet_opening_psid is
'The air inlet''s opening point before a repair on the same visit.';
comment on column public.backflow_test_reports.repair_parts is
'The parts a repair used (repairs describes it).';
comment on column public.backflow_test_reports.air_gap_inches is
'An air gap''s measured separation (inches): it passes at twice the supply pipe''s diameter and '
'at least 1 inch.';
comment on column public.backflow_test_reports.supply_pipe_diameter_inches is
'The supply pipe''s inside diameter above an air gap (inches).';

-- The fields an authority can require: the assembly's and customer's, and now the report's.
alter table public.water_authorities drop constraint water_authorities_required_fields_known;
alter table public.water_authorities add constraint water_authorities_required_fields_known check (
  required_fields <@ array[
    'water_account_number', 'make', 'model', 'size', 'location_at_site', 'hazard', 'service_type',
    'installed_on', 'line_pressure', 'shutoff_valves', 'initial_readings', 'repair_description',
    'repair_parts', 'air_gap'
  ]
);
comment on column public.water_authorities.required_fields is
'Fields the authority requires before a report is filed (finalize_backflow_test names what is '
'missing): of the assembly and customer (water_account_number, make, model, size, '
'location_at_site, hazard, service_type, installed_on) and of the report (line_pressure, '
'shutoff_valves; initial_readings, repair_description and repair_parts when a test was '
'repaired and retested on the visit; air_gap for air gaps). The report''s PDF shows them in a '
'section of their own.';

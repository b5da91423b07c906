-- Compliance dates are the organization's, not UTC's or the session's: a site's time zone now
-- comes from its organization when none is given (it defaulted to UTC, so a Chicago company's
-- sites said UTC), and a report's tested_on from its site's date today (it defaulted to the
-- session's current_date: from 18:00 in Chicago, tomorrow). The functions follow in the next
-- migration.
alter table public.sites alter column time_zone drop default;

-- Sites that kept the old default while their organization is elsewhere take its zone.
update public.sites as s set time_zone = o.time_zone
from public.organizations as o
where s.organization_id = o.id and s.time_zone = 'UTC' and o.time_zone <> 'UTC';

alter table public.backflow_test_reports alter column tested_on drop default;

comment on column public.sites.time_zone is
'The site''s IANA time zone; its organization''s when not given. Due dates and test dates are '
'this zone''s dates.';
comment on column public.backflow_test_reports.tested_on is
'The day of the test; the site''s date today when not given.';

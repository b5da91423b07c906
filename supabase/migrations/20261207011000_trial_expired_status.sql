-- A trial that ends without a subscription leaves the organization trial_expired: read-only for
-- its members, as suspended is, until a subscription makes it active again. The value is added
-- in a migration of its own: a new enum value cannot be used in the transaction that adds it.
alter type public.organization_status add value if not exists 'trial_expired' after 'trialing';

comment on type public.organization_status is
'trialing, active and past_due organizations work normally (past_due until its plan''s grace '
'period ends); trial_expired, suspended and cancelled ones are read-only for their members and '
'their jobs wait. Set by the billing flow (Stripe), the billing schedule and platform staff.';

-- Before a cancelled organization's data is purged, its owners can take everything with them:
-- one export of every table they own, a zip of CSVs.
alter type public.export_kind add value if not exists 'everything';

comment on type public.export_kind is
'What an export contains: customers, invoices, payments or test reports, as CSV; or everything, '
'a zip with one CSV per table of the organization.';

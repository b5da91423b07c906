-- Running fieldbase as a service: what an organization pays (Stripe Billing), what its plan lets
-- it use (quotas), when a trial or a grace period ends, who on the platform's staff may do what,
-- and what the operator's dashboard reads. Tables only: the functions, triggers, views and
-- policies are in supabase/current/16_subscriptions_and_billing.sql and
-- supabase/policies/16_subscriptions_and_billing.sql (the next migration).

-- Plans: their Stripe prices and amounts, monthly quotas, grace period and data retention -----
alter table public.plans
add column stripe_price_monthly text,
add column stripe_price_yearly text,
add column monthly_price_cents bigint,
add column yearly_price_cents bigint,
add column max_emails_per_month integer,
add column max_documents_per_month integer,
add column max_webhooks_per_month integer,
add column grace_period_days integer not null default 14,
add column retention_days integer not null default 60,
add constraint plans_stripe_price_monthly_key unique (stripe_price_monthly),
add constraint plans_stripe_price_yearly_key unique (stripe_price_yearly),
add constraint plans_stripe_price_format check (
  stripe_price_monthly ~ '^price_[A-Za-z0-9_]{1,200}$'
  and stripe_price_yearly ~ '^price_[A-Za-z0-9_]{1,200}$'
),
add constraint plans_prices_not_negative check (monthly_price_cents >= 0 and yearly_price_cents >= 0),
add constraint plans_quotas_positive check (
  max_emails_per_month > 0 and max_documents_per_month > 0 and max_webhooks_per_month > 0
),
add constraint plans_grace_period_range check (grace_period_days between 0 and 60),
add constraint plans_retention_range check (retention_days between 1 and 365);

-- max_jobs_per_month was never checked; the quotas it stood for are now per kind of work.
alter table public.plans drop column max_jobs_per_month;

update public.plans as p set
  monthly_price_cents = v.monthly, yearly_price_cents = v.yearly,
  max_emails_per_month = v.emails, max_documents_per_month = v.documents,
  max_webhooks_per_month = v.webhooks
from (
  values
  ('trial', null::bigint, null::bigint, 300, 100, 1000),
  ('starter', 4900, 49000, 5000, 2000, 20000),
  ('pro', 14900, 149000, 50000, 20000, 200000),
  ('enterprise', null, null, null, null, null)
) as v (plan_id, monthly, yearly, emails, documents, webhooks)
where p.id = v.plan_id;

comment on column public.plans.stripe_price_monthly is
'The Stripe price (price_...) of the monthly subscription; null: not sold monthly.';
comment on column public.plans.stripe_price_yearly is
'The Stripe price (price_...) of the yearly subscription; null: not sold yearly.';
comment on column public.plans.monthly_price_cents is 'What the plan costs a month, in cents (MRR).';
comment on column public.plans.yearly_price_cents is 'What the plan costs a year, in cents.';
comment on column public.plans.max_emails_per_month is
'Emails an organization may cause in a calendar month (UTC); null: unlimited.';
comment on column public.plans.max_documents_per_month is
'PDF documents an organization may cause in a calendar month (UTC); null: unlimited.';
comment on column public.plans.max_webhooks_per_month is
'Webhook deliveries an organization may cause in a calendar month (UTC); null: unlimited.';
comment on column public.plans.grace_period_days is
'Days a past_due organization keeps working before it is suspended for non-payment.';
comment on column public.plans.retention_days is
'Days a cancelled organization''s data is kept before it is purged.';

-- Organizations: their Stripe customer and subscription, and where the billing lifecycle stands
alter table public.organizations
add column stripe_customer_id text,
add column stripe_subscription_id text,
add column billing_interval text,
add column current_period_end timestamptz,
add column cancel_at_period_end boolean not null default false,
add column past_due_since timestamptz,
add column past_due_amount_cents bigint,
add column suspended_for text,
add column cancelled_at timestamptz,
add column purge_held_by uuid references auth.users (id) on delete set null,
add column purge_hold_reason text,
add column subscription_synced_at timestamptz,
add constraint organizations_stripe_customer_id_key unique (stripe_customer_id),
add constraint organizations_stripe_subscription_id_key unique (stripe_subscription_id),
add constraint organizations_stripe_ids_format check (
  stripe_customer_id ~ '^cus_[A-Za-z0-9]{1,200}$' and stripe_subscription_id ~ '^sub_[A-Za-z0-9]{1,200}$'
),
add constraint organizations_billing_interval_check check (billing_interval in ('month', 'year')),
add constraint organizations_suspended_for_check check (suspended_for in ('non_payment', 'staff')),
add constraint organizations_past_due_amount_check check (past_due_amount_cents >= 0),
add constraint organizations_purge_hold_reason_length check (char_length(purge_hold_reason) <= 500);

create index organizations_purge_held_by_idx on public.organizations (purge_held_by);
create index organizations_billing_status_idx on public.organizations (status, created_at);

-- Organizations cancelled or deleted before this migration start their retention now.
update public.organizations set cancelled_at = coalesce(deleted_at, updated_at)
where status = 'cancelled' or deleted_at is not null;

comment on column public.organizations.stripe_customer_id is
'The organization''s customer in the platform''s Stripe account; created once, by the worker.';
comment on column public.organizations.stripe_subscription_id is 'Its Stripe subscription, if any.';
comment on column public.organizations.billing_interval is 'month or year, as subscribed.';
comment on column public.organizations.current_period_end is 'When the paid period ends.';
comment on column public.organizations.cancel_at_period_end is
'The subscription ends at current_period_end (cancelled in the billing portal).';
comment on column public.organizations.past_due_since is
'When a payment first failed; the organization is suspended after its plan''s grace period.';
comment on column public.organizations.past_due_amount_cents is 'What the failed invoice asks.';
comment on column public.organizations.suspended_for is
'Why it is suspended: non_payment (lifted by a payment) or staff (lifted by staff only).';
comment on column public.organizations.cancelled_at is
'When it was cancelled or deleted; its data is purged retention_days later unless held.';
comment on column public.organizations.purge_held_by is 'The staff member holding the purge.';
comment on column public.organizations.purge_hold_reason is 'Why the purge is held.';
comment on column public.organizations.subscription_synced_at is
'When the subscription state held here was read from Stripe; older reads are ignored.';

-- Checkout and billing portal sessions: an owner asks, the worker answers with Stripe's URL ----
create table public.billing_sessions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null,
  plan_id text references public.plans (id),
  billing_interval text,
  status text not null default 'pending',
  url text,
  error text,
  expires_at timestamptz,
  requested_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint billing_sessions_organization_id_id_key unique (organization_id, id),
  constraint billing_sessions_kind_check check (kind in ('checkout', 'portal')),
  constraint billing_sessions_status_check check (status in ('pending', 'ready', 'failed')),
  constraint billing_sessions_interval_check check (billing_interval in ('month', 'year')),
  constraint billing_sessions_checkout_names_a_plan check (
    (kind = 'checkout') = (plan_id is not null and billing_interval is not null)
  ),
  constraint billing_sessions_url_https check (url ~ '^https://[^\s]+$' and char_length(url) <= 2000),
  constraint billing_sessions_ready_has_url check ((status = 'ready') = (url is not null)),
  constraint billing_sessions_error_length check (char_length(error) <= 500)
);
create index billing_sessions_organization_idx on public.billing_sessions (organization_id, created_at desc);
create index billing_sessions_plan_id_idx on public.billing_sessions (plan_id);
create index billing_sessions_requested_by_idx on public.billing_sessions (requested_by);
alter table public.billing_sessions enable row level security;
revoke all on table public.billing_sessions from anon, authenticated, service_role;
grant select on table public.billing_sessions to authenticated, service_role;
alter publication supabase_realtime add table public.billing_sessions;
select private.install_organization_writable_guard('public.billing_sessions');
comment on table public.billing_sessions is
'A Stripe Checkout or billing portal session an owner asked for (start_subscription_checkout, '
'open_billing_portal). The worker fills url (status ready) or error (failed); published to '
'Realtime. Open url before expires_at.';

-- Support access: an owner lets platform staff read the organization's data for a while ------
create table public.support_access_grants (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  granted_by uuid references auth.users (id) on delete set null,
  reason text not null,
  granted_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_by uuid references auth.users (id) on delete set null,
  constraint support_access_grants_organization_id_id_key unique (organization_id, id),
  constraint support_access_grants_reason_length check (char_length(btrim(reason)) between 1 and 500),
  constraint support_access_grants_window check (
    expires_at > granted_at and expires_at <= granted_at + interval '30 days'
  )
);
create index support_access_grants_organization_idx
on public.support_access_grants (organization_id, expires_at desc);
create index support_access_grants_live_idx on public.support_access_grants (expires_at)
where revoked_at is null;
create index support_access_grants_granted_by_idx on public.support_access_grants (granted_by);
create index support_access_grants_revoked_by_idx on public.support_access_grants (revoked_by);
alter table public.support_access_grants enable row level security;
revoke all on table public.support_access_grants from anon, authenticated, service_role;
grant select on table public.support_access_grants to authenticated, service_role;
select private.install_organization_writable_guard('public.support_access_grants');
comment on table public.support_access_grants is
'Read access an owner granted platform staff (support and admin) until expires_at, with the '
'reason; revocable. Staff change nothing through it.';

-- Platform staff have a role now; whoever was staff before is an admin ------------------------
alter table private.platform_staff
add column role text not null default 'admin',
add column added_by uuid references auth.users (id) on delete set null,
add constraint platform_staff_role_check check (role in ('support', 'billing', 'admin'));
create index platform_staff_added_by_idx on private.platform_staff (added_by);

-- Every staff action, with its reason (organization_id kept after a purge, on purpose) --------
create table private.staff_actions (
  id bigint generated always as identity primary key,
  staff_id uuid,
  staff_role text,
  action text not null,
  organization_id uuid,
  reason text not null,
  detail jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null default now(),
  constraint staff_actions_reason_length check (char_length(btrim(reason)) between 1 and 500)
);
create index staff_actions_occurred_idx on private.staff_actions (occurred_at desc);
create index staff_actions_organization_idx on private.staff_actions (organization_id, occurred_at desc);
alter table private.staff_actions enable row level security;

-- Stripe Billing events (the platform's own account), once each by event id -----------------
create table private.billing_events (
  event_id text primary key,
  event_type text not null,
  stripe_created timestamptz,
  organization_id uuid references public.organizations (id) on delete set null,
  outcome text not null,
  received_at timestamptz not null default now(),
  constraint billing_events_event_id_check check (event_id ~ '^evt_[A-Za-z0-9_]{1,200}$')
);
create index billing_events_organization_idx on private.billing_events (organization_id, received_at desc);
create index billing_events_received_idx on private.billing_events (received_at desc);
alter table private.billing_events enable row level security;

-- Lifecycle notices and usage warnings sent, so each is sent once -----------------------------
create table private.billing_notices (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  notice text not null,
  reference text not null default '',
  sent_at timestamptz not null default now(),
  primary key (organization_id, notice, reference)
);
alter table private.billing_notices enable row level security;

-- Bytes each organization keeps in Storage, kept by a trigger on storage.objects --------------
create table private.storage_usage (
  organization_id uuid primary key references public.organizations (id) on delete cascade,
  bytes bigint not null default 0 check (bytes >= 0),
  updated_at timestamptz not null default now()
);
alter table private.storage_usage enable row level security;
insert into private.storage_usage (organization_id, bytes)
select
  o.id as organization_id,
  sum(coalesce((s.metadata ->> 'size')::bigint, 0)) as bytes
from storage.objects as s
inner join public.organizations as o on o.id::text = split_part(s.name, '/', 1)
group by o.id;

-- The operator's monthly revenue, one row per organization and month (kept after a purge) -----
create table private.revenue_snapshots (
  month date not null,
  organization_id uuid not null,
  plan_id text not null,
  status text not null,
  mrr_cents bigint not null default 0 check (mrr_cents >= 0),
  -- Emails, documents and webhooks caused that month, and the last sign-in of any member, as
  -- the snapshot saw them: what the at-risk list compares month over month.
  metered_usage bigint not null default 0,
  last_sign_in_at timestamptz,
  taken_at timestamptz not null default now(),
  primary key (month, organization_id),
  constraint revenue_snapshots_month_check check (extract(day from month) = 1)
);
create index revenue_snapshots_organization_idx on private.revenue_snapshots (organization_id, month);
alter table private.revenue_snapshots enable row level security;

-- The quota metrics are counted per calendar month.
comment on table public.usage_counters is
'What an organization used per calendar month (UTC): emails, documents and webhooks, counted '
'once when a job is queued. Read through organization_usage.';

-- What a subscription read from Stripe said that fieldbase could not apply (an unknown price),
-- for staff: nothing changes until it is fixed.
create table private.billing_problems (
  id bigint generated always as identity primary key,
  organization_id uuid references public.organizations (id) on delete set null,
  stripe_object text not null,
  problem text not null,
  occurred_at timestamptz not null default now()
);
create index billing_problems_organization_idx on private.billing_problems (organization_id);
create index billing_problems_occurred_idx on private.billing_problems (occurred_at desc);
alter table private.billing_problems enable row level security;

-- The audit log follows the billing state too.
update private.audited_columns
set
  columns = columns || array[
    'stripe_customer_id', 'stripe_subscription_id', 'billing_interval', 'current_period_end',
    'cancel_at_period_end', 'past_due_since', 'suspended_for', 'cancelled_at', 'purge_hold_reason'
  ]
where table_name = 'public.organizations'::regclass;

-- The operator's month by month figures, kept with each snapshot so the dashboard reads a few
-- dozen rows, not every organization's history.
create table private.revenue_months (
  month date primary key,
  mrr_cents bigint not null,
  paying integer not null,
  new_paying integer not null,
  churned integer not null,
  paying_before integer not null,
  revenue_churn_cents bigint not null,
  mrr_before_cents bigint not null,
  signups integer not null,
  taken_at timestamptz not null default now(),
  constraint revenue_months_month_check check (extract(day from month) = 1)
);
alter table private.revenue_months enable row level security;

-- The dashboard and the at-risk list read one month of usage across organizations.
create index usage_counters_period_idx on public.usage_counters (period, organization_id);

-- Credits billing staff grant an organization (a goodwill credit, an outage), applied to its
-- Stripe customer balance by the worker, so its next invoices are reduced.
create table private.billing_credits (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  amount_cents bigint not null,
  currency text not null default 'usd',
  reason text not null,
  granted_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  stripe_transaction_id text,
  applied_at timestamptz,
  constraint billing_credits_amount_range check (amount_cents between 1 and 10000000),
  constraint billing_credits_currency_format check (currency ~ '^[a-z]{3}$'),
  constraint billing_credits_reason_length check (char_length(btrim(reason)) between 1 and 500)
);
create index billing_credits_organization_idx on private.billing_credits (organization_id, created_at desc);
create index billing_credits_granted_by_idx on private.billing_credits (granted_by);
alter table private.billing_credits enable row level security;

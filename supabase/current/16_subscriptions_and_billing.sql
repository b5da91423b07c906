-- Subscriptions and billing: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.
--
-- What a tenant pays fieldbase (Stripe Billing on the platform's own Stripe account), what its
-- plan lets it use, the trial, dunning and retention schedules, the platform staff's roles, and
-- the operator's dashboard. The worker talks to Stripe; everything else is here.

-- Platform staff ---------------------------------------------------------------------------

-- The signed-in user's platform staff role (support, billing or admin), or null.
create or replace function private.staff_role()
returns text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return (select s.role from private.platform_staff as s where s.user_id = (select auth.uid()));
end
$$;
revoke all on function private.staff_role()
from public, anon, authenticated, service_role;
grant execute on function private.staff_role()
to authenticated;

-- Every staff action starts here: the caller must be staff in one of the allowed roles, in an
-- aal2 session, and give a reason. The action is recorded (private.staff_actions) and, when it
-- concerns an organization, written to that organization's audit log, where its owners see it.
create or replace function private.authorize_staff(
  allowed text[],
  action text,
  organization uuid,
  reason text,
  detail jsonb default '{}'::jsonb
)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  caller_role text := private.staff_role();
begin
  if caller_role is null or not (caller_role = any(allowed)) then
    raise exception 'Only platform staff with the % role can do this', array_to_string(allowed, ' or ')
    using errcode = '42501';
  end if;
  if coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2' then
    raise exception 'Platform staff actions require multi-factor authentication'
    using errcode = '42501', hint = 'Verify a second factor (aal2 session) and try again.';
  end if;
  if coalesce(btrim(reason), '') = '' then
    raise exception 'Give a reason: every staff action is recorded with one' using errcode = '22023';
  end if;
  insert into private.staff_actions (staff_id, staff_role, action, organization_id, reason, detail)
  values ((select auth.uid()), caller_role, action, organization, left(btrim(reason), 500), detail);
  if organization is not null and exists (select from public.organizations as o where o.id = organization) then
    perform private.audit_call(
      organization, action, organization::text,
      detail || jsonb_build_object('reason', left(btrim(reason), 500), 'staff_role', caller_role)
    );
  end if;
  return caller_role;
end
$$;
revoke all on function private.authorize_staff(
  allowed text[], action text, organization uuid, reason text, detail jsonb
)
from public, anon, authenticated, service_role;

-- Raises 403 unless the caller is platform staff (any role) in an aal2 session, or a backend with
-- the service_role key: the dashboard.
create or replace function private.assert_staff_dashboard()
returns void
language plpgsql stable security definer
set search_path = ''
as $$
begin
  if (select auth.role()) = 'service_role' then
    return;
  end if;
  if private.staff_role() is null then
    raise exception 'The operator''s dashboard is for platform staff' using errcode = '42501';
  end if;
  if coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2' then
    raise exception 'The operator''s dashboard requires multi-factor authentication'
    using errcode = '42501', hint = 'Verify a second factor (aal2 session) and try again.';
  end if;
end
$$;
revoke all on function private.assert_staff_dashboard()
from public, anon, authenticated, service_role;

-- The organizations whose owners granted support access that is live now, when the caller is
-- support or admin staff: policy helpers let them read these organizations' rows, and the
-- organization guard refuses their writes.
create or replace function private.support_organization_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select g.organization_id
  from public.support_access_grants as g
  where
    g.revoked_at is null and g.expires_at > now()
    and exists (
      select from private.platform_staff as s
      where s.user_id = (select auth.uid()) and s.role in ('support', 'admin')
    );
end
$$;
revoke all on function private.support_organization_ids()
from public, anon, authenticated, service_role;
grant execute on function private.support_organization_ids()
to authenticated;

-- Adds, changes or removes (role null) a platform staff member (admins; with a reason).
create or replace function private.set_staff_role(user_id uuid, role text, reason text)
returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  perform private.authorize_staff(
    '{admin}', 'set_staff_role', null, reason, jsonb_build_object('user_id', user_id, 'role', role)
  );
  if user_id = (select auth.uid()) then
    raise exception 'Staff cannot change their own role' using errcode = '42501',
    hint = 'Ask another admin.';
  end if;
  if role is null then
    delete from private.platform_staff as s where s.user_id = set_staff_role.user_id;
    return;
  end if;
  if role not in ('support', 'billing', 'admin') then
    raise exception 'Unknown staff role "%"', left(role, 50) using errcode = '22023',
    hint = 'Use support, billing or admin.';
  end if;
  if not exists (select from auth.users as u where u.id = set_staff_role.user_id) then
    raise exception 'No such user' using errcode = 'PT404';
  end if;
  insert into private.platform_staff as s (user_id, role, added_by)
  values (set_staff_role.user_id, set_staff_role.role, (select auth.uid()))
  on conflict on constraint platform_staff_pkey do update set role = excluded.role;
end
$$;
revoke all on function private.set_staff_role(user_id uuid, role text, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.set_staff_role(user_id uuid, role text, reason text)
to authenticated;

create or replace function public.set_staff_role(user_id uuid, role text, reason text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.set_staff_role(user_id, role, reason);
end
$$;
revoke all on function public.set_staff_role(user_id uuid, role text, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.set_staff_role(user_id uuid, role text, reason text)
to authenticated;

-- Gives a trialing (or trial-expired) organization more days (billing staff and admins).
create or replace function private.extend_trial(organization_id uuid, days integer, reason text)
returns organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.organizations;
begin
  perform private.authorize_staff(
    '{billing,admin}', 'extend_trial', organization_id, reason, jsonb_build_object('days', days)
  );
  if days is null or days not between 1 and 90 then
    raise exception 'A trial can be extended by 1 to 90 days' using errcode = '22023';
  end if;
  select * into target from public.organizations as o where o.id = organization_id for update;
  if target.id is null or target.deleted_at is not null then
    raise exception 'No such organization' using errcode = 'PT404';
  elsif target.status not in ('trialing', 'trial_expired') then
    raise exception 'Only a trial can be extended; this organization is %', target.status
    using errcode = 'PT409';
  end if;
  update public.organizations as o
  set
    trial_ends_at = greatest(coalesce(o.trial_ends_at, now()), now()) + make_interval(days => days),
    status = 'trialing'
  where o.id = target.id
  returning * into target;
  perform private.record_activity(
    target.id, 'billing.trial_extended', 'organization', target.id::text,
    format('Trial extended by %s days, to %s', days, to_char(target.trial_ends_at, 'YYYY-MM-DD')),
    jsonb_build_object('days', days, 'trial_ends_at', target.trial_ends_at)
  );
  return target;
end
$$;
revoke all on function private.extend_trial(organization_id uuid, days integer, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.extend_trial(organization_id uuid, days integer, reason text)
to authenticated;

create or replace function public.extend_trial(organization_id uuid, days integer, reason text)
returns organizations
language plpgsql
set search_path = ''
as $$
begin
  return private.extend_trial(organization_id, days, reason);
end
$$;
revoke all on function public.extend_trial(organization_id uuid, days integer, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.extend_trial(organization_id uuid, days integer, reason text)
to authenticated;

-- Holds (or releases) the purge of a cancelled organization's data (billing staff and admins).
create or replace function private.hold_purge(organization_id uuid, hold boolean, reason text)
returns organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.organizations;
begin
  perform private.authorize_staff(
    '{billing,admin}', 'hold_purge', organization_id, reason, jsonb_build_object('hold', hold)
  );
  update public.organizations as o
  set
    purge_held_by = case when hold then (select auth.uid()) end,
    purge_hold_reason = case when hold then left(btrim(reason), 500) end
  where o.id = organization_id
  returning * into target;
  if target.id is null then
    raise exception 'No such organization' using errcode = 'PT404';
  end if;
  if hold then
    perform queue.cancel_jobs(
      array(select j.id from queue.job_queue as j where j.dedupe_key = 'purge:' || target.id),
      '{queued,retrying}'
    );
  end if;
  return target;
end
$$;
revoke all on function private.hold_purge(organization_id uuid, hold boolean, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.hold_purge(organization_id uuid, hold boolean, reason text)
to authenticated;

create or replace function public.hold_purge(organization_id uuid, hold boolean, reason text)
returns organizations
language plpgsql
set search_path = ''
as $$
begin
  return private.hold_purge(organization_id, hold, reason);
end
$$;
revoke all on function public.hold_purge(organization_id uuid, hold boolean, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.hold_purge(organization_id uuid, hold boolean, reason text)
to authenticated;

-- Moves an organization billed outside Stripe (an enterprise contract) to another plan (billing
-- staff and admins). A subscribed organization's plan is Stripe's: change it in the portal.
create or replace function private.set_organization_plan(organization_id uuid, plan_id text, reason text)
returns organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.organizations;
begin
  perform private.authorize_staff(
    '{billing,admin}', 'set_organization_plan', organization_id, reason, jsonb_build_object('plan_id', plan_id)
  );
  select * into target from public.organizations as o where o.id = organization_id for update;
  if target.id is null then
    raise exception 'No such organization' using errcode = 'PT404';
  elsif not exists (select from public.plans as p where p.id = set_organization_plan.plan_id) then
    raise exception 'No such plan' using errcode = 'PT404';
  elsif target.stripe_subscription_id is not null and target.status in ('active', 'past_due') then
    raise exception 'This organization''s plan comes from its Stripe subscription' using errcode = 'PT409',
    hint = 'Change the subscription in Stripe; the change arrives by webhook.';
  end if;
  update public.organizations as o set plan_id = set_organization_plan.plan_id
  where o.id = target.id
  returning * into target;
  perform private.record_activity(
    target.id, 'billing.plan_changed', 'organization', target.id::text,
    format('Plan set to %s by platform staff', plan_id), jsonb_build_object('plan_id', plan_id)
  );
  return target;
end
$$;
revoke all on function private.set_organization_plan(organization_id uuid, plan_id text, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.set_organization_plan(organization_id uuid, plan_id text, reason text)
to authenticated;

create or replace function public.set_organization_plan(organization_id uuid, plan_id text, reason text)
returns organizations
language plpgsql
set search_path = ''
as $$
begin
  return private.set_organization_plan(organization_id, plan_id, reason);
end
$$;
revoke all on function public.set_organization_plan(organization_id uuid, plan_id text, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.set_organization_plan(organization_id uuid, plan_id text, reason text)
to authenticated;

-- Grants an organization a credit on its Stripe customer balance (billing staff and admins):
-- the worker applies it once, and Stripe takes it off the next invoices. Returns the credit's id.
create or replace function private.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  credit uuid;
begin
  perform private.authorize_staff(
    '{billing,admin}', 'grant_billing_credit', organization_id, reason,
    jsonb_build_object('amount_cents', amount_cents)
  );
  if amount_cents is null or amount_cents not between 1 and 10000000 then
    raise exception 'A credit is 0.01 to 100,000.00' using errcode = '22023';
  elsif (select o.stripe_customer_id from public.organizations as o where o.id = organization_id) is null then
    raise exception 'This organization has no billing account to credit' using errcode = 'PT409';
  end if;
  insert into private.billing_credits (organization_id, amount_cents, reason, granted_by)
  values (organization_id, amount_cents, left(btrim(reason), 500), (select auth.uid()))
  returning id into credit;
  perform queue.enqueue(
    'billing.credit', jsonb_build_object('credit_id', credit), null, 'billing-credit:' || credit,
    now(), 10::smallint
  );
  perform private.record_activity(
    organization_id, 'billing.credit_granted', 'organization', organization_id::text,
    format('A credit of %s was granted', to_char(amount_cents / 100.0, 'FM999999990.00')),
    jsonb_build_object('amount_cents', amount_cents)
  );
  return credit;
end
$$;
revoke all on function private.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
to authenticated;

create or replace function public.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
returns uuid
language plpgsql
set search_path = ''
as $$
begin
  return private.grant_billing_credit(organization_id, amount_cents, reason);
end
$$;
revoke all on function public.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.grant_billing_credit(organization_id uuid, amount_cents bigint, reason text)
to authenticated;

-- A credit the worker is to apply in Stripe: its customer, amount and reason; null once applied.
create or replace function queue.billing_credit(credit_id uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'id', c.id, 'customer', o.stripe_customer_id, 'amount_cents', c.amount_cents,
    'currency', c.currency, 'reason', c.reason
  )
  from private.billing_credits as c inner join public.organizations as o on c.organization_id = o.id
  where c.id = credit_id and c.applied_at is null
$$;
revoke all on function queue.billing_credit(credit_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.billing_credit(credit_id uuid)
to fieldbase_worker;

-- Records the Stripe balance transaction that applied a credit.
create or replace function queue.record_billing_credit(credit_id uuid, transaction_id text)
returns void
language sql security definer
set search_path = ''
as $$
  update private.billing_credits as c
  set stripe_transaction_id = transaction_id, applied_at = now()
  where c.id = credit_id and c.applied_at is null
$$;
revoke all on function queue.record_billing_credit(credit_id uuid, transaction_id text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_billing_credit(credit_id uuid, transaction_id text)
to fieldbase_worker;

-- Support access -----------------------------------------------------------------------------

-- An owner lets support and admin staff read the organization's data for 1 to 720 hours.
create or replace function private.grant_support_access(organization_id uuid, hours integer, reason text)
returns support_access_grants
language plpgsql security definer
set search_path = ''
as $$
declare
  granted public.support_access_grants;
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can grant support access', sensitive => true,
    writing => false
  );
  if hours is null or hours not between 1 and 720 then
    raise exception 'Support access lasts 1 to 720 hours (30 days)' using errcode = '22023';
  end if;
  if coalesce(btrim(reason), '') = '' then
    raise exception 'Say why support needs access' using errcode = '22023';
  end if;
  insert into public.support_access_grants (organization_id, granted_by, reason, expires_at)
  values (organization_id, (select auth.uid()), left(btrim(reason), 500), now() + make_interval(hours => hours))
  returning * into granted;
  perform private.record_activity(
    organization_id, 'support_access.granted', 'support_access_grant', granted.id::text,
    format('Support access granted until %s', to_char(granted.expires_at, 'YYYY-MM-DD HH24:MI TZ')),
    jsonb_build_object('expires_at', granted.expires_at)
  );
  return granted;
end
$$;
revoke all on function private.grant_support_access(organization_id uuid, hours integer, reason text)
from public, anon, authenticated, service_role;
grant execute on function private.grant_support_access(organization_id uuid, hours integer, reason text)
to authenticated;

create or replace function public.grant_support_access(organization_id uuid, hours integer, reason text)
returns support_access_grants
language plpgsql
set search_path = ''
as $$
begin
  return private.grant_support_access(organization_id, hours, reason);
end
$$;
revoke all on function public.grant_support_access(organization_id uuid, hours integer, reason text)
from public, anon, authenticated, service_role;
grant execute on function public.grant_support_access(organization_id uuid, hours integer, reason text)
to authenticated;

-- An owner ends a support access grant now.
create or replace function private.revoke_support_access(grant_id uuid)
returns support_access_grants
language plpgsql security definer
set search_path = ''
as $$
declare
  target public.support_access_grants;
begin
  select * into target from public.support_access_grants as g where g.id = grant_id;
  if target.id is null or private.role_in(target.organization_id) is distinct from 'owner' then
    raise exception 'No such support access grant' using errcode = 'PT404';
  end if;
  perform private.authorize(
    target.organization_id, '{owner}', 'Only an owner can revoke support access', writing => false
  );
  update public.support_access_grants as g
  set revoked_at = now(), revoked_by = (select auth.uid())
  where g.id = target.id and g.revoked_at is null
  returning * into target;
  if target.id is not null then
    perform private.record_activity(
      target.organization_id, 'support_access.revoked', 'support_access_grant', target.id::text,
      'Support access revoked'
    );
  end if;
  return (select g from public.support_access_grants as g where g.id = grant_id);
end
$$;
revoke all on function private.revoke_support_access(grant_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.revoke_support_access(grant_id uuid)
to authenticated;

create or replace function public.revoke_support_access(grant_id uuid)
returns support_access_grants
language plpgsql
set search_path = ''
as $$
begin
  return private.revoke_support_access(grant_id);
end
$$;
revoke all on function public.revoke_support_access(grant_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.revoke_support_access(grant_id uuid)
to authenticated;

-- Usage and quotas ---------------------------------------------------------------------------

-- The monthly quota a job kind counts against: emails, documents or webhooks (null: none).
create or replace function private.quota_metric(kind text)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when kind like 'email.%' then 'emails'
    when kind = 'pdf.render' then 'documents'
    when kind = 'webhook.deliver' then 'webhooks'
  end
$$;
revoke all on function private.quota_metric(kind text)
from public, anon, authenticated, service_role;

-- What the law or the customer needs is counted but never refused: invoices and credit notes
-- (and their emails), inspection reports and their submission to the water authority, a
-- visit's change or cancellation, and invitations (already limited per day and by members).
create or replace function private.quota_exempt(kind text, payload jsonb)
returns boolean
language sql immutable
set search_path = ''
as $$
  select kind in (
    'email.invoice_sent', 'email.inspection_report_ready', 'email.appointment_changed',
    'email.invitation', 'email.portal_invitation'
  )
  or (
    kind = 'pdf.render' and (
      payload ->> 'source_type' = 'backflow_test_report'
      or payload -> 'document' ->> 'type' in ('invoice', 'credit_note')
    )
  )
$$;
revoke all on function private.quota_exempt(kind text, payload jsonb)
from public, anon, authenticated, service_role;

-- The organization's plan limit for a metric (null: unlimited).
create or replace function private.plan_limit(organization uuid, metric text)
returns bigint
language sql stable security definer
set search_path = ''
as $$
  select case metric
    when 'emails' then p.max_emails_per_month
    when 'documents' then p.max_documents_per_month
    when 'webhooks' then p.max_webhooks_per_month
    when 'storage_mb' then p.max_storage_mb
    when 'members' then p.max_members
    when 'technicians' then p.max_technicians
  end
  from public.organizations as o inner join public.plans as p on o.plan_id = p.id
  where o.id = organization
$$;
revoke all on function private.plan_limit(organization uuid, metric text)
from public, anon, authenticated, service_role;

-- How many more of a metric the organization may use this month (null: unlimited).
create or replace function private.quota_left(organization uuid, metric text)
returns bigint
language sql stable security definer
set search_path = ''
as $$
  select greatest(0, private.plan_limit(organization, metric) - coalesce((
    select u.value from public.usage_counters as u
    where u.organization_id = organization and u.metric = quota_left.metric
      and u.period = date_trunc('month', now() at time zone 'UTC')::date
  ), 0))
$$;
revoke all on function private.quota_left(organization uuid, metric text)
from public, anon, authenticated, service_role;

-- Tells the owners, once per month and metric, when usage reaches 80% and 100% of the plan.
create or replace function private.warn_usage(organization uuid, metric text, used bigint, included bigint)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  threshold integer;
  period text := to_char(now() at time zone 'UTC', 'YYYY-MM');
begin
  foreach threshold in array array[80, 100] loop
    if used * 100 >= included * threshold and (used - 1) * 100 < included * threshold then
      perform private.send_billing_notice(
        organization, case threshold when 80 then 'usage_high' else 'usage_used_up' end, metric || ':' || period,
        jsonb_build_object('metric', metric, 'used', used, 'included', included), email => false
      );
    end if;
  end loop;
end
$$;
revoke all on function private.warn_usage(organization uuid, metric text, used bigint, included bigint)
from public, anon, authenticated, service_role;

-- Counts a queued job against its organization's monthly quota (queue.enqueue calls it once per
-- job it inserts, so a retried job never counts twice). Over the limit, a job asked for through
-- the API is refused with 402; what the law or the customer needs, and what the schedule or the
-- worker queues, is counted and never refused.
create or replace function private.meter_job(organization uuid, kind text, payload jsonb)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  metric text := private.quota_metric(kind);
  used bigint;
  included bigint;
  plan_name text;
begin
  if metric is null or organization is null then
    return;
  end if;
  used := private.increment_usage(organization, metric);
  included := private.plan_limit(organization, metric);
  if included is null then
    return;
  end if;
  if used > included and (select auth.role()) in ('anon', 'authenticated')
     and not private.quota_exempt(kind, payload) then
    select p.name into plan_name
    from public.organizations as o inner join public.plans as p on o.plan_id = p.id
    where o.id = organization;
    raise exception 'The % plan includes % % a month; % used this month',
      plan_name, included, replace(metric, 'documents', 'PDF documents'), used - 1
    using errcode = 'PT402', hint = 'Upgrade the plan, or wait for next month.';
  end if;
  perform private.warn_usage(organization, metric, used, included);
end
$$;
revoke all on function private.meter_job(organization uuid, kind text, payload jsonb)
from public, anon, authenticated, service_role;

-- "5 GB" or "500 MB": a plan's storage as people read it.
create or replace function private.format_megabytes(megabytes numeric, decimals integer default 0)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when megabytes >= 1000 then trim(to_char(round(megabytes / 1000, decimals), 'FM999999990' || case when decimals > 0 then '.' || repeat('0', decimals) else '' end)) || ' GB'
    else trim(to_char(round(megabytes, decimals), 'FM999999990' || case when decimals > 0 then '.' || repeat('0', decimals) else '' end)) || ' MB'
  end
$$;
revoke all on function private.format_megabytes(megabytes numeric, decimals integer)
from public, anon, authenticated, service_role;

-- The organization a Storage object belongs to: the first folder of its path, when that is an
-- organization's id (every bucket of ours keeps objects under <organization_id>/).
create or replace function private.storage_object_organization(object_path text)
returns uuid
language sql stable security definer
set search_path = ''
as $$
  select o.id from public.organizations as o
  where split_part(object_path, '/', 1) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    and o.id = split_part(object_path, '/', 1)::uuid
$$;
revoke all on function private.storage_object_organization(object_path text)
from public, anon, authenticated, service_role;

-- Refuses an upload through the API (Storage runs it with the user's JWT) that would take the
-- organization past its plan's storage, with 402 and what is used. Documents the worker stores
-- are counted, never refused.
create or replace function private.check_storage_quota()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid := private.storage_object_organization(new.name);
  added bigint := coalesce((new.metadata ->> 'size')::bigint, 0);
  used bigint;
  included bigint;
  plan_name text;
begin
  -- Only for a member's upload: RLS refuses anyone else's after this trigger, and an error
  -- from here must not tell an outsider another organization's plan or usage.
  if organization is null or (select auth.role()) is distinct from 'authenticated'
     or organization not in (select private.organization_ids_for()) then
    return new;
  end if;
  if tg_op = 'UPDATE' and old.name = new.name then
    added := added - coalesce((old.metadata ->> 'size')::bigint, 0);
  end if;
  if added <= 0 then
    return new;
  end if;
  included := private.plan_limit(organization, 'storage_mb');
  if included is null then
    return new;
  end if;
  used := coalesce((select s.bytes from private.storage_usage as s where s.organization_id = organization), 0);
  if used + added > included * 1000000 then
    select p.name into plan_name
    from public.organizations as o inner join public.plans as p on o.plan_id = p.id
    where o.id = organization;
    raise exception 'The % plan includes %; % used', plan_name,
      private.format_megabytes(included), private.format_megabytes(used / 1000000.0, 1)
    using errcode = 'PT402', hint = 'Delete files you no longer need, or upgrade the plan.';
  end if;
  return new;
end
$$;
revoke all on function private.check_storage_quota()
from public, anon, authenticated, service_role;

-- Keeps private.storage_usage equal to the bytes each organization keeps in Storage.
create or replace function private.count_storage()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  organization uuid;
  delta bigint;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    organization := private.storage_object_organization(old.name);
    delta := -coalesce((old.metadata ->> 'size')::bigint, 0);
    if organization is not null and delta <> 0 then
      update private.storage_usage as s set bytes = greatest(0, s.bytes + delta), updated_at = now()
      where s.organization_id = organization;
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    organization := private.storage_object_organization(new.name);
    delta := coalesce((new.metadata ->> 'size')::bigint, 0);
    if organization is not null then
      insert into private.storage_usage as s (organization_id, bytes) values (organization, delta)
      on conflict (organization_id) do update set bytes = s.bytes + excluded.bytes, updated_at = now();
      perform private.warn_usage(
        organization, 'storage_mb',
        ceil((select s.bytes from private.storage_usage as s where s.organization_id = organization) / 1000000.0)::bigint,
        private.plan_limit(organization, 'storage_mb')
      )
      where private.plan_limit(organization, 'storage_mb') is not null;
    end if;
  end if;
  return null;
end
$$;
revoke all on function private.count_storage()
from public, anon, authenticated, service_role;

-- The bytes an organization keeps in Storage (private.storage_usage), for organization_usage.
create or replace function private.storage_bytes(organization uuid)
returns bigint
language sql stable security definer
set search_path = ''
as $$
  select coalesce((select s.bytes from private.storage_usage as s where s.organization_id = organization), 0)
$$;
revoke all on function private.storage_bytes(organization uuid)
from public, anon, authenticated, service_role;
grant execute on function private.storage_bytes(organization uuid)
to authenticated, service_role;

-- Usage against the plan, this month: for the owners and admins of each organization, and for
-- platform staff and service_role (every organization). A plain view, so a filter on
-- organization_id reaches the tables: one organization's row costs the same with 10,000 of them.
create or replace view public.organization_usage
with (security_invoker = true)
as
select
  m.organization_id,
  m.metric,
  m.period,
  m.used,
  m.included,
  case when m.included > 0 then round(100.0 * m.used / m.included, 1) end as percent_used
from (
  select
    o.id as organization_id,
    k.metric,
    date_trunc('month', now() at time zone 'UTC')::date as period,
    case k.metric
      when 'storage_mb' then ceil(private.storage_bytes(o.id) / 1000000.0)::bigint
      when 'members'
        then (
          select count(*) from public.memberships as ms
          where ms.organization_id = o.id
        )
      when 'technicians'
        then (
          select count(*) from public.memberships as ms
          where ms.organization_id = o.id and ms.role = 'technician'
        )
      else coalesce((
        select u.value from public.usage_counters as u
        where
          u.organization_id = o.id and u.metric = k.metric
          and u.period = date_trunc('month', now() at time zone 'UTC')::date
      ), 0)
    end as used,
    (case k.metric
      when 'emails' then p.max_emails_per_month
      when 'documents' then p.max_documents_per_month
      when 'webhooks' then p.max_webhooks_per_month
      when 'storage_mb' then p.max_storage_mb
      when 'members' then p.max_members
      when 'technicians' then p.max_technicians
    end)::bigint as included
  from public.organizations as o
  inner join public.plans as p on o.plan_id = p.id
  cross join unnest(array['documents', 'emails', 'members', 'storage_mb', 'technicians', 'webhooks']) as k (metric)
  where
    o.deleted_at is null
    and (
      o.id in (select private.organization_ids_for('{owner,admin}'))
      or (select private.is_platform_staff())
      or (select auth.role()) = 'service_role'
    )
) as m;
revoke all on table public.organization_usage
from public, anon, authenticated, service_role;
grant select on table public.organization_usage
to authenticated, service_role;

-- Notices ------------------------------------------------------------------------------------

-- Sends a lifecycle notice once per (organization, notice, reference): an email to each owner
-- (from fieldbase itself, a platform job, so it goes out even while the organization's own jobs
-- wait), an in-app notification and an activity entry. Returns whether it was sent now.
create or replace function private.send_billing_notice(
  organization uuid,
  notice text,
  reference text,
  details jsonb default '{}'::jsonb,
  email boolean default true
)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  org public.organizations;
  owner record;
  title text;
begin
  insert into private.billing_notices (organization_id, notice, reference)
  values (organization, notice, coalesce(reference, ''))
  on conflict do nothing;
  if not found then
    return false;
  end if;
  select * into org from public.organizations as o where o.id = organization;
  title := case notice
    when 'welcome' then format('Welcome to fieldbase, %s', org.name)
    when 'trial_ending' then format('Your trial ends on %s', details ->> 'on_date')
    when 'trial_ended' then 'Your trial has ended: choose a plan to keep working'
    when 'subscription_confirmed' then format('Subscribed to the %s plan', details ->> 'plan_name')
    when 'payment_failed' then 'A payment failed: update your payment method'
    when 'suspended' then 'The organization is suspended for non-payment'
    when 'reactivated' then 'Payment received: the organization is active again'
    when 'cancellation_confirmed' then format('Subscription cancelled; access ends on %s', details ->> 'on_date')
    when 'purge_scheduled' then format('Your data will be deleted on %s', details ->> 'on_date')
    when 'usage_high' then format('80%% of the plan''s %s used this month', details ->> 'metric')
    when 'usage_used_up' then format('The plan''s %s are used up for this month', details ->> 'metric')
    else notice
  end;
  for owner in
    select m.user_id, p.email, p.full_name
    from public.memberships as m inner join public.profiles as p on m.user_id = p.id
    where m.organization_id = organization and m.role = 'owner'
  loop
    if email and owner.email is not null then
      perform queue.enqueue(
        'email.account_notice',
        jsonb_build_object(
          'to', owner.email, 'name', owner.full_name, 'organization_name', org.name, 'notice', notice
        ) || details,
        null,
        format('notice:%s:%s:%s:%s', organization, notice, reference, owner.user_id),
        now(),
        50::smallint
      );
    end if;
    perform private.notify_user(
      organization, owner.user_id, 'billing.' || notice, title, null, '/settings/billing', details
    );
  end loop;
  perform private.record_activity(
    organization, 'billing.' || notice, 'organization', organization::text, title, details
  );
  return true;
end
$$;
revoke all on function private.send_billing_notice(
  organization uuid, notice text, reference text, details jsonb, email boolean
)
from public, anon, authenticated, service_role;

-- Billing status -----------------------------------------------------------------------------

-- Moves an organization to a billing status, recording the activity (the audit log follows the
-- row): when it fell past due, why it is suspended, and a purge hold only while cancelled.
create or replace function private.change_billing_status(
  organization uuid,
  new_status organization_status,
  reason text,
  suspended_for text default null::text
)
returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  before public.organizations;
begin
  select * into before from public.organizations as o where o.id = organization for update;
  if before.id is null or (before.status = new_status and before.suspended_for is not distinct from change_billing_status.suspended_for) then
    return false;
  end if;
  update public.organizations as o
  set
    status = new_status,
    suspended_for = case when new_status = 'suspended' then change_billing_status.suspended_for end,
    -- The rest of the lifecycle (what a status clears, cancelled_at) is track_billing_lifecycle's.
    past_due_since = case when new_status = 'past_due' then coalesce(o.past_due_since, now()) else o.past_due_since end,
    purge_held_by = case when new_status = 'cancelled' then o.purge_held_by end,
    purge_hold_reason = case when new_status = 'cancelled' then o.purge_hold_reason end
  where o.id = organization;
  perform private.record_activity(
    organization, 'billing.status_changed', 'organization', organization::text,
    format('Status changed from %s to %s: %s', before.status, new_status, reason),
    jsonb_build_object('from', before.status, 'to', new_status, 'reason', reason)
  );
  return true;
end
$$;
revoke all on function private.change_billing_status(
  organization uuid, new_status organization_status, reason text, suspended_for text
)
from public, anon, authenticated, service_role;

-- Checkout and the billing portal ------------------------------------------------------------

-- An owner asks for a Stripe Checkout session to subscribe to a plan (monthly or yearly). The
-- worker creates the Stripe customer once and the session, and fills the row's url; read it
-- from billing_sessions (published to Realtime). Works while the organization is read-only
-- (trial expired, suspended, cancelled): subscribing is how it becomes active again.
create or replace function private.start_subscription_checkout(
  organization_id uuid,
  plan_id text,
  billing_interval text default 'month'::text
)
returns billing_sessions
language plpgsql security definer
set search_path = ''
as $$
declare
  org public.organizations;
  plan public.plans;
  session public.billing_sessions;
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can manage the subscription', sensitive => true,
    writing => false
  );
  select * into org from public.organizations as o where o.id = organization_id;
  select * into plan from public.plans as p where p.id = start_subscription_checkout.plan_id;
  if plan.id is null then
    raise exception 'No such plan' using errcode = 'PT404';
  elsif billing_interval is null or billing_interval not in ('month', 'year') then
    raise exception 'Choose month or year' using errcode = '22023';
  elsif (billing_interval = 'month' and plan.stripe_price_monthly is null)
     or (billing_interval = 'year' and plan.stripe_price_yearly is null) then
    raise exception 'The % plan is not sold by the %', plan.name, billing_interval using errcode = '22023',
    hint = 'Choose another plan or interval, or contact sales.';
  elsif org.stripe_subscription_id is not null and org.status in ('active', 'past_due') then
    raise exception 'The organization already has a subscription' using errcode = 'PT409',
    hint = 'Change the plan in the billing portal (open_billing_portal).';
  elsif (
    select count(*) from public.billing_sessions as s
    where s.organization_id = org.id and s.created_at > now() - interval '1 hour'
  ) >= 20 then
    raise exception 'Too many billing sessions in the last hour' using errcode = 'PT429',
    hint = 'Use one of the sessions already created, or try again later.';
  end if;
  insert into public.billing_sessions (organization_id, kind, plan_id, billing_interval, requested_by)
  values (org.id, 'checkout', plan.id, billing_interval, (select auth.uid()))
  returning * into session;
  perform queue.enqueue(
    'billing.session', jsonb_build_object('session_id', session.id), null,
    'billing-session:' || session.id, now(), 10::smallint
  );
  return session;
end
$$;
revoke all on function private.start_subscription_checkout(organization_id uuid, plan_id text, billing_interval text)
from public, anon, authenticated, service_role;
grant execute on function private.start_subscription_checkout(organization_id uuid, plan_id text, billing_interval text)
to authenticated;

create or replace function public.start_subscription_checkout(
  organization_id uuid,
  plan_id text,
  billing_interval text default 'month'::text
)
returns billing_sessions
language plpgsql
set search_path = ''
as $$
begin
  return private.start_subscription_checkout(organization_id, plan_id, billing_interval);
end
$$;
revoke all on function public.start_subscription_checkout(organization_id uuid, plan_id text, billing_interval text)
from public, anon, authenticated, service_role;
grant execute on function public.start_subscription_checkout(organization_id uuid, plan_id text, billing_interval text)
to authenticated;

-- An owner asks for Stripe's billing portal (payment method, invoices, plan, cancellation).
create or replace function private.open_billing_portal(organization_id uuid)
returns billing_sessions
language plpgsql security definer
set search_path = ''
as $$
declare
  session public.billing_sessions;
begin
  perform private.authorize(
    organization_id, '{owner}', 'Only an owner can manage the subscription', sensitive => true,
    writing => false
  );
  if (select o.stripe_customer_id from public.organizations as o where o.id = organization_id) is null then
    raise exception 'There is no billing account yet' using errcode = 'PT409',
    hint = 'Subscribe first (start_subscription_checkout).';
  elsif (
    select count(*) from public.billing_sessions as s
    where s.organization_id = open_billing_portal.organization_id and s.created_at > now() - interval '1 hour'
  ) >= 20 then
    raise exception 'Too many billing sessions in the last hour' using errcode = 'PT429',
    hint = 'Use one of the sessions already created, or try again later.';
  end if;
  insert into public.billing_sessions (organization_id, kind, requested_by)
  values (organization_id, 'portal', (select auth.uid()))
  returning * into session;
  perform queue.enqueue(
    'billing.session', jsonb_build_object('session_id', session.id), null,
    'billing-session:' || session.id, now(), 10::smallint
  );
  return session;
end
$$;
revoke all on function private.open_billing_portal(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.open_billing_portal(organization_id uuid)
to authenticated;

create or replace function public.open_billing_portal(organization_id uuid)
returns billing_sessions
language plpgsql
set search_path = ''
as $$
begin
  return private.open_billing_portal(organization_id);
end
$$;
revoke all on function public.open_billing_portal(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.open_billing_portal(organization_id uuid)
to authenticated;

-- What the worker needs to create a session: the session, its organization (name, Stripe
-- customer, an owner's email) and the Stripe price. Null for a session that is gone or done.
create or replace function queue.billing_session(session_id uuid)
returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'id', s.id, 'kind', s.kind, 'organization_id', o.id, 'organization_name', o.name,
    'stripe_customer_id', o.stripe_customer_id,
    'owner_email', (
      select p.email from public.memberships as m inner join public.profiles as p on m.user_id = p.id
      where m.organization_id = o.id and m.role = 'owner' order by m.created_at, m.id limit 1
    ),
    'price_id', case s.billing_interval when 'month' then pl.stripe_price_monthly when 'year' then pl.stripe_price_yearly end
  )
  from public.billing_sessions as s
  inner join public.organizations as o on s.organization_id = o.id
  left join public.plans as pl on s.plan_id = pl.id
  where s.id = session_id and s.status = 'pending'
$$;
revoke all on function queue.billing_session(session_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.billing_session(session_id uuid)
to fieldbase_worker;

-- Stores the organization's Stripe customer, once: returns the id stored, which is the one
-- given unless another was stored first (the worker then uses that one).
create or replace function queue.record_stripe_customer(organization_id uuid, customer_id text)
returns text
language sql security definer
set search_path = ''
as $$
  update public.organizations as o set stripe_customer_id = coalesce(o.stripe_customer_id, customer_id)
  where o.id = organization_id
  returning o.stripe_customer_id
$$;
revoke all on function queue.record_stripe_customer(organization_id uuid, customer_id text)
from public, anon, authenticated, service_role;
grant execute on function queue.record_stripe_customer(organization_id uuid, customer_id text)
to fieldbase_worker;

-- The worker's answer for a session: its URL and expiry, or why it failed.
create or replace function queue.finish_billing_session(
  session_id uuid,
  url text,
  expires_at timestamp with time zone,
  error text
)
returns void
language sql security definer
set search_path = ''
as $$
  update public.billing_sessions as s
  set
    status = case when finish_billing_session.url is not null then 'ready' else 'failed' end,
    url = finish_billing_session.url,
    expires_at = finish_billing_session.expires_at,
    error = left(finish_billing_session.error, 500),
    updated_at = now()
  where s.id = session_id and s.status = 'pending'
$$;
revoke all on function queue.finish_billing_session(session_id uuid, url text, expires_at timestamp with time zone, error text)
from public, anon, authenticated, service_role;
grant execute on function queue.finish_billing_session(session_id uuid, url text, expires_at timestamp with time zone, error text)
to fieldbase_worker;

-- Stripe Billing events ----------------------------------------------------------------------

-- Records one verified event from the platform's Stripe account, once by event id, and queues a
-- sync of the subscription it concerns: the worker reads the subscription from Stripe, so events
-- that arrive twice or out of order leave the state Stripe has now. A checkout links the
-- organization (client_reference_id) to its customer; a failed payment records what is owed and
-- tells the owners once per invoice. An event for an unknown customer is recorded and changes
-- nothing. Returns the outcome ('duplicate' for an event already recorded).
create or replace function queue.record_billing_event(
  event_id text,
  event_type text,
  created timestamp with time zone,
  object jsonb
)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  org public.organizations;
  verdict text;
  subscription text;
  reference text;
begin
  insert into private.billing_events (event_id, event_type, stripe_created, outcome)
  values (event_id, event_type, created, 'received')
  on conflict on constraint billing_events_pkey do nothing;
  if not found then
    return 'duplicate';
  end if;

  if event_type not in (
    'checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated',
    'customer.subscription.deleted', 'invoice.paid', 'invoice.payment_failed'
  ) then
    verdict := 'ignored';
  elsif event_type = 'checkout.session.completed' then
    reference := coalesce(object ->> 'client_reference_id', object -> 'metadata' ->> 'organization_id');
    if object ->> 'mode' is distinct from 'subscription' then
      verdict := 'ignored: not a subscription checkout';
    elsif reference !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      verdict := 'refused: no fieldbase organization named';
    else
      select * into org from public.organizations as o where o.id = reference::uuid for update;
      if org.id is null then
        verdict := 'refused: no such organization';
      elsif org.stripe_customer_id is distinct from object ->> 'customer' and org.stripe_customer_id is not null then
        verdict := 'refused: the customer is not the organization''s';
      else
        update public.organizations as o
        set stripe_customer_id = object ->> 'customer'
        where o.id = org.id and o.stripe_customer_id is null;
      end if;
    end if;
  else
    select * into org from public.organizations as o where o.stripe_customer_id = object ->> 'customer';
    if org.id is null then
      verdict := 'refused: unknown customer';
    end if;
  end if;

  if verdict is null then
    subscription := case
      when event_type like 'customer.subscription.%' then object ->> 'id'
      when event_type like 'invoice.%' then coalesce(
        object ->> 'subscription', object -> 'parent' -> 'subscription_details' ->> 'subscription'
      )
      else object ->> 'subscription'
    end;
    if event_type = 'invoice.payment_failed' then
      update public.organizations as o set past_due_amount_cents = (object ->> 'amount_due')::bigint
      where o.id = org.id;
      perform private.send_billing_notice(
        org.id, 'payment_failed', object ->> 'id',
        jsonb_build_object(
          'amount', round((object ->> 'amount_due')::numeric / 100, 2), 'currency', upper(object ->> 'currency')
        )
      );
    end if;
    if subscription is not null then
      perform queue.enqueue(
        'billing.sync_subscription',
        jsonb_build_object('organization_id', org.id, 'subscription_id', subscription),
        null, null, now(), 10::smallint
      );
      verdict := 'applied: subscription sync queued';
    else
      verdict := 'applied';
    end if;
  end if;

  update private.billing_events as e set outcome = verdict, organization_id = org.id
  where e.event_id = record_billing_event.event_id;
  return verdict;
end
$$;
revoke all on function queue.record_billing_event(
  event_id text, event_type text, created timestamp with time zone, object jsonb
)
from public, anon, authenticated, service_role;
grant execute on function queue.record_billing_event(
  event_id text, event_type text, created timestamp with time zone, object jsonb
)
to fieldbase_worker;

-- Applies a subscription as the worker read it from Stripe at fetched_at; a read older than the
-- one already applied is ignored, so two syncs racing cannot go backwards. The plan comes from
-- the subscription's price; an unknown price is recorded for staff and changes nothing. Stripe's
-- status sets the organization's: active (and trialing), past_due (and unpaid), canceled. A
-- suspension by staff is never lifted by Stripe. Returns what it did.
create or replace function queue.apply_subscription(
  organization_id uuid,
  subscription jsonb,
  fetched_at timestamp with time zone
)
returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  org public.organizations;
  price text := subscription -> 'items' -> 'data' -> 0 -> 'price' ->> 'id';
  plan public.plans;
  interval_name text;
  stripe_status text := subscription ->> 'status';
  target public.organization_status;
  period_end timestamptz := to_timestamp(coalesce(
    subscription ->> 'current_period_end',
    subscription -> 'items' -> 'data' -> 0 ->> 'current_period_end'
  )::double precision);
  was_cancelling boolean;
begin
  select * into org from public.organizations as o where o.id = organization_id for update;
  if org.id is null then
    return 'organization gone';
  elsif org.subscription_synced_at > fetched_at then
    return 'stale';
  elsif subscription ->> 'customer' is distinct from org.stripe_customer_id then
    insert into private.billing_problems (organization_id, stripe_object, problem)
    values (org.id, subscription ->> 'id', 'The subscription belongs to another customer');
    return 'refused: another customer''s subscription';
  elsif org.stripe_subscription_id is not null and org.stripe_subscription_id <> subscription ->> 'id'
        and org.status in ('active', 'past_due') and stripe_status in ('canceled', 'incomplete_expired') then
    -- An old subscription ending does not end the current one.
    return 'ignored: not the current subscription';
  end if;
  select * into plan from public.plans as p where price in (p.stripe_price_monthly, p.stripe_price_yearly);
  if plan.id is null then
    insert into private.billing_problems (organization_id, stripe_object, problem)
    values (org.id, subscription ->> 'id', format('Unknown Stripe price %s', left(price, 200)));
    return 'refused: unknown price';
  end if;
  interval_name := case when price = plan.stripe_price_yearly then 'year' else 'month' end;
  was_cancelling := org.cancel_at_period_end;

  update public.organizations as o
  set
    plan_id = plan.id,
    stripe_subscription_id = subscription ->> 'id',
    billing_interval = interval_name,
    current_period_end = period_end,
    cancel_at_period_end = coalesce((subscription ->> 'cancel_at_period_end')::boolean, false),
    subscription_synced_at = fetched_at
  where o.id = org.id;

  target := case
    when stripe_status in ('active', 'trialing') then 'active'
    when stripe_status in ('past_due', 'unpaid') then 'past_due'
    when stripe_status in ('canceled', 'incomplete_expired') then 'cancelled'
  end::public.organization_status;
  if target is null or org.deleted_at is not null or org.suspended_for = 'staff' then
    return 'applied: plan ' || plan.id;
  end if;
  if target = 'past_due' and org.status = 'suspended' then
    return 'applied: still suspended for non-payment';
  end if;

  if private.change_billing_status(org.id, target, 'Stripe subscription ' || stripe_status,
                                   case when target = 'suspended' then 'non_payment' end) then
    if target = 'active' and org.status = 'suspended' then
      perform private.send_billing_notice(org.id, 'reactivated', subscription ->> 'id' || ':' || fetched_at);
    elsif target = 'active' then
      perform private.send_billing_notice(
        org.id, 'subscription_confirmed', subscription ->> 'id', jsonb_build_object('plan_name', plan.name)
      );
    elsif target = 'cancelled' then
      perform private.send_billing_notice(
        org.id, 'cancellation_confirmed', subscription ->> 'id',
        jsonb_build_object('on_date', to_char(coalesce(least(period_end, now()), now()), 'YYYY-MM-DD'))
      );
    end if;
  end if;
  if not was_cancelling and coalesce((subscription ->> 'cancel_at_period_end')::boolean, false) and target = 'active' then
    perform private.send_billing_notice(
      org.id, 'cancellation_confirmed', subscription ->> 'id',
      jsonb_build_object('on_date', to_char(period_end, 'YYYY-MM-DD'))
    );
  end if;
  return format('applied: %s on plan %s', target, plan.id);
end
$$;
revoke all on function queue.apply_subscription(organization_id uuid, subscription jsonb, fetched_at timestamp with time zone)
from public, anon, authenticated, service_role;
grant execute on function queue.apply_subscription(organization_id uuid, subscription jsonb, fetched_at timestamp with time zone)
to fieldbase_worker;

-- The operator's dashboard ------------------------------------------------------------------
-- Platform staff only, in aal2 sessions. Each view reads a definer function that checks that
-- first; PostgREST serves any of them as CSV (Accept: text/csv).

-- One organization's monthly recurring revenue now, in cents.
create or replace function private.current_mrr_cents(
  status organization_status,
  subscription_id text,
  billing_interval text,
  monthly_price_cents bigint,
  yearly_price_cents bigint
)
returns bigint
language sql immutable
set search_path = ''
as $$
  select case
    when status not in ('active', 'past_due') or subscription_id is null then 0
    when billing_interval = 'year' then coalesce(yearly_price_cents, 0) / 12
    else coalesce(monthly_price_cents, 0)
  end
$$;
revoke all on function private.current_mrr_cents(
  status organization_status, subscription_id text, billing_interval text,
  monthly_price_cents bigint, yearly_price_cents bigint
)
from public, anon, authenticated, service_role;

-- Revenue and the funnel now: MRR and ARR, paying and trialing organizations, trial-to-paid
-- conversion over 30 and 90 days (of the organizations created in that window whose trial has
-- ended, the share that subscribed), and what past-due organizations owe.
create or replace function private.platform_revenue()
returns table (
  mrr_cents bigint,
  arr_cents bigint,
  paying_organizations bigint,
  trialing_organizations bigint,
  trial_conversion_30d numeric,
  trial_conversion_90d numeric,
  past_due_organizations bigint,
  past_due_cents bigint
)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.assert_staff_dashboard();
  return query
  with live as (
    select
      o.status, o.created_at, o.trial_ends_at, o.stripe_subscription_id, o.past_due_amount_cents,
      o.suspended_for,
      -- private.current_mrr_cents, written out: a function call per organization costs more
      -- than the rest of the query.
      case
        when o.status not in ('active', 'past_due') or o.stripe_subscription_id is null then 0
        when o.billing_interval = 'year' then coalesce(p.yearly_price_cents, 0) / 12
        else coalesce(p.monthly_price_cents, 0)
      end as mrr
    from public.organizations as o inner join public.plans as p on o.plan_id = p.id
    where o.deleted_at is null
  )
  select
    coalesce(sum(l.mrr), 0)::bigint,
    coalesce(sum(l.mrr), 0)::bigint * 12,
    count(*) filter (where l.mrr > 0),
    count(*) filter (where l.status = 'trialing'),
    round(
      (count(*) filter (where l.created_at > now() - interval '30 days' and l.trial_ends_at <= now() and l.stripe_subscription_id is not null))::numeric
      / nullif(count(*) filter (where l.created_at > now() - interval '30 days' and l.trial_ends_at <= now()), 0), 4
    ),
    round(
      (count(*) filter (where l.created_at > now() - interval '90 days' and l.trial_ends_at <= now() and l.stripe_subscription_id is not null))::numeric
      / nullif(count(*) filter (where l.created_at > now() - interval '90 days' and l.trial_ends_at <= now()), 0), 4
    ),
    count(*) filter (where l.status = 'past_due' or l.suspended_for = 'non_payment'),
    coalesce(sum(l.past_due_amount_cents) filter (where l.status = 'past_due' or l.suspended_for = 'non_payment'), 0)::bigint
  from live as l;
end
$$;
revoke all on function private.platform_revenue()
from public, anon, authenticated, service_role;
grant execute on function private.platform_revenue()
to authenticated, service_role;

create or replace view public.platform_revenue
with (security_invoker = true)
as
select
  r.mrr_cents,
  r.arr_cents,
  r.paying_organizations,
  r.trialing_organizations,
  r.trial_conversion_30d,
  r.trial_conversion_90d,
  r.past_due_organizations,
  r.past_due_cents
from private.platform_revenue() as r (
  mrr_cents, arr_cents, paying_organizations, trialing_organizations, trial_conversion_30d,
  trial_conversion_90d, past_due_organizations, past_due_cents
);
revoke all on table public.platform_revenue
from public, anon, authenticated, service_role;
grant select on table public.platform_revenue
to authenticated, service_role;

-- Month by month, from the monthly snapshots: MRR and ARR, paying organizations, new and
-- churned ones (logo churn), and revenue churn (MRR lost to cancellations and downgrades).
create or replace function private.platform_revenue_by_month()
returns table (
  month date,
  mrr_cents bigint,
  arr_cents bigint,
  paying_organizations integer,
  new_paying integer,
  churned_organizations integer,
  logo_churn_rate numeric,
  revenue_churn_cents bigint,
  revenue_churn_rate numeric,
  signups integer
)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.assert_staff_dashboard();
  return query
  select
    r.month, r.mrr_cents, r.mrr_cents * 12, r.paying, r.new_paying, r.churned,
    round(r.churned::numeric / nullif(r.paying_before, 0), 4),
    r.revenue_churn_cents,
    round(r.revenue_churn_cents::numeric / nullif(r.mrr_before_cents, 0), 4),
    r.signups
  from private.revenue_months as r
  order by r.month desc;
end
$$;
revoke all on function private.platform_revenue_by_month()
from public, anon, authenticated, service_role;
grant execute on function private.platform_revenue_by_month()
to authenticated, service_role;

create or replace view public.platform_revenue_by_month
with (security_invoker = true)
as
select
  r.month,
  r.mrr_cents,
  r.arr_cents,
  r.paying_organizations,
  r.new_paying,
  r.churned_organizations,
  r.logo_churn_rate,
  r.revenue_churn_cents,
  r.revenue_churn_rate,
  r.signups
from private.platform_revenue_by_month() as r (
  month, mrr_cents, arr_cents, paying_organizations, new_paying, churned_organizations,
  logo_churn_rate, revenue_churn_cents, revenue_churn_rate, signups
);
revoke all on table public.platform_revenue_by_month
from public, anon, authenticated, service_role;
grant select on table public.platform_revenue_by_month
to authenticated, service_role;

-- New organizations per week (the last 52 weeks) and how many of them pay now.
create or replace function private.platform_signups_by_week()
returns table (week date, signups bigint, paying_now bigint)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.assert_staff_dashboard();
  return query
  select
    date_trunc('week', o.created_at at time zone 'UTC')::date,
    count(*),
    count(*) filter (where o.stripe_subscription_id is not null and o.status in ('active', 'past_due'))
  from public.organizations as o
  where o.created_at > date_trunc('week', now() at time zone 'UTC') - interval '51 weeks'
  group by 1
  order by 1 desc;
end
$$;
revoke all on function private.platform_signups_by_week()
from public, anon, authenticated, service_role;
grant execute on function private.platform_signups_by_week()
to authenticated, service_role;

create or replace view public.platform_signups_by_week
with (security_invoker = true)
as
select
  s.week,
  s.signups,
  s.paying_now
from private.platform_signups_by_week() as s (week, signups, paying_now);
revoke all on table public.platform_signups_by_week
from public, anon, authenticated, service_role;
grant select on table public.platform_signups_by_week
to authenticated, service_role;

-- Live organizations at risk, and why: past due (or suspended for non-payment), usage down more
-- than half last month against the month before, or nobody signed in for 14 days. Usage and
-- sign-ins come from the monthly snapshots (the current month's is retaken hourly).
create or replace function private.platform_organizations_at_risk()
returns table (
  organization_id uuid,
  name text,
  plan_id text,
  status organization_status,
  past_due_cents bigint,
  usage_last_month bigint,
  usage_month_before bigint,
  last_sign_in_at timestamp with time zone,
  reasons text[]
)
language plpgsql stable security definer
set search_path = ''
as $$
declare
  this_month date := date_trunc('month', now() at time zone 'UTC')::date;
  last_month date := (this_month - interval '1 month')::date;
begin
  perform private.assert_staff_dashboard();
  return query
  with assessed as (
    select
      o.id, o.name, o.plan_id, o.status, o.past_due_amount_cents,
      coalesce(l.metered_usage, 0) as last, coalesce(b.metered_usage, 0) as before, n.last_sign_in_at as at,
      array_remove(array[
        case when o.status = 'past_due' or o.suspended_for = 'non_payment' then 'past due' end,
        case when b.metered_usage > 0 and coalesce(l.metered_usage, 0) * 2 < b.metered_usage then 'usage down by more than half' end,
        case when n.last_sign_in_at is null or n.last_sign_in_at < now() - interval '14 days' then 'no sign-in in 14 days' end
      ], null) as reasons
    from public.organizations as o
    left join private.revenue_snapshots as n on n.month = this_month and o.id = n.organization_id
    left join private.revenue_snapshots as l on l.month = last_month and o.id = l.organization_id
    left join private.revenue_snapshots as b
      on b.month = (last_month - interval '1 month')::date and o.id = b.organization_id
    where o.deleted_at is null and o.status <> 'cancelled'
  )
  select a.id, a.name, a.plan_id, a.status, a.past_due_amount_cents, a.last, a.before, a.at, a.reasons
  from assessed as a
  where cardinality(a.reasons) > 0
  order by cardinality(a.reasons) desc, a.past_due_amount_cents desc nulls last, a.name;
end
$$;
revoke all on function private.platform_organizations_at_risk()
from public, anon, authenticated, service_role;
grant execute on function private.platform_organizations_at_risk()
to authenticated, service_role;

create or replace view public.platform_organizations_at_risk
with (security_invoker = true)
as
select
  r.organization_id,
  r.name,
  r.plan_id,
  r.status,
  r.past_due_cents,
  r.usage_last_month,
  r.usage_month_before,
  r.last_sign_in_at,
  r.reasons
from private.platform_organizations_at_risk() as r (
  organization_id, name, plan_id, status, past_due_cents, usage_last_month, usage_month_before,
  last_sign_in_at, reasons
);
revoke all on table public.platform_organizations_at_risk
from public, anon, authenticated, service_role;
grant select on table public.platform_organizations_at_risk
to authenticated, service_role;

-- What Stripe Billing told fieldbase in the last 90 days and what came of it, newest first:
-- every event with its outcome (unknown customers refused, duplicates), and what a subscription
-- sync could not apply (an unknown price). For staff to look at what changed nothing.
create or replace function private.platform_billing_log()
returns table (
  occurred_at timestamp with time zone,
  source text,
  reference text,
  event_type text,
  organization_id uuid,
  outcome text
)
language plpgsql stable security definer
set search_path = ''
as $$
begin
  perform private.assert_staff_dashboard();
  return query
  select e.received_at, 'stripe event', e.event_id, e.event_type, e.organization_id, e.outcome
  from private.billing_events as e
  where e.received_at > now() - interval '90 days'
  union all
  select p.occurred_at, 'subscription sync', p.stripe_object, null, p.organization_id, 'refused: ' || p.problem
  from private.billing_problems as p
  where p.occurred_at > now() - interval '90 days'
  order by 1 desc;
end
$$;
revoke all on function private.platform_billing_log()
from public, anon, authenticated, service_role;
grant execute on function private.platform_billing_log()
to authenticated, service_role;

create or replace view public.platform_billing_log
with (security_invoker = true)
as
select
  l.occurred_at,
  l.source,
  l.reference,
  l.event_type,
  l.organization_id,
  l.outcome
from private.platform_billing_log() as l (occurred_at, source, reference, event_type, organization_id, outcome);
revoke all on table public.platform_billing_log
from public, anon, authenticated, service_role;
grant select on table public.platform_billing_log
to authenticated, service_role;

-- Leaving: everything exported, then purged ----------------------------------------------------

-- The tables an organization's data lives in (public tables with an organization_id), each with
-- the columns its members may read through the API: what "export everything" writes.
create or replace function queue.organization_tables()
returns table (table_name text, columns text[])
language sql stable security definer
set search_path = ''
as $$
  select c.relname::text, array_agg(a.attname::text order by a.attnum)
  from pg_catalog.pg_class as c
  inner join pg_catalog.pg_attribute as a on c.oid = a.attrelid
  where
    c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    and exists (
      select from pg_catalog.pg_attribute as o
      where o.attrelid = c.oid and o.attname = 'organization_id' and not o.attisdropped
    )
    and has_column_privilege('authenticated', c.oid, a.attnum, 'SELECT')
    and a.attname not in ('token_hash')
  group by c.relname
  order by c.relname
$$;
revoke all on function queue.organization_tables()
from public, anon, authenticated, service_role;
grant execute on function queue.organization_tables()
to fieldbase_worker;

-- One table's CSV lines (heading first) of an "everything" export's organization.
create or replace function queue.export_table_lines(export_id uuid, table_name text)
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  export public.exports;
  columns text[];
begin
  select * into export from public.exports as e where e.id = export_id and e.kind = 'everything';
  select t.columns into columns from queue.organization_tables() as t where t.table_name = export_table_lines.table_name;
  if export.id is null or columns is null then
    raise exception 'Nothing to export for % in export %', left(table_name, 100), export_id using errcode = 'PT404';
  end if;
  return next private.csv_line(columns);
  return query execute format(
    'select private.csv_line(array[%s]) from public.%I as t where t.organization_id = $1 order by %s',
    (select string_agg(format('t.%I::text', c), ', ') from unnest(columns) as c),
    table_name,
    case when 'id' = any(columns) then 't.id' else '1' end
  ) using export.organization_id;
end
$$;
revoke all on function queue.export_table_lines(export_id uuid, table_name text)
from public, anon, authenticated, service_role;
grant execute on function queue.export_table_lines(export_id uuid, table_name text)
to fieldbase_worker;

-- The Storage objects an organization keeps (for its purge).
create or replace function queue.organization_storage_objects(organization_id uuid)
returns table (bucket_id text, name text)
language sql stable security definer
set search_path = ''
as $$
  select o.bucket_id, o.name from storage.objects as o
  where private.storage_object_organization(o.name) = organization_id
  order by o.bucket_id, o.name
$$;
revoke all on function queue.organization_storage_objects(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.organization_storage_objects(organization_id uuid)
to fieldbase_worker;

-- Why an organization is not to be purged now, or null when it is: cancelled, its retention
-- period over, its purge not held.
create or replace function queue.purge_refused(organization_id uuid)
returns text
language sql stable security definer
set search_path = ''
as $$
  select case
    when o.id is null then 'the organization is gone'
    when o.status <> 'cancelled' or o.cancelled_at + make_interval(days => p.retention_days) > now()
      then 'the organization is not due for purging'
    when o.purge_held_by is not null then 'the purge is held'
  end
  from (select purge_refused.organization_id as id) as wanted
  left join public.organizations as o on wanted.id = o.id
  left join public.plans as p on o.plan_id = p.id
$$;
revoke all on function queue.purge_refused(organization_id uuid)
from public, anon, authenticated, service_role;
grant execute on function queue.purge_refused(organization_id uuid)
to fieldbase_worker;

-- Deletes one batch of a cancelled organization's rows whose retention has passed (its purge
-- is not held, and it did not subscribe again), so each call is a short transaction and a purge
-- that stops resumes where it was. Tables nothing else refers to go first, a batch at a time;
-- the organization's row goes last and takes the rest with it (its tables cascade). The
-- operator's own records keep its id and nothing of its data (revenue snapshots, staff actions,
-- Stripe events). Returns
-- {"done": false, "table", "deleted"} until {"done": true}, or {"skipped": why}.
create or replace function queue.purge_organization(organization_id uuid, batch integer default 5000)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  org record;
  target regclass;
  deleted bigint;
begin
  select o.id, o.name into org from public.organizations as o
  where o.id = purge_organization.organization_id
  for update;
  if queue.purge_refused(purge_organization.organization_id) is not null then
    return jsonb_build_object('done', true, 'skipped', queue.purge_refused(purge_organization.organization_id));
  end if;

  for target in
    select c.oid::regclass from pg_catalog.pg_class as c
    where c.relnamespace in ('public'::regnamespace, 'queue'::regnamespace) and c.relkind = 'r'
      and c.oid not in ('public.organizations'::regclass, 'public.audit_log'::regclass)
      and exists (
        select from pg_catalog.pg_attribute as a
        where a.attrelid = c.oid and a.attname = 'organization_id' and not a.attisdropped
      )
      -- Nothing refers to it but through a cascade: its rows can go in any order.
      and not exists (
        select from pg_catalog.pg_constraint as f
        where f.contype = 'f' and f.confrelid = c.oid and f.confdeltype <> 'c'
      )
    order by c.relname
  loop
    begin
      execute format(
        'delete from %s where ctid = any(array(select ctid from %s where organization_id = $1 limit $2))',
        target, target
      ) using org.id, batch;
      get diagnostics deleted = row_count;
    exception when sqlstate 'PT409' or insufficient_privilege or foreign_key_violation then
      -- A guard that keeps issued documents unchanged while their parent exists: these rows go
      -- with the organization's row, when their parents go too.
      deleted := 0;
    end;
    if deleted > 0 then
      return jsonb_build_object('done', false, 'table', target::text, 'deleted', deleted);
    end if;
  end loop;

  delete from public.organizations as o where o.id = org.id;
  insert into private.staff_actions (staff_id, staff_role, action, organization_id, reason, detail)
  values (null, null, 'purge_organization', org.id, 'The retention period after cancellation ended', '{}');
  return jsonb_build_object('done', true);
end
$$;
revoke all on function queue.purge_organization(organization_id uuid, batch integer)
from public, anon, authenticated, service_role;
grant execute on function queue.purge_organization(organization_id uuid, batch integer)
to fieldbase_worker;

-- The schedule -------------------------------------------------------------------------------

-- Takes the month's revenue snapshot (MRR per organization) and its figures (private.revenue_months);
-- the current month is retaken on every run, past months stay as they were.
create or replace function private.take_revenue_snapshot(month date)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  taken integer;
begin
  insert into private.revenue_snapshots as r (
    month, organization_id, plan_id, status, mrr_cents, metered_usage, last_sign_in_at
  )
  select
    take_revenue_snapshot.month, o.id, o.plan_id, o.status::text,
    private.current_mrr_cents(
      o.status, o.stripe_subscription_id, o.billing_interval, p.monthly_price_cents, p.yearly_price_cents
    ),
    coalesce(u.total, 0),
    si.at
  from public.organizations as o
  inner join public.plans as p on o.plan_id = p.id
  left join (
    select c.organization_id, sum(c.value)::bigint as total from public.usage_counters as c
    where c.period = take_revenue_snapshot.month group by c.organization_id
  ) as u on o.id = u.organization_id
  left join (
    select m.organization_id, max(au.last_sign_in_at) as at
    from public.memberships as m inner join auth.users as au on m.user_id = au.id
    group by m.organization_id
  ) as si on o.id = si.organization_id
  where o.created_at < (take_revenue_snapshot.month + interval '1 month')
  on conflict on constraint revenue_snapshots_pkey do update
  set plan_id = excluded.plan_id, status = excluded.status, mrr_cents = excluded.mrr_cents,
  metered_usage = excluded.metered_usage, last_sign_in_at = excluded.last_sign_in_at, taken_at = now();
  get diagnostics taken = row_count;

  -- The month's figures against the month before: paying, new and churned organizations, and
  -- the revenue lost to cancellations and downgrades.
  insert into private.revenue_months as r (
    month, mrr_cents, paying, new_paying, churned, paying_before, revenue_churn_cents,
    mrr_before_cents, signups
  )
  select
    take_revenue_snapshot.month,
    coalesce(sum(c.mrr_cents), 0),
    count(*) filter (where c.mrr_cents > 0),
    count(*) filter (where c.mrr_cents > 0 and coalesce(b.mrr_cents, 0) = 0),
    count(*) filter (where coalesce(c.mrr_cents, 0) = 0 and b.mrr_cents > 0),
    count(*) filter (where b.mrr_cents > 0),
    coalesce(sum(greatest(coalesce(b.mrr_cents, 0) - coalesce(c.mrr_cents, 0), 0)), 0),
    coalesce(sum(b.mrr_cents), 0),
    (
      select count(*) from public.organizations as o
      where o.created_at >= take_revenue_snapshot.month
        and o.created_at < take_revenue_snapshot.month + interval '1 month'
    )
  from (
    select s.organization_id, s.mrr_cents from private.revenue_snapshots as s
    where s.month = take_revenue_snapshot.month
  ) as c
  full join (
    select s.organization_id, s.mrr_cents from private.revenue_snapshots as s
    where s.month = (take_revenue_snapshot.month - interval '1 month')::date
  ) as b on c.organization_id = b.organization_id
  on conflict on constraint revenue_months_pkey do update
  set mrr_cents = excluded.mrr_cents, paying = excluded.paying, new_paying = excluded.new_paying,
  churned = excluded.churned, paying_before = excluded.paying_before,
  revenue_churn_cents = excluded.revenue_churn_cents, mrr_before_cents = excluded.mrr_before_cents,
  signups = excluded.signups, taken_at = now();
  return taken;
end
$$;
revoke all on function private.take_revenue_snapshot(month date)
from public, anon, authenticated, service_role;

-- What pg_cron runs every hour (`at` moves the clock for tests): trial reminders 7 and 1 day(s)
-- before, trials that end without a subscription, past-due organizations past their plan's grace
-- period, purge notices 14 and 1 day(s) before and the purge itself after the retention period,
-- and the month's revenue snapshot. Every step is sent or done once. Returns the counts.
create or replace function private.run_billing_schedule(at timestamp with time zone default now())
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  org record;
  reminded integer := 0;
  expired integer := 0;
  suspended integer := 0;
  noticed integer := 0;
  purges integer := 0;
begin
  for org in
    select o.id, o.trial_ends_at from public.organizations as o
    where o.status = 'trialing' and o.deleted_at is null
      and o.trial_ends_at > at and o.trial_ends_at <= at + interval '7 days'
  loop
    if private.send_billing_notice(
      org.id, 'trial_ending',
      case when org.trial_ends_at <= at + interval '1 day' then '1' else '7' end || ':' || org.trial_ends_at,
      jsonb_build_object('on_date', to_char(org.trial_ends_at at time zone 'UTC', 'YYYY-MM-DD'))
    ) then
      reminded := reminded + 1;
    end if;
  end loop;

  for org in
    select o.id, o.trial_ends_at from public.organizations as o
    where o.status = 'trialing' and o.deleted_at is null and o.trial_ends_at <= at
  loop
    perform private.change_billing_status(org.id, 'trial_expired', 'The trial ended without a subscription');
    perform private.send_billing_notice(org.id, 'trial_ended', org.trial_ends_at::text);
    expired := expired + 1;
  end loop;

  for org in
    select o.id, o.past_due_since from public.organizations as o
    inner join public.plans as p on o.plan_id = p.id
    where o.status = 'past_due' and o.deleted_at is null
      and o.past_due_since + make_interval(days => p.grace_period_days) <= at
  loop
    perform private.change_billing_status(
      org.id, 'suspended', 'Unpaid after the grace period', suspended_for => 'non_payment'
    );
    perform private.send_billing_notice(org.id, 'suspended', org.past_due_since::text);
    suspended := suspended + 1;
  end loop;

  for org in
    select o.id, o.cancelled_at + make_interval(days => p.retention_days) as purge_at
    from public.organizations as o inner join public.plans as p on o.plan_id = p.id
    where o.status = 'cancelled' and o.cancelled_at is not null and o.purge_held_by is null
      and o.cancelled_at + make_interval(days => p.retention_days) <= at + interval '14 days'
  loop
    if org.purge_at <= at then
      perform queue.enqueue(
        'organization.purge', jsonb_build_object('organization_id', org.id), null,
        'purge:' || org.id, now(), 200::smallint
      );
      purges := purges + 1;
    elsif private.send_billing_notice(
      org.id, 'purge_scheduled',
      case when org.purge_at <= at + interval '1 day' then '1' else '14' end || ':' || org.purge_at,
      jsonb_build_object('on_date', to_char(org.purge_at at time zone 'UTC', 'YYYY-MM-DD'))
    ) then
      noticed := noticed + 1;
    end if;
  end loop;

  perform private.take_revenue_snapshot(date_trunc('month', at at time zone 'UTC')::date);
  return jsonb_build_object(
    'trial_reminders', reminded, 'trials_expired', expired, 'suspended', suspended,
    'purge_notices', noticed, 'purges_queued', purges
  );
end
$$;
revoke all on function private.run_billing_schedule(at timestamp with time zone)
from public, anon, authenticated, service_role;

-- Keeps the lifecycle columns right whoever changes the status (staff, the schedule, Stripe).
create or replace function private.track_billing_lifecycle()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'cancelled' or new.deleted_at is not null then
    new.cancelled_at := coalesce(new.cancelled_at, now());
  else
    new.cancelled_at := null;
  end if;
  if new.status <> 'suspended' then
    new.suspended_for := null;
  end if;
  if new.status not in ('past_due', 'suspended') then
    new.past_due_since := null;
    new.past_due_amount_cents := null;
  end if;
  return new;
end
$$;
revoke all on function private.track_billing_lifecycle()
from public, anon, authenticated, service_role;

create or replace trigger organizations_billing_lifecycle before insert or update of status, deleted_at
on public.organizations
for each row
execute function private.track_billing_lifecycle();

create or replace trigger storage_objects_check_quota before insert or update of metadata, name
on storage.objects
for each row
execute function private.check_storage_quota();

create or replace trigger storage_objects_count_usage after insert or delete or update of metadata, name
on storage.objects
for each row
execute function private.count_storage();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.billing_sessions
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.support_access_grants
for each row
execute function private.enforce_organization_writable();

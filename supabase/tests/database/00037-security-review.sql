-- Regressions for what the security review found: each block failed before its fix.
begin;
\ir ../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(37);
select tests.create_two_organizations();

-- A second owner in tenant A, an endpoint, and a dead job, made by the schema owner.
update public.memberships set role = 'owner'
where user_id = current_setting('tests.uid_a_admin')::uuid;
insert into public.webhook_endpoints (id, organization_id, url, created_by)
values (
  '00000000-0000-4000-8000-00000000e001', current_setting('tests.org_a')::uuid,
  'https://hooks.tenant-a.test/in', current_setting('tests.uid_a_owner')::uuid
);
insert into private.webhook_secrets (endpoint_id, secret)
values ('00000000-0000-4000-8000-00000000e001', 'whsec_dGVzdA==');
insert into queue.job_history (id, organization_id, kind, status)
values (900001, current_setting('tests.org_a')::uuid, 'email.invitation', 'dead');

-- C1. With require_mfa on, an aal1 session takes no sensitive path -------------------------
update public.organizations set require_mfa = true
where slug = 'tenant-a';
select tests.authenticate_as('a_owner');
select throws_ok(
  $$update public.organizations set require_mfa = false where slug = 'tenant-a'$$,
  '42501', 'This action requires multi-factor authentication',
  'aal1: security settings cannot be turned off'
);
select throws_ok(
  format('delete from public.memberships where user_id = %L', current_setting('tests.uid_a_admin')),
  '42501', 'This action requires multi-factor authentication',
  'aal1: a co-owner cannot be removed'
);
select throws_ok(
  format('select public.invite_member(%L, %L, %L)', current_setting('tests.org_a'), 'new.owner@example.test', 'owner'),
  '42501', 'This action requires multi-factor authentication',
  'aal1: nobody can be invited (least of all an owner)'
);
select throws_ok(
  format('select public.create_webhook_endpoint(%L, %L)', current_setting('tests.org_a'), 'https://evil.example/x'),
  '42501', 'This action requires multi-factor authentication',
  'aal1: no webhook endpoint can be added'
);
select throws_ok(
  $$select public.rotate_webhook_secret('00000000-0000-4000-8000-00000000e001')$$,
  '42501', 'This action requires multi-factor authentication',
  'aal1: no webhook secret can be rotated'
);
select throws_ok(
  $$update public.webhook_endpoints set url = 'https://evil.example/x'$$,
  '42501', 'This action requires multi-factor authentication',
  'aal1: no endpoint can be pointed elsewhere'
);
select throws_ok(
  $$delete from public.webhook_endpoints$$,
  '42501', 'This action requires multi-factor authentication',
  'aal1: no endpoint can be removed'
);
select throws_ok(
  format('select public.transfer_ownership(%L, %L)', current_setting('tests.org_a'), current_setting('tests.uid_a_viewer')),
  '42501', 'This action requires multi-factor authentication',
  'aal1: ownership cannot be transferred'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_owner', 'aal2');
select lives_ok(
  $$update public.organizations set require_mfa = false where slug = 'tenant-a'$$,
  'aal2: the owner may change security settings'
);
reset role;
select tests.clear_authentication();

-- C2. Removing or demoting a member withdraws the invitations they sent ---------------------
select tests.create_supabase_user('alt_account', 'alt.account@example.test');
select tests.authenticate_as('a_admin');
select set_config(
  'tests.alt_token',
  (select token from public.invite_member(current_setting('tests.org_a')::uuid, 'alt.account@example.test', 'admin')),
  true
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_owner');
update public.memberships set role = 'viewer'
where user_id = current_setting('tests.uid_a_admin')::uuid;
reset role;
select tests.clear_authentication();
select is(
  (
    select revoked_at is not null from public.invitations
    where email = 'alt.account@example.test'
  ),
  true,
  'Demoting an admin withdraws the invitations they sent'
);
select is(
  (
    select status::text from queue.all_jobs
    where kind = 'email.invitation' and payload ->> 'email' = 'alt.account@example.test'
  ),
  'cancelled',
  '... and cancels their queued emails'
);
select tests.authenticate_as('alt_account');
select throws_ok(
  format('select public.accept_invitation(%L)', current_setting('tests.alt_token')),
  'PT410', 'This invitation was withdrawn',
  'The demoted admin cannot come back through an address of their own'
);
reset role;
select tests.clear_authentication();
-- Belt and braces: an invitation whose sender no longer may grant its role is refused.
insert into public.invitations (organization_id, email, role, token_hash, invited_by)
values (
  current_setting('tests.org_a')::uuid, 'alt.account@example.test', 'admin',
  sha256(convert_to('stale-inviter-token', 'UTF8')), current_setting('tests.uid_a_viewer')::uuid
);
select tests.authenticate_as('alt_account');
select throws_ok(
  $$select public.accept_invitation('stale-inviter-token')$$,
  'PT410', 'This invitation is no longer valid',
  'Acceptance re-checks that the inviter may still grant the role'
);
reset role;
select tests.clear_authentication();
update public.memberships set role = 'admin'
where user_id = current_setting('tests.uid_a_admin')::uuid;

-- C3. What a tenant can put into email is bounded --------------------------------------------
select tests.authenticate_as('a_owner');
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a'), '(x)victim@example.com'),
  '22023', '"(x)victim@example.com" is not an email address',
  'An address in RFC 5322 comment form is refused'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a'), 'Victim <victim@example.com>'),
  '22023', null,
  'An address with a display name is refused'
);
select throws_ok(
  $$update public.organizations set branding = '{"footer": "x", "tracking_pixel": "https://evil.example"}'
    where slug = 'tenant-a'$$,
  '23514', null,
  'Branding takes only the known keys'
);
select throws_ok(
  format(
    'update public.organizations set branding = %L where slug = %L',
    jsonb_build_object('footer', repeat('buy now ', 100)), 'tenant-a'
  ),
  '23514', null,
  'The footer is bounded'
);
select throws_ok(
  $$update public.organizations set branding = '{"logo_url": "javascript:alert(1)"}' where slug = 'tenant-a'$$,
  '23514', null,
  'A logo must be an https URL'
);
select throws_ok(
  $$update public.organizations set branding = '{"reply_to": "phisher@evil.example"}' where slug = 'tenant-a'$$,
  '23514', 'The reply-to address must be the confirmed email of an owner or admin',
  'Replies cannot be routed to a third party'
);
select throws_ok(
  $$update public.organizations set name = 'Your account is locked: visit https://evil.example' where slug = 'tenant-a'$$,
  '23514', null,
  'An organization''s name (in every email subject and sender) carries no link'
);
select lives_ok(
  $$update public.organizations set branding = '{"reply_to": "a_owner@tests.fieldbase.test", "footer": "Acme\nTexas"}'
    where slug = 'tenant-a'$$,
  'An owner''s own address is a valid reply-to'
);
reset role;
select tests.clear_authentication();
-- Two more invitations today are allowed, then no more.
update public.plans set
  max_invitations_per_day = 2 + (
    select count(*) from public.invitations
    where organization_id = current_setting('tests.org_a')::uuid and created_at > now() - interval '1 day'
  )
where id = 'pro';
select tests.authenticate_as('a_owner', 'aal2');
select lives_ok(
  format(
    'select public.invite_member(%1$L, %2$L); select public.invite_member(%1$L, %3$L)',
    current_setting('tests.org_a'), 'one@example.test', 'two@example.test'
  ),
  'Invitations within the daily cap go out'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a'), 'three@example.test'),
  'PT429', null,
  'An organization cannot invite arbitrary addresses in a loop'
);
select lives_ok(
  format(
    'select public.revoke_invitation(id) from public.invitations where email = %L', 'one@example.test'
  ),
  'An owner withdraws an invitation'
);
reset role;
select tests.clear_authentication();
select is(
  (
    select status::text from queue.all_jobs
    where payload ->> 'email' = 'one@example.test'
  ),
  'cancelled',
  'Withdrawing an invitation cancels its queued email'
);

-- C5. Webhook endpoint changes are audited --------------------------------------------------
select tests.authenticate_as('a_owner', 'aal2');
update public.webhook_endpoints set url = 'https://hooks.tenant-a.test/v2';
select public.rotate_webhook_secret('00000000-0000-4000-8000-00000000e001');
select public.send_test_webhook('00000000-0000-4000-8000-00000000e001');
select public.retry_job(900001);
delete from public.webhook_endpoints;
reset role;
select tests.clear_authentication();
select results_eq(
  $$
    select action, table_name, coalesce(new_values ->> 'url', old_values ->> 'url', '')
    from public.audit_log
    where table_name in ('webhook_endpoints', 'rotate_webhook_secret', 'send_test_webhook', 'retry_job')
    order by id
  $$,
  $$values
    ('insert', 'webhook_endpoints', 'https://hooks.tenant-a.test/in'),
    ('update', 'webhook_endpoints', 'https://hooks.tenant-a.test/v2'),
    ('call', 'rotate_webhook_secret', ''),
    ('call', 'send_test_webhook', ''),
    ('call', 'retry_job', ''),
    ('delete', 'webhook_endpoints', 'https://hooks.tenant-a.test/v2')$$,
  'A redirected event stream, a rotated secret, a test event, a retried job and a removal are audited'
);
select is(
  (
    select count(*)::int from public.audit_log
    where table_name = 'rotate_webhook_secret' and actor_id = current_setting('tests.uid_a_owner')::uuid
  ),
  1,
  'The audit entry names who rotated the secret'
);

-- C6. Activity carries nothing only owners and admins may read --------------------------------
select tests.authenticate_as('a_technician');
select is_empty(
  $$
    select from public.activity
    where summary ~ '@|https?://' or data::text ~ '@|https?://' or data ? 'role' and verb like 'invitation%'
  $$,
  'A technician reads no invitee address, role or webhook URL in the activity feed'
);
reset role;
select tests.clear_authentication();

-- C7. A suspended organization acts through no RPC, and sends nothing ------------------------
insert into public.webhook_endpoints (id, organization_id, url)
values ('00000000-0000-4000-8000-00000000e002', current_setting('tests.org_a')::uuid, 'https://h.test/x');
insert into private.webhook_secrets (endpoint_id, secret)
values ('00000000-0000-4000-8000-00000000e002', 'whsec_dGVzdA==');
with retried as (
  delete from queue.job_queue
  where id = 900001 returning *
)

insert into queue.job_history (id, organization_id, kind, status)
select
  r.id,
  r.organization_id,
  r.kind,
  'dead' as status
from retried as r;
update public.organizations set status = 'suspended'
where slug = 'tenant-a';
select tests.authenticate_as('a_owner', 'aal2');
select throws_ok(
  format('select public.transfer_ownership(%L, %L)', current_setting('tests.org_a'), current_setting('tests.uid_a_admin')),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Suspended: no ownership transfer'
);
select throws_ok(
  $$select public.send_test_webhook('00000000-0000-4000-8000-00000000e002')$$,
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Suspended: no test events'
);
select throws_ok(
  'select public.retry_job(900001)',
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Suspended: no retried jobs'
);
select throws_ok(
  format('select public.revoke_invitation(%L)', (
    select id from public.invitations
    where email = 'two@example.test'
  )),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Suspended: no withdrawn invitations'
);
reset role;
select tests.clear_authentication();
select is_empty(
  $$
    select from queue.claim('tests', null, 100, '30 seconds', 4)
    where organization_id = current_setting('tests.org_a')::uuid
  $$,
  'Suspended: the worker claims none of its queued jobs (they wait for reactivation)'
);
update public.organizations set status = 'cancelled'
where slug = 'tenant-a';
select is_empty(
  $$
    select from queue.all_jobs
    where organization_id = current_setting('tests.org_a')::uuid and status in ('queued', 'retrying')
  $$,
  'Cancelled: its waiting jobs are cancelled'
);

-- C11. No trigger names another tenant's organization before RLS refuses the row ----------------
create table public.security_probe (
  id int primary key,
  organization_id uuid not null references public.organizations (id)
);
alter table public.security_probe enable row level security;
create policy "Members add probes" on public.security_probe for insert to authenticated
with check (organization_id in (select private.organization_ids_for()));
grant insert on public.security_probe to authenticated;
select private.install_organization_writable_guard('public.security_probe');
select tests.authenticate_as('b_owner');
select throws_ok(
  format('insert into public.security_probe values (1, %L)', current_setting('tests.org_a')),
  '42501', 'new row violates row-level security policy for table "security_probe"',
  'Naming a suspended organization one does not belong to gets RLS''s refusal, not its name and status'
);
reset role;
select tests.clear_authentication();

-- C12. Smaller findings -----------------------------------------------------------------------
select is_empty(
  $$
    select c.relname, r.rolname from pg_catalog.pg_class as c
    cross join (values ('anon'), ('authenticated'), ('service_role')) as r (rolname)
    where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
      and (has_sequence_privilege(r.rolname, c.oid, 'usage') or has_sequence_privilege(r.rolname, c.oid, 'update'))
  $$,
  'No API role may use or set an identity sequence'
);
select tests.authenticate_as('outsider');
select throws_ok(
  $$select public.create_organization('Tenant B', 'tenant-b')$$,
  '23505', 'This address is not available',
  'A taken slug is refused without echoing it'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;

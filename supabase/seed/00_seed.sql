-- Local development data: two organizations with a person in every role, and platform staff.
-- Users are created as Supabase Auth creates them (confirmed email, email identity).
-- Every password is "password".

create function pg_temp.seed_user(user_id uuid, email text, full_name text) returns uuid
language sql
as $$
  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    confirmation_token, recovery_token, email_change_token_new, email_change,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at
  ) values (
    '00000000-0000-0000-0000-000000000000', user_id, 'authenticated', 'authenticated', email,
    extensions.crypt('password', extensions.gen_salt('bf')), now(), '', '', '', '',
    '{"provider": "email", "providers": ["email"]}', jsonb_build_object('full_name', full_name),
    now(), now()
  );
  insert into auth.identities (
    provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at
  ) values (
    user_id::text, user_id,
    jsonb_build_object('sub', user_id::text, 'email', email, 'email_verified', true),
    'email', now(), now(), now()
  );
  select user_id;
$$;

select pg_temp.seed_user('a0000000-0000-4000-8000-000000000001', 'olivia.owner@acme.test', 'Olivia Owner');
select pg_temp.seed_user('a0000000-0000-4000-8000-000000000002', 'adam.admin@acme.test', 'Adam Admin');
select pg_temp.seed_user(
  'a0000000-0000-4000-8000-000000000003', 'dana.dispatcher@acme.test', 'Dana Dispatcher'
);
select pg_temp.seed_user('a0000000-0000-4000-8000-000000000004', 'tim.tech@acme.test', 'Tim Technician');
select pg_temp.seed_user('a0000000-0000-4000-8000-000000000005', 'val.viewer@acme.test', 'Val Viewer');
select pg_temp.seed_user('b0000000-0000-4000-8000-000000000001', 'bea.owner@beta.test', 'Bea Owner');
select pg_temp.seed_user('b0000000-0000-4000-8000-000000000002', 'ben.admin@beta.test', 'Ben Admin');
select pg_temp.seed_user(
  'b0000000-0000-4000-8000-000000000003', 'bill.dispatcher@beta.test', 'Bill Dispatcher'
);
select pg_temp.seed_user('b0000000-0000-4000-8000-000000000004', 'tara.tech@beta.test', 'Tara Technician');
select pg_temp.seed_user('b0000000-0000-4000-8000-000000000005', 'vic.viewer@beta.test', 'Vic Viewer');
select pg_temp.seed_user('c0000000-0000-4000-8000-000000000001', 'sam.staff@fieldbase.test', 'Sam Staff');
select pg_temp.seed_user('c0000000-0000-4000-8000-000000000002', 'nora.nobody@example.test', 'Nora Nobody');

insert into private.platform_staff (user_id) values ('c0000000-0000-4000-8000-000000000001');

insert into public.organizations (id, name, slug, plan_id, status, time_zone, currency, created_by)
values
(
  'a1000000-0000-4000-8000-000000000000', 'Acme Backflow Testing', 'acme', 'pro', 'active',
  'America/Chicago', 'USD', 'a0000000-0000-4000-8000-000000000001'
),
(
  'b1000000-0000-4000-8000-000000000000', 'Beta Heating & Air', 'beta', 'starter', 'trialing',
  'America/Denver', 'USD', 'b0000000-0000-4000-8000-000000000001'
);

insert into public.memberships (organization_id, user_id, role) values
('a1000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000001', 'owner'),
('a1000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000002', 'admin'),
('a1000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000003', 'dispatcher'),
('a1000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000004', 'technician'),
('a1000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000005', 'viewer'),
('b1000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000001', 'owner'),
('b1000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000002', 'admin'),
('b1000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000003', 'dispatcher'),
('b1000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000004', 'technician'),
('b1000000-0000-4000-8000-000000000000', 'b0000000-0000-4000-8000-000000000005', 'viewer');

insert into public.feature_flags (key, description, enabled) values
('customer_portal', 'Customers can see their reports and invoices online', false),
('sms_reminders', 'Appointment reminders by SMS', false);

insert into public.organization_feature_flags (organization_id, flag_key, enabled)
values ('a1000000-0000-4000-8000-000000000000', 'customer_portal', true);

-- Local development data: two organizations with a person in every role, and platform staff.
-- Users are created as Supabase Auth creates them (confirmed email, email identity).
-- Every password is "password".

-- One statement: the Supabase CLI prepares every statement of a seed file before running any,
-- so a seed cannot create a helper and call it in the same file.
with people (id, email, full_name) as (
  values
  ('a0000000-0000-4000-8000-000000000001'::uuid, 'olivia.owner@acme.test', 'Olivia Owner'),
  ('a0000000-0000-4000-8000-000000000002'::uuid, 'adam.admin@acme.test', 'Adam Admin'),
  ('a0000000-0000-4000-8000-000000000003'::uuid, 'dana.dispatcher@acme.test', 'Dana Dispatcher'),
  ('a0000000-0000-4000-8000-000000000004'::uuid, 'tim.tech@acme.test', 'Tim Technician'),
  ('a0000000-0000-4000-8000-000000000005'::uuid, 'val.viewer@acme.test', 'Val Viewer'),
  ('b0000000-0000-4000-8000-000000000001'::uuid, 'bea.owner@beta.test', 'Bea Owner'),
  ('b0000000-0000-4000-8000-000000000002'::uuid, 'ben.admin@beta.test', 'Ben Admin'),
  ('b0000000-0000-4000-8000-000000000003'::uuid, 'bill.dispatcher@beta.test', 'Bill Dispatcher'),
  ('b0000000-0000-4000-8000-000000000004'::uuid, 'tara.tech@beta.test', 'Tara Technician'),
  ('b0000000-0000-4000-8000-000000000005'::uuid, 'vic.viewer@beta.test', 'Vic Viewer'),
  ('c0000000-0000-4000-8000-000000000001'::uuid, 'sam.staff@fieldbase.test', 'Sam Staff'),
  ('c0000000-0000-4000-8000-000000000002'::uuid, 'nora.nobody@example.test', 'Nora Nobody')
),

users as (
  insert into auth.users (
    instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
    confirmation_token, recovery_token, email_change_token_new, email_change,
    raw_app_meta_data, raw_user_meta_data, created_at, updated_at
  )
  select
    '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
    p.id,
    'authenticated' as aud,
    'authenticated' as role,
    p.email,
    extensions.crypt('password', extensions.gen_salt('bf')) as encrypted_password,
    now() as email_confirmed_at,
    '' as confirmation_token,
    '' as recovery_token,
    '' as email_change_token_new,
    '' as email_change,
    '{"provider": "email", "providers": ["email"]}'::jsonb as raw_app_meta_data,
    jsonb_build_object('full_name', p.full_name) as raw_user_meta_data,
    now() as created_at,
    now() as updated_at
  from people as p
  returning id, email
)

insert into auth.identities (
  provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at
)
select
  u.id::text as provider_id,
  u.id as user_id,
  jsonb_build_object('sub', u.id::text, 'email', u.email, 'email_verified', true) as identity_data,
  'email' as provider,
  now() as last_sign_in_at,
  now() as created_at,
  now() as updated_at
from users as u;

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

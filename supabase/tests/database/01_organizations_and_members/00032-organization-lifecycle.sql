-- Creating, suspending, reactivating and deleting organizations.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);

select tests.create_two_organizations();

-- creating -----------------------------------------------------------------------------------
select tests.authenticate_as('outsider');
select results_eq(
  $$select slug, plan_id, status::text from public.create_organization('  Outsider Plumbing & Co. ')$$,
  $$values ('outsider-plumbing-co', 'trial', 'trialing')$$,
  'Creating an organization normalises the slug and starts a trial'
);
select results_eq(
  $$select m.role::text from public.memberships as m
    inner join public.organizations as o on m.organization_id = o.id
    where o.slug = 'outsider-plumbing-co'$$,
  array['owner'],
  'The creator is its owner'
);
select throws_ok(
  $$select public.create_organization('Another', 'Outsider Plumbing Co')$$,
  '23505', 'This address is not available',
  'A taken slug is refused with a readable message that does not echo another tenant''s slug'
);
select matches(
  (public.create_organization('Outsider Plumbing Co')).slug, '^outsider-plumbing-co-[0-9a-f]{6}$',
  'A slug derived from a name that is taken gets a short suffix instead of an error'
);
select throws_ok(
  $$update public.organizations set time_zone = 'Mars/Olympus' where slug = 'outsider-plumbing-co'$$,
  '22023', 'time zone "Mars/Olympus" not recognized',
  'An unknown time zone is refused'
);
select throws_ok(
  $$update public.organizations set status = 'active' where slug = 'outsider-plumbing-co'$$,
  '42501', 'permission denied for table organizations',
  'Members cannot change their own billing status'
);
reset role;
select tests.clear_authentication();

-- suspending ---------------------------------------------------------------------------------
select tests.authenticate_as('a_owner');
select throws_ok(
  format('select public.set_organization_status(%L, %L, %L)', current_setting('tests.org_a')::uuid, 'active', 'why not'),
  '42501', 'Only platform staff with the billing or admin role can do this',
  'Members cannot change the status'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('staff', 'aal2');
select throws_ok(
  format('select public.set_organization_status(%L, %L, %L)', current_setting('tests.org_a')::uuid, 'suspended', ' '),
  '22023', 'Give a reason: every staff action is recorded with one',
  'A status change needs a reason'
);
select lives_ok(
  format(
    'select public.set_organization_status(%L, %L, %L)',
    current_setting('tests.org_a')::uuid,
    'suspended',
    'Unpaid invoices'
  ),
  'Staff suspend an organization'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_owner');
select throws_ok(
  format('update public.organizations set name = %L where id = %L', 'Renamed', current_setting('tests.org_a')::uuid),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'A suspended organization cannot be edited'
);
select throws_ok(
  format('delete from public.memberships where user_id = %L', current_setting('tests.uid_a_viewer')::uuid),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Members cannot be removed from a suspended organization'
);
select throws_ok(
  format('select public.invite_member(%L, %L)', current_setting('tests.org_a')::uuid, 'new@example.test'),
  '42501', 'Organization "Tenant A" is suspended: its data is read-only',
  'Nobody can be invited into a suspended organization'
);
select results_eq(
  format('select status::text from public.organizations where id = %L', current_setting('tests.org_a')::uuid),
  array['suspended'],
  'Members still read their suspended organization'
);
reset role;
select tests.clear_authentication();

select results_eq(
  $$select summary from public.activity where verb = 'organization.status_changed'$$,
  array['Status set to suspended: Unpaid invoices'],
  'The suspension and its reason are on the record'
);

select tests.authenticate_as('staff', 'aal2');
select lives_ok(
  format('select public.set_organization_status(%L, %L, %L)', current_setting('tests.org_a')::uuid, 'active', 'Paid'),
  'Staff reactivate it'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_owner');
select lives_ok(
  format(
    'update public.organizations set name = %L where id = %L', 'Tenant A Renamed', current_setting('tests.org_a')::uuid
  ),
  'Once reactivated, it can be edited again'
);

-- deleting ---------------------------------------------------------------------------------
select public.delete_organization(current_setting('tests.org_a')::uuid);
select is_empty(
  'select 1 from public.organizations where slug = ''tenant-a''',
  'A deleted organization disappears for its members'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;

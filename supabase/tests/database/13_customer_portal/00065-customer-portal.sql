-- The customer portal: inviting a contact, accepting (only with the invited, confirmed address;
-- never as a member; one customer per user), revoking, and what a portal user reads and
-- downloads: their own documents, never another customer's or an unsent one's.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(17);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();
select tests.create_estimates_and_invoices();

-- Inviting -------------------------------------------------------------------------------------
select tests.create_supabase_user('pat', 'pat@a.test');
select tests.create_supabase_user('impostor', 'someone.else@a.test');
select tests.authenticate_as('a_dispatcher');
select lives_ok(
  $$select set_config('tests.pat_account', public.invite_portal_user(
      (select id from public.customer_contacts where email = 'pat@a.test'))::text, true)$$,
  'A dispatcher invites a customer''s contact'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select payload ->> 'email', payload ->> 'customer_name', length(payload ->> 'token') > 40
    from queue.all_jobs where kind = 'email.portal_invitation'$$,
  $$values ('pat@a.test', 'Deli A', true)$$,
  'The invitation email carries the token to the contact''s address'
);
select is(
  (
    select token_hash is not null and user_id is null from public.portal_accounts
    where id = current_setting('tests.pat_account')::uuid
  ),
  true, 'Only the token''s hash is kept until it is accepted'
);
select set_config(
  'tests.pat_token',
  (
    select payload ->> 'token' from queue.all_jobs
    where kind = 'email.portal_invitation'
  ),
  true
);

-- Accepting ------------------------------------------------------------------------------------
select tests.authenticate_as('impostor');
select throws_ok(
  $$select public.accept_portal_invitation(current_setting('tests.pat_token'))$$,
  '42501', 'This invitation was sent to another email address', 'Another address cannot accept it'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_viewer');
select throws_ok(
  $$select public.accept_portal_invitation('not-a-token')$$,
  'PT404', 'This invitation link is not valid', 'A made-up token finds nothing'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('pat');
select is(
  (public.accept_portal_invitation(current_setting('tests.pat_token'))).customer_id,
  current_setting('tests.a_customer')::uuid, 'The invited contact accepts and is linked to the customer'
);
select throws_ok(
  $$select public.accept_portal_invitation(current_setting('tests.pat_token'))$$,
  'PT410', 'This invitation has already been used', 'The token works once'
);
select results_eq(
  $$select count(*)::int from public.sites$$, $$values (1)$$,
  'Pat sees the customer''s one site'
);
reset role;
select tests.clear_authentication();

-- A member cannot become the organization's portal user.
insert into public.customer_contacts (organization_id, customer_id, name, email)
values (
  current_setting('tests.org_a')::uuid, current_setting('tests.a_other_customer')::uuid, 'Viewer Too',
  'a_viewer@tests.fieldbase.test'
);
select tests.authenticate_as('a_owner');
select public.invite_portal_user((
  select id from public.customer_contacts
  where name = 'Viewer Too'
));
reset role;
select tests.clear_authentication();
select set_config(
  'tests.viewer_token',
  (
    select payload ->> 'token' from queue.all_jobs
    where kind = 'email.portal_invitation' and payload ->> 'email' = 'a_viewer@tests.fieldbase.test'
  ),
  true
);
select tests.authenticate_as('a_viewer');
select throws_ok(
  $$select public.accept_portal_invitation(current_setting('tests.viewer_token'))$$,
  '23505', 'Members of the organization use the app, not the customer portal',
  'A member cannot also be a portal user of their organization'
);
reset role;
select tests.clear_authentication();

-- Documents ------------------------------------------------------------------------------------
insert into public.documents (
  organization_id, kind, title, storage_path, size_bytes, sha256, page_count, source_type, source_id
)
select
  current_setting('tests.org_a')::uuid as organization_id,
  'invoice' as kind,
  'Invoice ' || i.id as title,
  current_setting('tests.org_a') || '/invoice/' || i.id || '.pdf' as storage_path,
  100 as size_bytes,
  repeat('a', 64) as sha256,
  1 as page_count,
  'invoice' as source_type,
  i.id::text as source_id
from public.invoices as i
where i.organization_id = current_setting('tests.org_a')::uuid;
insert into storage.objects (bucket_id, name)
select
  'documents' as bucket_id,
  d.storage_path as name
from public.documents as d
where d.organization_id = current_setting('tests.org_a')::uuid;
select results_eq(
  $$select * from tests.access_matrix('select 1 from public.documents where organization_id = {a}',
    array['portal_x', 'portal_y', 'portal_b'])$$,
  $$values ('portal_x', '1 row'), ('portal_y', '1 row'), ('portal_b', '0 rows')$$,
  'A portal user reads their own sent invoices'' documents (not the draft''s, not another customer''s)'
);
select tests.authenticate_as('portal_x');
select results_eq(
  $$select name from storage.objects where bucket_id = 'documents'$$,
  $$select current_setting('tests.org_a') || '/invoice/' || current_setting('tests.a_invoice') || '.pdf'$$,
  'And downloads exactly that file from Storage'
);
reset role;
select tests.clear_authentication();

-- Revoking -------------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
select is(
  (public.revoke_portal_account(current_setting('tests.pat_account')::uuid)).revoked_at is not null, true,
  'A dispatcher revokes Pat''s access'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('pat');
select is_empty($$select 1 from public.sites$$, 'From then on Pat sees no site');
select is_empty($$select 1 from public.invoices$$, 'Nor any invoice');
select throws_ok(
  $$select public.open_customer_ticket('Still there?')$$,
  '42501', null, 'Nor opens a ticket'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('portal_b');
select throws_ok(
  $$select public.revoke_portal_account(current_setting('tests.pat_account')::uuid)$$,
  'PT404', null, 'A portal user cannot manage portal accounts'
);
select is_empty(
  $$select 1 from public.portal_accounts where organization_id = current_setting('tests.org_a')::uuid$$,
  'Nor see another organization''s'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;

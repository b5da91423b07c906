-- Support tickets: SLA due times in business hours, tickets opened by a customer's portal user,
-- comments internal or for the customer (and who hears of them), legal moves, the breach sweep,
-- and the access matrix with portal users.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(23);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();
select tests.create_portal_users();

-- Business hours -------------------------------------------------------------------------------
-- 2026-11-20 is a Friday; tenant A works the default Monday to Friday, 08:00-17:00, in UTC.
select is(
  private.add_business_hours(current_setting('tests.org_a')::uuid, timestamptz '2026-11-20 16:00+00', 4),
  timestamptz '2026-11-23 11:00+00', 'Four business hours from Friday 16:00 end on Monday 11:00'
);
select is(
  private.add_business_hours(current_setting('tests.org_a')::uuid, timestamptz '2026-11-21 10:00+00', 2),
  timestamptz '2026-11-23 10:00+00', 'The weekend does not count'
);
update public.organizations set time_zone = 'America/Chicago'
where slug = 'tenant-b';
insert into public.business_hours (organization_id, weekday, opens, closes)
values (current_setting('tests.org_b')::uuid, 6, '09:00', '12:00');
select is(
  private.add_business_hours(current_setting('tests.org_b')::uuid, timestamptz '2026-11-20 16:00+00', 4),
  timestamptz '2026-11-28 16:00+00',
  'An organization''s own hours (Saturdays 09:00-12:00 in Chicago) are counted in its time zone'
);

-- A customer opens a ticket ----------------------------------------------------------------------
select tests.authenticate_as('portal_x');
select throws_ok(
  $$select public.open_customer_ticket('Everything is flooding', null, 'urgent')$$,
  '22023', null, 'A customer cannot open an urgent ticket (they call)'
);
select lives_ok(
  $$select set_config('tests.ticket', (public.open_customer_ticket('Leaking valve', 'Since Monday', 'high')).id::text, true)$$,
  'A portal user opens a ticket'
);
reset role;
select tests.clear_authentication();
select results_eq(
  $$select number, customer_id, opened_by_customer, requester_id, status::text,
      sla_due_at = private.add_business_hours(organization_id, created_at, 8)
    from public.tickets where id = current_setting('tests.ticket')::uuid$$,
  $$values (1::bigint, current_setting('tests.a_customer')::uuid, true, current_setting('tests.uid_portal_x')::uuid,
    'open', true)$$,
  'It is numbered, for the portal user''s customer, due in 8 business hours (high)'
);
select tests.authenticate_as('portal_y');
select is_empty(
  $$select 1 from public.tickets where id = current_setting('tests.ticket')::uuid$$,
  'Another customer''s portal user does not see it'
);
select throws_ok(
  $$select public.comment_on_customer_ticket(current_setting('tests.ticket')::uuid, 'Me too')$$,
  'PT404', null, 'Nor comments on it'
);
reset role;
select tests.clear_authentication();

-- Members answer -------------------------------------------------------------------------------
select tests.authenticate_as('a_dispatcher');
insert into public.ticket_comments (organization_id, ticket_id, body, internal)
values (current_setting('tests.org_a')::uuid, current_setting('tests.ticket')::uuid, 'Check warranty first', true);
insert into public.ticket_comments (organization_id, ticket_id, body)
values (current_setting('tests.org_a')::uuid, current_setting('tests.ticket')::uuid, 'Is it the relief valve?');
update public.tickets set status = 'waiting_for_customer', assignee_id = current_setting('tests.uid_a_technician')::uuid
where id = current_setting('tests.ticket')::uuid;
reset role;
select tests.clear_authentication();
select results_eq(
  $$select payload ->> 'to', payload ->> 'status', payload ->> 'comment' from queue.all_jobs
    where kind = 'email.ticket_updated' order by id$$,
  $$values ('portal_x@customers.fieldbase.test', 'open', 'Is it the relief valve?'),
    ('portal_x@customers.fieldbase.test', 'waiting for customer', null)$$,
  'The customer is emailed the answer and the status change, never the internal note'
);
select is(
  (
    select count(*)::int from public.notifications
    where user_id = current_setting('tests.uid_a_technician')::uuid and kind = 'ticket.updated'
  ),
  1, 'The new assignee is notified'
);
select tests.authenticate_as('portal_x');
select results_eq(
  $$select body from public.ticket_comments where ticket_id = current_setting('tests.ticket')::uuid$$,
  $$values ('Is it the relief valve?')$$,
  'The portal user reads the answer, not the internal note'
);
select lives_ok(
  $$select public.comment_on_customer_ticket(current_setting('tests.ticket')::uuid, 'Yes, the relief valve')$$,
  'The customer replies'
);
select is(
  (
    select status::text from public.tickets
    where id = current_setting('tests.ticket')::uuid
  ), 'open',
  'A reply to a ticket waiting for the customer opens it again'
);
reset role;
select tests.clear_authentication();

-- Moves ------------------------------------------------------------------------------------------
select tests.authenticate_as('a_technician');
update public.tickets set status = 'resolved'
where id = current_setting('tests.ticket')::uuid;
select isnt(
  (
    select resolved_at from public.tickets
    where id = current_setting('tests.ticket')::uuid
  ), null,
  'The assignee resolves it; the time is stamped'
);
update public.tickets set status = 'closed'
where id = current_setting('tests.ticket')::uuid;
select throws_ok(
  $$update public.tickets set status = 'open' where id = current_setting('tests.ticket')::uuid$$,
  'PT409', 'A ticket cannot go from closed to open', 'A closed ticket is final'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('portal_x');
select throws_ok(
  $$select public.comment_on_customer_ticket(current_setting('tests.ticket')::uuid, 'Back again')$$,
  'PT409', null, 'A closed ticket takes no more comments'
);
reset role;
select tests.clear_authentication();

-- A ticket opened by phone for a contact: the answers go to the contact's email.
select tests.authenticate_as('a_dispatcher');
insert into public.tickets (organization_id, customer_id, contact_id, subject)
select
  c.organization_id,
  c.customer_id,
  c.id as contact_id,
  'Called about the invoice' as subject
from public.customer_contacts as c
where c.email = 'pat@a.test';
insert into public.ticket_comments (organization_id, ticket_id, body)
select
  t.organization_id,
  t.id as ticket_id,
  'We sent it again.' as body
from public.tickets as t
where t.subject = 'Called about the invoice';
reset role;
select tests.clear_authentication();
select is(
  (
    select count(*)::int from queue.all_jobs
    where kind = 'email.ticket_updated' and payload ->> 'to' = 'pat@a.test'
  ),
  2, 'A contact who called is emailed that it is open, then the answer'
);

-- SLA breaches -------------------------------------------------------------------------------------
insert into public.tickets (organization_id, subject, priority, created_at)
values (current_setting('tests.org_a')::uuid, 'Old one', 'urgent', now() - interval '30 days');
select private.flag_sla_breaches();
select ok(
  (
    select sla_breached from public.tickets
    where subject = 'Old one'
  ),
  'An unresolved ticket past its due time is flagged'
);
select is(private.flag_sla_breaches(), 0, 'Running twice flags nothing more');
update public.tickets set priority = 'low'
where subject = 'Old one';
select is(
  (
    select sla_due_at from public.tickets
    where subject = 'Old one'
  ),
  private.add_business_hours(current_setting('tests.org_a')::uuid, now() - interval '30 days', 72),
  'A new priority moves the due time, from when the ticket was opened'
);

-- Access -----------------------------------------------------------------------------------------
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.tickets where organization_id = {a}', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '0 rows'), ('a_owner', '3 rows'), ('a_admin', '3 rows'),
    ('a_dispatcher', '3 rows'), ('a_technician', '1 row'), ('a_viewer', '3 rows'), ('b_owner', '0 rows'),
    ('staff', '0 rows'), ('service_role', '3 rows'), ('portal_x', '2 rows'), ('portal_y', '0 rows'),
    ('portal_b', '0 rows')$$,
  'Tickets: members other than technicians; the assignee; the customer''s portal user'
);
select results_eq(
  $$select * from tests.access_matrix(
    'select 1 from public.open_customer_ticket(''Help'')', tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '42501'), ('a_admin', '42501'),
    ('a_dispatcher', '42501'), ('a_technician', '42501'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '42501'), ('portal_x', '1 row'), ('portal_y', '1 row'),
    ('portal_b', '1 row')$$,
  'open_customer_ticket is for portal users'
);
select results_eq(
  $$select * from tests.access_matrix(
    'insert into public.ticket_comments (organization_id, ticket_id, body) values ({a}, {ticket}, ''Hi'') returning 1',
    tests.actors_with_portal())$$,
  $$values ('anon', '42501'), ('outsider', '42501'), ('a_owner', '1 row'), ('a_admin', '1 row'),
    ('a_dispatcher', '1 row'), ('a_technician', '1 row'), ('a_viewer', '42501'), ('b_owner', '42501'),
    ('staff', '42501'), ('service_role', '1 row'), ('portal_x', '42501'), ('portal_y', '42501'),
    ('portal_b', '42501')$$,
  'Comments are written by owners, admins, dispatchers and the assignee (portal users use the RPC)'
);

select * from finish();
rollback;

-- What a job carries: checklists ticked by its technician, notes, and attachments in Storage,
-- each readable and writable exactly as the work order is.
begin;
\ir ../../helpers/fieldbase.psql
create extension if not exists pgtap with schema extensions;
select plan(12);
select tests.create_two_organizations();
select tests.create_field_operations();
select tests.create_work_orders();

insert into public.work_order_checklist_items (organization_id, work_order_id, position, label)
values
(current_setting('tests.org_a')::uuid, current_setting('tests.a_work_order')::uuid, 1, 'Shut off valve 2'),
(current_setting('tests.org_a')::uuid, current_setting('tests.a_other_work_order')::uuid, 1, 'Photo of the test cocks');
insert into storage.objects (bucket_id, name)
values (
  'attachments', current_setting('tests.org_a') || '/work_orders/' || current_setting('tests.a_work_order') || '/before.jpg'
);

select tests.authenticate_as('a_technician');
select results_eq(
  $$update public.work_order_checklist_items set done = true returning label, done_by = auth.uid(), done_at is not null$$,
  $$values ('Shut off valve 2', true, true)$$,
  'The assigned technician ticks the job''s checklist, and only that job''s; who and when are recorded'
);
select throws_ok(
  $$update public.work_order_checklist_items set label = 'Skip this step'$$,
  '42501', 'Only owners, admins and dispatchers edit a checklist; technicians tick it',
  'The technician ticks the checklist but does not rewrite it'
);
select lives_ok(
  format(
    'insert into public.work_order_notes (organization_id, work_order_id, body) values (%L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), 'Meter room was locked; got the key.'
  ),
  'The assigned technician writes a note on the job'
);
select throws_ok(
  format(
    'insert into public.work_order_notes (organization_id, work_order_id, body) values (%L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_other_work_order'), 'x'
  ),
  '42501', null,
  '... but not on someone else''s job'
);
select throws_ok(
  format(
    'insert into public.work_order_notes (organization_id, work_order_id, body, author_id) values (%L, %L, %L, %L)',
    current_setting('tests.org_a'), current_setting('tests.a_work_order'), 'x', current_setting('tests.uid_a_owner')
  ),
  '42501', null,
  'Nobody writes a note in someone else''s name'
);
select lives_ok(
  format(
    $$insert into storage.objects (bucket_id, name) values ('attachments', %L)$$,
    current_setting('tests.org_a') || '/work_orders/' || current_setting('tests.a_work_order') || '/after.jpg'
  ),
  'The assigned technician attaches a photo to the job'
);
select throws_ok(
  format(
    $$insert into storage.objects (bucket_id, name) values ('attachments', %L)$$,
    current_setting('tests.org_a') || '/work_orders/' || current_setting('tests.a_other_work_order') || '/x.jpg'
  ),
  '42501', null,
  '... but not to someone else''s job'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('a_viewer');
select is(
  (
    select count(*)::int from storage.objects
    where bucket_id = 'attachments'
  ),
  2,
  'A viewer reads the jobs'' attachments'
);
select is_empty(
  $$update public.work_order_checklist_items set done = true returning 1$$,
  'A viewer ticks nothing'
);
reset role;
select tests.clear_authentication();

select tests.authenticate_as('b_owner');
select is_empty(
  $$select from storage.objects where bucket_id = 'attachments'
    union all select from public.work_order_notes union all select from public.work_order_checklist_items$$,
  'Another organization sees no attachment, note or checklist'
);
reset role;
select tests.clear_authentication();
select tests.authenticate_as('a_dispatcher');
select lives_ok(
  format(
    $$insert into storage.objects (bucket_id, name) values ('attachments', %L)$$,
    current_setting('tests.org_a') || '/work_orders/' || current_setting('tests.a_other_work_order') || '/quote.pdf'
  ),
  'A dispatcher attaches files to any job of the organization'
);
select lives_ok(
  $$update public.work_order_checklist_items set label = 'Shut off valve 2 slowly', position = 2$$,
  'A dispatcher edits the checklist'
);
reset role;
select tests.clear_authentication();

select * from finish();
rollback;

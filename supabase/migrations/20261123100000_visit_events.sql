-- Events out of scheduling: a visit booked, moved or cancelled tells the technician (a
-- notification), the customer (the worker's appointment emails) and the organization's
-- subscribed webhooks (visit.booked, visit.changed, visit.cancelled), each with allowlisted
-- fields only.

create or replace function private.visit_events() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  event text;
  details record;
  email_kind text;
begin
  if tg_op = 'INSERT' and new.status not in ('cancelled', 'missed') then
    event := 'visit.booked';
    email_kind := 'email.appointment_booked';
  elsif tg_op = 'UPDATE' and new.status = 'cancelled' and old.status <> 'cancelled' then
    event := 'visit.cancelled';
    email_kind := 'email.appointment_changed';
  elsif tg_op = 'UPDATE' and new.status not in ('cancelled', 'missed')
        and (new.starts_at, new.ends_at, new.user_id) is distinct from (old.starts_at, old.ends_at, old.user_id) then
    event := 'visit.changed';
    email_kind := 'email.appointment_changed';
  else
    return null;
  end if;

  select
    w.number, w.title, c.name as customer_name, c.email as customer_email,
    concat_ws(', ', s.line1, s.city, s.postal_code) as address,
    private.display_name(new.user_id) as technician_name
  into details
  from public.work_orders as w
  inner join public.customers as c on w.customer_id = c.id
  inner join public.sites as s on w.site_id = s.id
  where w.id = new.work_order_id;

  perform private.notify_user(
    new.organization_id, new.user_id, event,
    case event
      when 'visit.booked' then format('New visit: #%s %s', details.number, details.title)
      when 'visit.changed' then format('Visit moved: #%s %s', details.number, details.title)
      else format('Visit cancelled: #%s %s', details.number, details.title)
    end,
    details.address, null,
    jsonb_build_object('visit_id', new.id, 'work_order_id', new.work_order_id, 'starts_at', new.starts_at)
  );
  if details.customer_email is not null then
    perform queue.enqueue(
      email_kind,
      jsonb_build_object(
        'to', details.customer_email, 'customer_name', details.customer_name,
        'starts_at', new.starts_at, 'ends_at', new.ends_at, 'address', details.address,
        'technician_name', details.technician_name, 'service', details.title,
        'previous_starts_at', case when tg_op = 'UPDATE' then old.starts_at end,
        'cancelled', event = 'visit.cancelled'
      ),
      new.organization_id
    );
  end if;
  perform private.emit_webhook_event(
    new.organization_id, event,
    jsonb_build_object(
      'visit_id', new.id, 'work_order_id', new.work_order_id, 'work_order_number', details.number,
      'technician_id', new.user_id, 'starts_at', new.starts_at, 'ends_at', new.ends_at,
      'status', new.status
    )
  );
  return null;
end
$$;
revoke all on function private.visit_events() from public;

create trigger visits_events
after insert or update of starts_at, ends_at, user_id, status on public.visits
for each row execute function private.visit_events();

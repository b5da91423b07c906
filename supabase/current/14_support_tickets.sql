-- Support tickets: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- The moment `hours` business hours after `start` in the organization's business hours (its
-- own, else Monday to Friday 08:00-17:00) and time zone.
create or replace function private.add_business_hours(
  organization uuid,
  start timestamp with time zone,
  hours numeric
)
returns timestamp with time zone
language plpgsql stable security definer
set search_path = ''
as $$
declare
  zone text := (select o.time_zone from public.organizations as o where o.id = organization);
  has_own boolean := exists (select from public.business_hours as b where b.organization_id = organization);
  remaining interval := make_interval(secs => hours * 3600);
  local_start timestamp := start at time zone zone;
  day date := (start at time zone zone)::date;
  opens time;
  closes time;
  window_start timestamp;
  window_end timestamp;
begin
  -- At most two years ahead: a schedule with no open hours cannot loop for ever.
  for step in 0..730 loop
    if has_own then
      select b.opens, b.closes into opens, closes from public.business_hours as b
      where b.organization_id = organization and b.weekday = extract(isodow from day);
    elsif extract(isodow from day) between 1 and 5 then
      opens := time '08:00';
      closes := time '17:00';
    end if;
    if opens is not null then
      window_start := greatest(day + opens, local_start);
      window_end := day + closes;
      if window_end > window_start then
        if window_end - window_start >= remaining then
          return (window_start + remaining) at time zone zone;
        end if;
        remaining := remaining - (window_end - window_start);
      end if;
    end if;
    opens := null;
    closes := null;
    day := day + 1;
  end loop;
  return null;
end
$$;
revoke all on function private.add_business_hours(organization uuid, start timestamp with time zone, hours numeric)
from public, anon, authenticated, service_role;

-- The tickets assigned to the signed-in member.
create or replace function private.assigned_ticket_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select t.id from public.tickets as t
  where t.assignee_id = (select auth.uid()) and t.organization_id in (select private.organization_ids_for());
end
$$;
revoke all on function private.assigned_ticket_ids()
from public, anon, authenticated, service_role;
grant execute on function private.assigned_ticket_ids()
to authenticated;

-- Status changes keep to the legal moves and stamp resolution and closing; a new priority
-- moves the SLA due time (from when the ticket was opened).
create or replace function private.check_ticket()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  possible text;
begin
  if new.status is distinct from old.status then
    if not exists (
      select from public.ticket_transitions as t where t.from_status = old.status and t.to_status = new.status
    ) then
      select string_agg(t.to_status::text, ', ' order by t.to_status) into possible
      from public.ticket_transitions as t where t.from_status = old.status;
      raise exception 'A ticket cannot go from % to %', old.status, new.status
      using errcode = 'PT409', hint = coalesce('From ' || old.status || ' it can go to: ' || possible || '.',
        'A ' || old.status || ' ticket is final.');
    end if;
    new.resolved_at := case when new.status in ('resolved', 'closed') then coalesce(old.resolved_at, now()) end;
    new.closed_at := case when new.status = 'closed' then now() end;
  end if;
  if new.priority is distinct from old.priority then
    new.sla_due_at := private.add_business_hours(
      new.organization_id, old.created_at, private.sla_hours(new.organization_id, new.priority)
    );
    new.sla_breached := new.sla_due_at < now() and new.status not in ('resolved', 'closed');
  end if;
  return new;
end
$$;
revoke all on function private.check_ticket()
from public, anon, authenticated, service_role;

-- Adds the portal user's comment to one of their customer's tickets (never internal). A
-- resolved ticket opens again; a closed one takes no more comments.
create or replace function private.comment_on_customer_ticket(ticket_id uuid, body text)
returns ticket_comments
language plpgsql security definer
set search_path = ''
as $$
declare
  ticket public.tickets;
  comment public.ticket_comments;
begin
  select * into ticket from public.tickets as t
  where t.id = ticket_id and t.customer_id in (select private.portal_customer_ids())
  for update;
  if ticket.id is null then
    raise exception 'Ticket % was not found', ticket_id using errcode = 'PT404';
  end if;
  perform private.authorize_portal(ticket.organization_id, ticket.customer_id, 'Portal access was withdrawn');
  if ticket.status = 'closed' then
    raise exception 'Ticket #% is closed', ticket.number using errcode = 'PT409', hint = 'Open a new ticket.';
  elsif ticket.status = 'resolved' then
    update public.tickets as t set status = 'open' where t.id = ticket.id;
  end if;
  insert into public.ticket_comments (organization_id, ticket_id, author_id, body, internal)
  values (ticket.organization_id, ticket.id, (select auth.uid()), body, false)
  returning * into comment;
  return comment;
end
$$;
revoke all on function private.comment_on_customer_ticket(ticket_id uuid, body text)
from public, anon, authenticated, service_role;
grant execute on function private.comment_on_customer_ticket(ticket_id uuid, body text)
to authenticated;

-- Flags unresolved tickets past their SLA due time (once each), telling the assignee and the
-- webhooks. Running twice flags nothing more. Returns how many.
create or replace function private.flag_sla_breaches(at timestamp with time zone default now())
returns integer
language sql security definer
set search_path = ''
as $$
  with breached as (
    update public.tickets as t set sla_breached = true
    where t.sla_due_at < at and t.status not in ('resolved', 'closed') and not t.sla_breached
    returning t
  )
  select count(private.ticket_events(b.t, 'ticket.updated'))::integer from breached as b
$$;
revoke all on function private.flag_sla_breaches(at timestamp with time zone)
from public, anon, authenticated, service_role;

create or replace function private.on_ticket_change()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform private.ticket_events(new, 'ticket.created');
  elsif (new.status, new.priority, new.assignee_id) is distinct from (old.status, old.priority, old.assignee_id) then
    perform private.ticket_events(new, 'ticket.updated');
  end if;
  return null;
end
$$;
revoke all on function private.on_ticket_change()
from public, anon, authenticated, service_role;

-- A comment for the customer tells them (internal ones tell only the assignee). A customer's
-- reply to a ticket waiting for them opens it again.
create or replace function private.on_ticket_comment()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  ticket public.tickets;
begin
  select * into ticket from public.tickets as t where t.id = new.ticket_id;
  if ticket.status = 'waiting_for_customer' and new.author_id = ticket.requester_id and ticket.opened_by_customer then
    update public.tickets as t set status = 'open' where t.id = ticket.id returning * into ticket;
  end if;
  if new.internal then
    if ticket.assignee_id is not null and ticket.assignee_id is distinct from new.author_id then
      perform private.notify_user(
        ticket.organization_id, ticket.assignee_id, 'ticket.comment',
        format('Internal note on ticket #%s', ticket.number), null, '/tickets/' || ticket.id
      );
    end if;
  else
    perform private.ticket_events(ticket, 'ticket.updated', new.body, new.author_id);
  end if;
  return null;
end
$$;
revoke all on function private.on_ticket_comment()
from public, anon, authenticated, service_role;

-- Opens a ticket for the signed-in portal user's customer.
create or replace function private.open_customer_ticket(
  subject text,
  description text default null::text,
  priority ticket_priority default 'normal'::ticket_priority
)
returns tickets
language plpgsql security definer
set search_path = ''
as $$
declare
  account public.portal_accounts;
  ticket public.tickets;
begin
  select * into account from public.portal_accounts as p
  where p.user_id = (select auth.uid()) and p.revoked_at is null;
  if account.id is null then
    raise exception 'Only a customer portal user opens tickets this way' using errcode = '42501',
    hint = 'Members insert into tickets.';
  end if;
  perform private.authorize_portal(account.organization_id, account.customer_id, 'Portal access was withdrawn');
  if priority = 'urgent' then
    raise exception 'Call for urgent help; a ticket can be low, normal or high' using errcode = '22023';
  end if;
  insert into public.tickets (
    organization_id, customer_id, contact_id, requester_id, opened_by_customer, subject, description, priority
  ) values (
    account.organization_id, account.customer_id, account.contact_id, (select auth.uid()), true, subject,
    description, priority
  )
  returning * into ticket;
  return ticket;
end
$$;
revoke all on function private.open_customer_ticket(subject text, description text, priority ticket_priority)
from public, anon, authenticated, service_role;
grant execute on function private.open_customer_ticket(subject text, description text, priority ticket_priority)
to authenticated;

-- The tickets of the signed-in portal user's customer.
create or replace function private.portal_ticket_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select t.id from public.tickets as t where t.customer_id in (select private.portal_customer_ids());
end
$$;
revoke all on function private.portal_ticket_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_ticket_ids()
to authenticated;

-- A new ticket: its number, its requester, and its SLA due time.
create or replace function private.prepare_ticket()
returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.status <> 'open' then
    raise exception 'A new ticket starts open' using errcode = '23514';
  end if;
  new.number := private.next_document_number(new.organization_id, 'ticket');
  new.requester_id := coalesce(new.requester_id, (select auth.uid()));
  new.sla_due_at := private.add_business_hours(
    new.organization_id, new.created_at, private.sla_hours(new.organization_id, new.priority)
  );
  return new;
end
$$;
revoke all on function private.prepare_ticket()
from public, anon, authenticated, service_role;

-- The resolution target of a priority: the organization's, else 4 / 8 / 24 / 72 hours.
create or replace function private.sla_hours(organization uuid, priority ticket_priority)
returns numeric
language sql stable security definer
set search_path = ''
as $$
  select coalesce(
    (select t.resolve_within_hours from public.ticket_sla_targets as t
     where t.organization_id = organization and t.priority = sla_hours.priority),
    case priority when 'urgent' then 4 when 'high' then 8 when 'normal' then 24 else 72 end
  )
$$;
revoke all on function private.sla_hours(organization uuid, priority ticket_priority)
from public, anon, authenticated, service_role;

-- Tells a ticket's people what happened: an email to the customer who opened it (never an
-- internal comment), a notification to the assignee, the feed and the webhooks (ticket.created,
-- ticket.updated). Allowlisted: number, subject, status, priority, never the text.
create or replace function private.ticket_events(
  ticket tickets,
  event text,
  comment_body text default null::text,
  comment_author uuid default null::uuid
)
returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  requester record;
begin
  select * into requester from private.ticket_requester_email(ticket);
  -- Never an email about the customer's own comment, nor about a ticket they just opened.
  if requester.email is not null
     and (comment_author is null or comment_author is distinct from requester.user_id)
     and not (event = 'ticket.created' and ticket.opened_by_customer) then
    perform queue.enqueue(
      'email.ticket_updated',
      jsonb_build_object(
        'to', requester.email, 'name', requester.name, 'ticket_number', ticket.number::text,
        'ticket_subject', ticket.subject, 'status', replace(ticket.status::text, '_', ' '),
        'comment', left(comment_body, 2000),
        'comment_author', case when comment_author is not null then private.display_name(comment_author) end
      ),
      ticket.organization_id
    );
  end if;
  if ticket.assignee_id is not null and ticket.assignee_id is distinct from (select auth.uid()) then
    perform private.notify_user(
      ticket.organization_id, ticket.assignee_id, event,
      format('Ticket #%s: %s', ticket.number, left(ticket.subject, 150)), null, '/tickets/' || ticket.id
    );
  end if;
  perform private.record_activity(
    ticket.organization_id, event, 'ticket', ticket.id::text,
    format('Ticket #%s was %s', ticket.number, case when event = 'ticket.created' then 'opened' else 'updated' end)
  );
  perform private.emit_webhook_event(
    ticket.organization_id, event,
    jsonb_build_object(
      'ticket_id', ticket.id, 'number', ticket.number, 'customer_id', ticket.customer_id,
      'status', ticket.status, 'priority', ticket.priority, 'sla_due_at', ticket.sla_due_at,
      'opened_by_customer', ticket.opened_by_customer
    )
  );
end
$$;
revoke all on function private.ticket_events(ticket tickets, event text, comment_body text, comment_author uuid)
from public, anon, authenticated, service_role;

-- Where a ticket's answers go: the contact who asked, at their portal account's address when
-- they have one, else the contact's email; with the contact's portal user, if any.
create or replace function private.ticket_requester_email(ticket tickets)
returns table (email text, name text, user_id uuid)
language sql stable security definer
set search_path = ''
as $$
  select coalesce(p.email, c.email), c.name, p.user_id
  from public.customer_contacts as c
  left join public.portal_accounts as p
    on p.organization_id = c.organization_id and p.contact_id = c.id and p.revoked_at is null
    and p.accepted_at is not null
  where c.organization_id = ticket.organization_id and c.id = ticket.contact_id
    and coalesce(p.email, c.email) is not null
$$;
revoke all on function private.ticket_requester_email(ticket tickets)
from public, anon, authenticated, service_role;

create or replace function public.comment_on_customer_ticket(ticket_id uuid, body text)
returns ticket_comments
language plpgsql
set search_path = ''
as $$
begin
  return private.comment_on_customer_ticket(ticket_id, body);
end
$$;
revoke all on function public.comment_on_customer_ticket(ticket_id uuid, body text)
from public, anon, authenticated, service_role;
grant execute on function public.comment_on_customer_ticket(ticket_id uuid, body text)
to authenticated;

create or replace function public.open_customer_ticket(
  subject text,
  description text default null::text,
  priority ticket_priority default 'normal'::ticket_priority
)
returns tickets
language plpgsql
set search_path = ''
as $$
begin
  return private.open_customer_ticket(subject, description, priority);
end
$$;
revoke all on function public.open_customer_ticket(subject text, description text, priority ticket_priority)
from public, anon, authenticated, service_role;
grant execute on function public.open_customer_ticket(subject text, description text, priority ticket_priority)
to authenticated;

create or replace trigger audit_delete after delete
on public.ticket_comments
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_delete after delete
on public.tickets
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.ticket_comments
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.tickets
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.ticket_comments
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.tickets
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.business_hours
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.ticket_comments
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.ticket_sla_targets
for each row
execute function private.enforce_organization_writable();

create or replace trigger enforce_organization_writable before insert or delete or update
on public.tickets
for each row
execute function private.enforce_organization_writable();

create or replace trigger ticket_comments_events after insert
on public.ticket_comments
for each row
execute function private.on_ticket_comment();

create or replace trigger tickets_0_assignee_limits before update of customer_id, contact_id, assignee_id
on public.tickets
for each row
execute function private.assignees_keep_ticket_references();

create or replace trigger tickets_0_prepare before insert
on public.tickets
for each row
execute function private.prepare_ticket();

create or replace trigger tickets_1_check before update
on public.tickets
for each row
execute function private.check_ticket();

create or replace trigger tickets_events after insert or update
on public.tickets
for each row
execute function private.on_ticket_change();

create or replace trigger tickets_touch_updated_at before update
on public.tickets
for each row
execute function private.touch_updated_at();

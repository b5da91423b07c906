-- Customer portal: the functions, views and triggers as they run today.
-- RLS policies are in supabase/policies/. Edit here, then `scripts/db diff <name>` writes the
-- migration; the suite fails while the migrations and this file disagree, or while an object
-- of ours is in no file or in two.

-- Links the signed-in user (whose confirmed address the invitation was sent to) to the
-- customer. A member of the organization cannot also be its portal user, and a user is the
-- portal user of one customer only.
create or replace function private.accept_portal_invitation(token text)
returns portal_accounts
language plpgsql security definer
set search_path = ''
as $$
declare
  account public.portal_accounts;
  caller uuid := (select auth.uid());
  caller_email text := private.confirmed_email();
begin
  if caller is null then
    raise exception 'Sign in to accept the invitation' using errcode = '42501';
  end if;
  select * into account from public.portal_accounts as p
  where p.token_hash = sha256(convert_to(coalesce(token, ''), 'UTF8'))
  for update;
  if account.id is null then
    raise exception 'This invitation link is not valid' using errcode = 'PT404';
  elsif account.revoked_at is not null then
    raise exception 'This invitation was withdrawn' using errcode = 'PT410';
  elsif account.accepted_at is not null then
    raise exception 'This invitation has already been used' using errcode = 'PT410';
  elsif account.expires_at <= now() then
    raise exception 'This invitation has expired' using errcode = 'PT410', hint = 'Ask for a new invitation.';
  elsif caller_email is null or caller_email <> account.email then
    raise exception 'This invitation was sent to another email address' using errcode = '42501',
    hint = 'Sign in with the address the invitation was sent to.';
  elsif exists (
    select from public.memberships as m where m.organization_id = account.organization_id and m.user_id = caller
  ) then
    raise exception 'Members of the organization use the app, not the customer portal'
    using errcode = '23505';
  elsif exists (select from public.portal_accounts as p where p.user_id = caller and p.revoked_at is null) then
    raise exception 'This account already uses a customer portal' using errcode = '23505',
    hint = 'Sign up with another email address for each customer.';
  end if;
  perform private.assert_organization_writable(account.organization_id);
  update public.portal_accounts as p
  set user_id = caller, accepted_at = now()
  where p.id = account.id
  returning * into account;
  return account;
end
$$;
revoke all on function private.accept_portal_invitation(token text)
from public, anon, authenticated, service_role;
grant execute on function private.accept_portal_invitation(token text)
to authenticated;

-- Refuses unless the signed-in user is a portal user of this customer and its organization
-- takes changes (not suspended, cancelled or deleted). Returns the user's display name.
create or replace function private.authorize_portal(organization uuid, customer uuid, denied text)
returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  contact_name text;
begin
  select c.name into contact_name
  from public.portal_accounts as p
  inner join public.customer_contacts as c on p.contact_id = c.id
  where p.user_id = (select auth.uid()) and p.revoked_at is null
    and p.organization_id = organization and p.customer_id = customer;
  if contact_name is null then
    raise exception '%', denied using errcode = '42501';
  end if;
  perform private.assert_organization_writable(organization);
  return contact_name;
end
$$;
revoke all on function private.authorize_portal(organization uuid, customer uuid, denied text)
from public, anon, authenticated, service_role;

-- Invites a customer's contact to the portal (owners, admins, dispatchers). Re-inviting
-- replaces a pending invitation. Returns the account id; the token goes only by email.
create or replace function private.invite_portal_user(contact_id uuid)
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  contact record;
  new_token text := private.new_token();
  account_id uuid;
begin
  select c.id, c.organization_id, c.customer_id, c.name, c.email, cu.name as customer_name
  into contact
  from public.customer_contacts as c
  inner join public.customers as cu on c.customer_id = cu.id
  where c.id = invite_portal_user.contact_id
    and c.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'));
  if contact.id is null then
    raise exception 'Contact % was not found', contact_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    contact.organization_id, '{owner,admin,dispatcher}',
    'Only owners, admins and dispatchers invite customers to the portal'
  );
  if contact.email is null then
    raise exception 'The contact has no email address' using errcode = '23514',
    hint = 'Add an email address to the contact first.';
  end if;
  if exists (
    select from public.portal_accounts as p
    where p.organization_id = contact.organization_id and p.contact_id = contact.id
      and p.accepted_at is not null and p.revoked_at is null
  ) then
    raise exception '% already uses the portal', contact.name using errcode = '23505';
  end if;
  update public.portal_accounts as p set revoked_at = now()
  where p.organization_id = contact.organization_id and p.contact_id = contact.id and p.revoked_at is null;

  insert into public.portal_accounts (organization_id, customer_id, contact_id, email, token_hash, invited_by)
  values (
    contact.organization_id, contact.customer_id, contact.id, private.normalize_email(contact.email),
    sha256(convert_to(new_token, 'UTF8')), (select auth.uid())
  )
  returning id into account_id;
  perform queue.enqueue(
    'email.portal_invitation',
    jsonb_build_object(
      'email', private.normalize_email(contact.email), 'contact_name', contact.name,
      'customer_name', contact.customer_name, 'token', new_token
    ),
    contact.organization_id,
    'portal_invitation:' || account_id::text
  );
  return account_id;
end
$$;
revoke all on function private.invite_portal_user(contact_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.invite_portal_user(contact_id uuid)
to authenticated;

create or replace function private.portal_assembly_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select a.id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  inner join public.sites as s on p.organization_id = s.organization_id and p.customer_id = s.customer_id
  inner join public.assemblies as a on s.organization_id = a.organization_id and s.id = a.site_id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null and s.deleted_at is null;
end
$$;
revoke all on function private.portal_assembly_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_assembly_ids()
to authenticated;

-- The customer the signed-in user may see through the portal (at most one), while the
-- account is live and its organization is not deleted. Members of the organization are not
-- portal users of it.
create or replace function private.portal_customer_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select p.customer_id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null;
end
$$;
revoke all on function private.portal_customer_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_customer_ids()
to authenticated;

-- The sites and assemblies of that customer.
create or replace function private.portal_site_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select s.id
  from public.portal_accounts as p
  inner join public.organizations as o on p.organization_id = o.id
  inner join public.sites as s on p.organization_id = s.organization_id and p.customer_id = s.customer_id
  where p.user_id = (select auth.uid()) and p.revoked_at is null and o.deleted_at is null and s.deleted_at is null;
end
$$;
revoke all on function private.portal_site_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_site_ids()
to authenticated;

-- Ends a portal account (owners, admins, dispatchers): its user sees nothing from then on.
create or replace function private.revoke_portal_account(account_id uuid)
returns portal_accounts
language plpgsql security definer
set search_path = ''
as $$
declare
  account public.portal_accounts;
begin
  select * into account from public.portal_accounts as p
  where p.id = account_id and p.organization_id in (select private.organization_ids_for('{owner,admin,dispatcher}'));
  if account.id is null then
    raise exception 'Portal account % was not found', account_id using errcode = 'PT404';
  end if;
  perform private.authorize(
    account.organization_id, '{owner,admin,dispatcher}', 'Only owners, admins and dispatchers manage the portal'
  );
  update public.portal_accounts as p set revoked_at = coalesce(p.revoked_at, now())
  where p.id = account_id
  returning * into account;
  return account;
end
$$;
revoke all on function private.revoke_portal_account(account_id uuid)
from public, anon, authenticated, service_role;
grant execute on function private.revoke_portal_account(account_id uuid)
to authenticated;

create or replace function public.accept_portal_invitation(token text)
returns portal_accounts
language plpgsql
set search_path = ''
as $$
begin
  return private.accept_portal_invitation(token);
end
$$;
revoke all on function public.accept_portal_invitation(token text)
from public, anon, authenticated, service_role;
grant execute on function public.accept_portal_invitation(token text)
to authenticated;

create or replace function public.invite_portal_user(contact_id uuid)
returns uuid
language plpgsql
set search_path = ''
as $$
begin
  return private.invite_portal_user(contact_id);
end
$$;
revoke all on function public.invite_portal_user(contact_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.invite_portal_user(contact_id uuid)
to authenticated;

create or replace function public.revoke_portal_account(account_id uuid)
returns portal_accounts
language plpgsql
set search_path = ''
as $$
begin
  return private.revoke_portal_account(account_id);
end
$$;
revoke all on function public.revoke_portal_account(account_id uuid)
from public, anon, authenticated, service_role;
grant execute on function public.revoke_portal_account(account_id uuid)
to authenticated;

-- The stored documents a portal user may read and download: the PDFs of their sent
-- estimates and invoices and of their finalized test reports.
create or replace function private.portal_document_paths()
returns setof text
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select d.storage_path from public.documents as d
  where d.organization_id in (
    select p.organization_id from public.portal_accounts as p
    where p.user_id = (select auth.uid()) and p.revoked_at is null
  )
    and (
      (d.source_type = 'estimate' and d.source_id in (select e::text from private.portal_estimate_ids() as e))
      or (d.source_type = 'invoice' and d.source_id in (select i::text from private.portal_invoice_ids() as i))
      or (
        d.source_type = 'backflow_test_report'
        and d.source_id in (
          select r.id::text from public.backflow_test_reports as r
          where r.assembly_id in (select private.portal_assembly_ids()) and r.status = 'finalized'
        )
      )
    );
end
$$;
revoke all on function private.portal_document_paths()
from public, anon, authenticated, service_role;
grant execute on function private.portal_document_paths()
to authenticated;

-- The estimates a technician presents on site: those sent to the customers of their assigned work.
create or replace function private.field_estimate_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select e.id from public.estimates as e
  where e.customer_id in (select private.assigned_customer_ids()) and e.status <> 'draft';
end
$$;
revoke all on function private.field_estimate_ids()
from public, anon, authenticated, service_role;
grant execute on function private.field_estimate_ids()
to authenticated;

-- The estimates a portal user may read: their customer's, once sent.
create or replace function private.portal_estimate_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select e.id from public.estimates as e
  where e.customer_id in (select private.portal_customer_ids()) and e.status <> 'draft';
end
$$;
revoke all on function private.portal_estimate_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_estimate_ids()
to authenticated;

-- The invoices a portal user may read: their customer's, once sent.
create or replace function private.portal_invoice_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select i.id from public.invoices as i
  where i.customer_id in (select private.portal_customer_ids()) and i.status <> 'draft';
end
$$;
revoke all on function private.portal_invoice_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_invoice_ids()
to authenticated;

-- The invoices whose lines a portal user or a priced technician may read.
create or replace function private.portal_or_priced_invoice_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select private.portal_invoice_ids()
  union all
  select i.id from public.invoices as i
  where i.work_order_id in (select private.priced_work_order_ids());
end
$$;
revoke all on function private.portal_or_priced_invoice_ids()
from public, anon, authenticated, service_role;
grant execute on function private.portal_or_priced_invoice_ids()
to authenticated;

-- The work orders assigned to the signed-in technician in organizations whose billing
-- settings let technicians see prices.
create or replace function private.priced_work_order_ids()
returns setof uuid
language plpgsql stable security definer
set search_path = ''
as $$
begin
  return query select a.work_order_id
  from private.caller_assignments as a
  inner join public.billing_settings as b on a.organization_id = b.organization_id
  where b.technicians_see_prices;
end
$$;
revoke all on function private.priced_work_order_ids()
from public, anon, authenticated, service_role;
grant execute on function private.priced_work_order_ids()
to authenticated;

create or replace trigger audit_delete after delete
on public.portal_accounts
referencing old table as old_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_insert after insert
on public.portal_accounts
referencing new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger audit_update after update
on public.portal_accounts
referencing old table as old_rows new table as new_rows
for each statement
execute function private.audit_changes('organization_id');

create or replace trigger enforce_organization_writable before insert or delete or update
on public.portal_accounts
for each row
execute function private.enforce_organization_writable();

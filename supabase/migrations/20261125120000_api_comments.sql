-- The API reference lives in the database: a COMMENT on every table, view, column, RPC and enum
-- of the exposed schema. PostgREST serves them as its OpenAPI descriptions, docs/api.md is
-- generated from them (scripts/types), and a conventions test fails on an exposed object without
-- one. A migration that adds an exposed object comments it (`python -m
-- fieldbase_local.api_reference draft` prints a start).

-- Enums ---------------------------------------------------------------------------------------
comment on type public.assembly_kind is
'Backflow prevention assemblies (reduced pressure, double check, pressure / spill-resistant vacuum '
'breakers, detector assemblies) and other equipment a company services.';
comment on type public.assembly_status is
'Whether an assembly is in service (active), taken out (removed) or replaced by another; only active '
'assemblies fall due.';
comment on type public.backflow_report_status is
'A test report is a draft while the tester fills it in, and finalized (signed off, read-only) after '
'finalize_backflow_test.';
comment on type public.backflow_result is
'The outcome of a backflow test, set by the database from the readings and the thresholds of the '
'assembly kind.';
comment on type public.customer_kind is 'A household (residential) or a business (commercial).';
comment on type public.estimate_status is
'An estimate is a draft, then sent; the customer approves or declines it, or it expires; an approved '
'one is converted into work. Moves follow public.estimate_transitions.';
comment on type public.export_kind is
'What an export contains: customers, invoices, payments or test reports, as CSV.';
comment on type public.export_status is
'queued until the worker writes the file, then ready (download it) or failed (see error).';
comment on type public.invoice_status is
'draft until sent; then it follows its balance and due date: partially_paid, paid, overdue; void when'
' cancelled with a reason. Moves follow public.invoice_transitions.';
comment on type public.member_role is
'owner and admin manage members and billing; dispatcher schedules work; technician does the work '
'assigned to them; viewer reads.';
comment on type public.organization_status is
'trialing and active organizations work normally; past_due, suspended and cancelled ones are '
'read-only for their members. Changed by set_organization_status only.';
comment on type public.payment_method is
'How a payment was received: cash, check, card, bank_transfer, stripe (recorded by the Stripe '
'webhook) or other.';
comment on type public.price_book_item_kind is
'A service (an annual test), a part (a repair kit) or labour (an hourly rate).';
comment on type public.report_submission_method is
'How an authority takes test reports: by email (with the PDF), by webhook, or through its own portal '
'(filed by hand; fieldbase records the reference).';
comment on type public.ticket_priority is
'How urgent a ticket is; each priority has its resolution target in ticket_sla_targets.';
comment on type public.ticket_status is
'open, in_progress, waiting_for_customer, then resolved (reopens on a customer comment) and closed. '
'Moves follow public.ticket_transitions.';
comment on type public.visit_status is
'scheduled, confirmed with the customer, then completed, cancelled or missed (nobody was there).';
comment on type public.work_order_priority is 'How urgent a work order is: low, normal, high, emergency.';
comment on type public.work_order_source is
'Why the work exists: a customer asked, a service agreement''s period came, a test fell due.';
comment on type public.work_order_status is
'draft, scheduled, dispatched, in_progress, completed; on_hold and cancelled need a reason. Moves '
'follow public.work_order_transitions, through move_work_order.';

comment on table public.activity is
'What happened in an organization, in words a person reads ("Ada joined as technician").';
comment on column public.activity.id is 'Primary key.';
comment on column public.activity.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.activity.actor_id is 'Who did it; null for the platform (cron, the worker).';
comment on column public.activity.verb is
'Dotted event name: ''member.joined'', ''invitation.sent'', ''organization.status_changed''.';
comment on column public.activity.subject_type is
'What kind of thing it is about: ''member'', ''invitation'', ''work_order'', ''invoice'' ...';
comment on column public.activity.subject_id is 'The id of that thing, as text.';
comment on column public.activity.summary is 'The sentence a person reads.';
comment on column public.activity.data is 'Details for frontends that render their own wording.';
comment on column public.activity.created_at is 'When the row was created.';

comment on table public.assemblies is
'A backflow assembly or other piece of equipment at a site, and when its next test is due.';
comment on column public.assemblies.id is 'Primary key.';
comment on column public.assemblies.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.assemblies.site_id is 'The site (public.sites).';
comment on column public.assemblies.kind is 'What it is (see assembly_kind).';
comment on column public.assemblies.make is 'The manufacturer.';
comment on column public.assemblies.model is 'The manufacturer''s model.';
comment on column public.assemblies.serial_number is
'As written on the assembly; unique per organization however it is typed (see serial_key).';
comment on column public.assemblies.serial_key is
'The serial as the uniqueness check sees it: "AB-12 34" and "ab1234" are the same assembly.';
comment on column public.assemblies.size is 'Nominal size, e.g. ''3/4"'' or ''2"''.';
comment on column public.assemblies.location_at_site is 'Where it is at the site ("basement, by the meter").';
comment on column public.assemblies.hazard is
'Degree of hazard (high / low) and what it protects (domestic, irrigation, fire).';
comment on column public.assemblies.service_type is
'What it protects, as the authority names it (domestic, irrigation, fire).';
comment on column public.assemblies.installed_on is 'When it was installed, if known.';
comment on column public.assemblies.status is 'In service, removed or replaced (see assembly_status).';
comment on column public.assemblies.test_interval_months is
'Months between required tests (yearly for most authorities).';
comment on column public.assemblies.last_tested_on is
'Set from the latest passing test report, never by hand; the due date follows from it.';
comment on column public.assemblies.next_due_on is
'When its next test is due: the last passing test plus the test interval; null until it has one.';
comment on column public.assemblies.notes is 'Internal notes.';
comment on column public.assemblies.created_at is 'When the row was created.';
comment on column public.assemblies.updated_at is 'When the row last changed.';

comment on view public.assemblies_due is
'Every active assembly with a due date: when, in how many days, and where. Security invoker: RLS on '
'assemblies, sites and customers decides what a caller sees (technicians: their work).';
comment on column public.assemblies_due.assembly_id is 'The assembly (public.assemblies).';
comment on column public.assemblies_due.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.assemblies_due.kind is 'What it is.';
comment on column public.assemblies_due.serial_number is 'Its serial number.';
comment on column public.assemblies_due.next_due_on is 'When its next test is due.';
comment on column public.assemblies_due.days_until_due is
'Days from today to the due date; negative when overdue.';
comment on column public.assemblies_due.overdue is 'Whether the due date has passed.';
comment on column public.assemblies_due.site_id is 'Its site (public.sites).';
comment on column public.assemblies_due.line1 is 'The site''s street address.';
comment on column public.assemblies_due.city is 'The site''s city.';
comment on column public.assemblies_due.water_authority_id is
'The site''s water authority, who receives the test report.';
comment on column public.assemblies_due.customer_id is 'The customer (public.customers).';
comment on column public.assemblies_due.customer_name is 'The customer''s name.';

comment on table public.audit_log is
'Every insert, update and delete on tenant tables, and every sensitive RPC call: who, what, when and '
'from where. Append-only; owners and admins read their organization''s rows.';
comment on column public.audit_log.id is 'Primary key.';
comment on column public.audit_log.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.audit_log.actor_id is
'The JWT''s sub; null for service_role, cron and migrations (see actor_role).';
comment on column public.audit_log.actor_role is
'The JWT''s role, or the database role when there is no JWT.';
comment on column public.audit_log.table_name is
'The table changed, or the function called (''call'' actions).';
comment on column public.audit_log.record_id is 'The id of the row changed, as text.';
comment on column public.audit_log.old_values is
'Whole row for insert and delete; only the changed columns for update.';
comment on column public.audit_log.new_values is
'Whole row for insert; only the changed columns for update. Secrets (token hashes) are left out.';
comment on column public.audit_log.occurred_at is 'When it happened (the transaction''s time).';

comment on table public.backflow_test_reports is 'One field test of one assembly.';
comment on column public.backflow_test_reports.id is 'Primary key.';
comment on column public.backflow_test_reports.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.backflow_test_reports.assembly_id is 'The assembly tested (public.assemblies).';
comment on column public.backflow_test_reports.work_order_id is 'The work order it was done under, if any.';
comment on column public.backflow_test_reports.user_id is 'The tester (a member of the organization).';
comment on column public.backflow_test_reports.certification_id is
'The tester certification (public.tester_certifications).';
comment on column public.backflow_test_reports.gauge_id is 'The test gauge (public.test_gauges).';
comment on column public.backflow_test_reports.tested_on is 'The day of the test.';
comment on column public.backflow_test_reports.check_valve_1_psid is
'Check valve 1 reading, psid (RP, DC, DCDA, RPDA).';
comment on column public.backflow_test_reports.check_valve_2_psid is
'Check valve 2 reading, psid (DC, DCDA).';
comment on column public.backflow_test_reports.relief_valve_opening_psid is
'Relief valve opening point, psid (RP, RPDA).';
comment on column public.backflow_test_reports.air_inlet_opening_psid is
'Air inlet opening point, psid (PVB, SVB).';
comment on column public.backflow_test_reports.result is
'Set by the database from the readings: null while a required reading is missing.';
comment on column public.backflow_test_reports.failed_checks is
'The readings below their threshold, set by the database.';
comment on column public.backflow_test_reports.repairs is
'What was repaired (on a failed test) before the retest.';
comment on column public.backflow_test_reports.retest_of_id is
'A retest after repair points at the failed report it follows.';
comment on column public.backflow_test_reports.notes is 'The tester''s notes, printed on the report.';
comment on column public.backflow_test_reports.status is 'draft or finalized (read-only from then on).';
comment on column public.backflow_test_reports.finalized_at is 'When it was finalized.';
comment on column public.backflow_test_reports.finalized_by is 'Who finalized it.';
comment on column public.backflow_test_reports.submitted_via is
'How it was filed with the water authority, once it was.';
comment on column public.backflow_test_reports.submission_reference is
'The authority''s reference for the filing (a portal confirmation number).';
comment on column public.backflow_test_reports.created_at is 'When the row was created.';
comment on column public.backflow_test_reports.updated_at is 'When the row last changed.';

comment on table public.backflow_test_thresholds is
'The minimum each reading must reach, per assembly kind (psid). A kind''s required readings are '
'exactly its rows. Common field-test practice: RP check valve 1 at least 5.0, relief valve opening at'
' least 2.0, check valve 2 at least 1.0; DC both check valves at least 1.0; PVB and SVB air inlet '
'opening and check valve at least 1.0.';
comment on column public.backflow_test_thresholds.kind is 'The assembly kind.';
comment on column public.backflow_test_thresholds.reading is
'Which reading: check_valve_1, check_valve_2, relief_valve_opening or air_inlet_opening.';
comment on column public.backflow_test_thresholds.label is 'How the reading is named on the report.';
comment on column public.backflow_test_thresholds.minimum_psid is 'The least a passing reading may be, psid.';

comment on view public.background_jobs is
'Background jobs (emails, documents, webhook deliveries) of the caller''s organizations, for owners '
'and admins. Other members and anon see no rows.';
comment on column public.background_jobs.id is 'The job''s id (for retry_job).';
comment on column public.background_jobs.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.background_jobs.kind is
'What it does, dotted: ''email.invoice_sent'', ''pdf.render'', ''webhook.deliver'', ''export.csv'' '
'...';
comment on column public.background_jobs.status is
'queued, running, retrying (after a failure), succeeded, dead (gave up; see last_error; retry_job '
'queues it again) or cancelled.';
comment on column public.background_jobs.attempts is 'How many times it has run.';
comment on column public.background_jobs.max_attempts is 'How many times it may run before it is dead.';
comment on column public.background_jobs.run_at is 'When it runs next.';
comment on column public.background_jobs.last_error is 'Why the last attempt failed.';
comment on column public.background_jobs.errors is 'Every attempt''s error, oldest first.';
comment on column public.background_jobs.result is 'What it produced (a document id, a message id).';
comment on column public.background_jobs.created_at is 'When it was queued.';
comment on column public.background_jobs.started_at is 'When the last attempt started.';
comment on column public.background_jobs.finished_at is 'When it succeeded or died.';

comment on table public.billing_settings is 'One row per organization, made with defaults on first use.';
comment on column public.billing_settings.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.billing_settings.payment_terms_days is 'Days from issue to due date.';
comment on column public.billing_settings.reminder_days is
'Days after the due date on which a reminder goes out (each step at most once).';
comment on column public.billing_settings.estimate_valid_days is
'Days an estimate stays valid when sent without a date.';
comment on column public.billing_settings.technicians_see_prices is
'Whether technicians see the prices of the work assigned to them.';
comment on column public.billing_settings.stripe_account_id is
'The organization''s connected Stripe account (acct_...): Stripe events from any other account never '
'touch its invoices.';
comment on column public.billing_settings.pay_url_template is
'Where customers pay an invoice; {payment_reference} is replaced by the invoice''s.';
comment on column public.billing_settings.id is 'Primary key.';
comment on column public.billing_settings.created_at is 'When the row was created.';
comment on column public.billing_settings.updated_at is 'When the row last changed.';

comment on table public.business_hours is
'When the organization works, per ISO weekday (1 Monday ... 7 Sunday), in its time zone. An '
'organization without rows works Monday to Friday, 08:00 to 17:00.';
comment on column public.business_hours.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.business_hours.weekday is 'ISO weekday: 1 Monday ... 7 Sunday.';
comment on column public.business_hours.opens is 'Opening time, in the organization''s time zone.';
comment on column public.business_hours.closes is 'Closing time, in the organization''s time zone.';
comment on column public.business_hours.id is 'Primary key.';

comment on table public.credit_notes is
'A reduction of a sent invoice''s balance, numbered gap-free, with its reason.';
comment on column public.credit_notes.id is 'Primary key.';
comment on column public.credit_notes.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.credit_notes.number is '1, 2, 3... per organization, set by the database.';
comment on column public.credit_notes.invoice_id is 'The invoice (public.invoices).';
comment on column public.credit_notes.amount_cents is 'How much it takes off the balance, in minor units.';
comment on column public.credit_notes.reason is 'Why, printed on the credit note.';
comment on column public.credit_notes.created_by is 'The user who created it.';
comment on column public.credit_notes.created_at is 'When the row was created.';

comment on table public.customer_contacts is
'A person to call or write at a customer (the site manager, accounts payable).';
comment on column public.customer_contacts.id is 'Primary key.';
comment on column public.customer_contacts.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.customer_contacts.customer_id is 'The customer (public.customers).';
comment on column public.customer_contacts.name is 'Their name.';
comment on column public.customer_contacts.role is 'Their role at the customer ("Facilities manager").';
comment on column public.customer_contacts.email is 'Their email address.';
comment on column public.customer_contacts.phone is 'Their phone number.';
comment on column public.customer_contacts.is_primary is 'The customer''s main contact (at most one).';
comment on column public.customer_contacts.created_at is 'When the row was created.';
comment on column public.customer_contacts.updated_at is 'When the row last changed.';

comment on table public.customers is
'Someone a company works for: a household or a business, with its billing address.';
comment on column public.customers.id is 'Primary key.';
comment on column public.customers.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.customers.kind is 'residential or commercial.';
comment on column public.customers.name is
'The customer''s name; unique per organization with the billing postal code.';
comment on column public.customers.email is 'Where invoices and estimates are emailed.';
comment on column public.customers.phone is 'Their phone number.';
comment on column public.customers.billing_line1 is 'Billing address, first line.';
comment on column public.customers.billing_line2 is 'Billing address, second line.';
comment on column public.customers.billing_city is 'Billing city.';
comment on column public.customers.billing_region is 'Billing state, province or region.';
comment on column public.customers.billing_postal_code is 'Billing postal code.';
comment on column public.customers.billing_country is 'Billing country, ISO 3166-1 alpha-2 (US).';
comment on column public.customers.water_account_number is
'The customer''s account number with their water utility (on test reports).';
comment on column public.customers.notes is 'Internal notes.';
comment on column public.customers.tags is 'Free labels for filtering (at most 50).';
comment on column public.customers.match_key is
'One live customer per organization by name and postal code, however they are typed.';
comment on column public.customers.search_text is
'What the search box matches (name, email, phone, address), lower-cased for the trigram index.';
comment on column public.customers.created_by is 'The user who created it.';
comment on column public.customers.created_at is 'When the row was created.';
comment on column public.customers.updated_at is 'When the row last changed.';
comment on column public.customers.deleted_at is 'When it was archived; null while it is active.';

comment on table public.documents is
'PDFs the worker rendered (invoices, estimates, test reports, work orders), stored in the private '
'documents bucket under the organization''s folder. Download them with a signed URL.';
comment on column public.documents.id is 'Primary key.';
comment on column public.documents.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.documents.kind is 'invoice, estimate, inspection_report or work_order.';
comment on column public.documents.title is 'The file''s title, shown in lists.';
comment on column public.documents.storage_bucket is 'The Storage bucket (documents).';
comment on column public.documents.storage_path is
'Starts with the organization''s id, so storage policies can check it.';
comment on column public.documents.content_type is 'Its media type (application/pdf).';
comment on column public.documents.size_bytes is 'Its size in bytes.';
comment on column public.documents.sha256 is 'SHA-256 of its bytes, hex.';
comment on column public.documents.page_count is 'Its number of pages.';
comment on column public.documents.source_type is
'What the document was rendered from (''invoice'', <id>), when it was.';
comment on column public.documents.source_id is 'The id of what it was rendered from.';
comment on column public.documents.job_id is 'The background job that rendered it.';
comment on column public.documents.created_at is 'When the row was created.';
comment on column public.documents.updated_at is 'When the row last changed.';

comment on table public.estimate_lines is
'A priced line of an option. Amounts are minor units; the subtotal is quantity x unit price rounded '
'half away from zero, the discount a percentage of it, rounded the same way.';
comment on column public.estimate_lines.id is 'Primary key.';
comment on column public.estimate_lines.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.estimate_lines.estimate_id is 'The estimate (public.estimates).';
comment on column public.estimate_lines.option_id is 'The option it belongs to (public.estimate_options).';
comment on column public.estimate_lines.position is 'Order in the list.';
comment on column public.estimate_lines.price_book_item_id is 'The price book item it came from, if any.';
comment on column public.estimate_lines.description is 'What is sold, as the customer reads it.';
comment on column public.estimate_lines.quantity is 'How many (up to three decimals).';
comment on column public.estimate_lines.unit is 'The unit (each, hour, ft).';
comment on column public.estimate_lines.unit_price_cents is
'Price per unit in minor units, before discount and tax.';
comment on column public.estimate_lines.discount_percent is 'Discount on this line, 0 to 100.';
comment on column public.estimate_lines.taxable is 'Whether tax applies to this line.';
comment on column public.estimate_lines.tax_rate is
'The tax rate as a fraction (0.0625 is 6.25%), copied from the item''s rate or the organization''s '
'default when the line is made.';
comment on column public.estimate_lines.subtotal_cents is
'quantity x unit price, rounded half away from zero (computed).';
comment on column public.estimate_lines.discount_cents is 'The discount, rounded the same way (computed).';
comment on column public.estimate_lines.net_cents is 'Subtotal less discount (computed).';

comment on table public.estimate_options is
'One choice the customer has (a single-option estimate has one). Totals are the database''s.';
comment on column public.estimate_options.id is 'Primary key.';
comment on column public.estimate_options.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.estimate_options.estimate_id is 'The estimate (public.estimates).';
comment on column public.estimate_options.name is 'What the option is called ("Repair", "Replace").';
comment on column public.estimate_options.description is 'What it includes.';
comment on column public.estimate_options.position is 'Order among the estimate''s options.';
comment on column public.estimate_options.subtotal_cents is
'Sum of the lines'' net amounts (set by the database).';
comment on column public.estimate_options.discount_cents is
'Discount on the whole option (set by the database).';
comment on column public.estimate_options.tax_cents is 'Tax on its taxable lines (set by the database).';
comment on column public.estimate_options.total_cents is 'Subtotal less discount plus tax (computed).';

comment on table public.estimate_transitions is
'The legal moves of an estimate: the one table the database enforces and frontends read.';
comment on column public.estimate_transitions.from_status is 'The status it is in.';
comment on column public.estimate_transitions.to_status is 'The status it may move to.';

comment on table public.estimates is
'A priced proposal to a customer, with one or more options; numbered per organization. Sent with '
'send_estimate, decided with approve_estimate or decline_estimate.';
comment on column public.estimates.id is 'Primary key.';
comment on column public.estimates.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.estimates.number is '1, 2, 3... per organization, set by the database.';
comment on column public.estimates.customer_id is 'The customer (public.customers).';
comment on column public.estimates.site_id is 'The site (public.sites).';
comment on column public.estimates.title is 'What it is for.';
comment on column public.estimates.notes is 'Shown to the customer on the estimate.';
comment on column public.estimates.currency is 'The organization''s currency when the estimate was made.';
comment on column public.estimates.status is 'See estimate_status.';
comment on column public.estimates.valid_until is 'Last day it can be approved.';
comment on column public.estimates.sent_at is 'When it was sent.';
comment on column public.estimates.approved_option_id is 'The option the customer approved.';
comment on column public.estimates.decided_at is 'When it was approved or declined.';
comment on column public.estimates.decided_by is 'The user who decided (a member or the portal user).';
comment on column public.estimates.decided_by_name is 'Their name at the time, for the record.';
comment on column public.estimates.decline_reason is 'Why it was declined.';
comment on column public.estimates.work_order_id is 'What the approved estimate became.';
comment on column public.estimates.created_by is 'The user who created it.';
comment on column public.estimates.created_at is 'When the row was created.';
comment on column public.estimates.updated_at is 'When the row last changed.';
comment on column public.estimates.invoice_id is 'The invoice (public.invoices).';

comment on table public.exports is
'An export asked for with request_export: the worker writes the CSV to storage and notifies the '
'requester.';
comment on column public.exports.id is 'Primary key.';
comment on column public.exports.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.exports.kind is 'What it contains (see export_kind).';
comment on column public.exports.status is 'queued, ready or failed.';
comment on column public.exports.requested_by is 'Who asked for it; they are notified.';
comment on column public.exports.storage_path is 'In the documents bucket, under the organization''s folder.';
comment on column public.exports.row_count is 'Rows written.';
comment on column public.exports.size_bytes is 'Size of the file.';
comment on column public.exports.error is 'Why it failed.';
comment on column public.exports.created_at is 'When the row was created.';
comment on column public.exports.completed_at is 'When it became ready or failed.';

comment on table public.feature_flags is 'A flag and its global default.';
comment on column public.feature_flags.key is 'The flag''s name (lower-case, dotted).';
comment on column public.feature_flags.description is 'What it switches.';
comment on column public.feature_flags.enabled is 'Its default for every organization.';
comment on column public.feature_flags.updated_at is 'When the row last changed.';

comment on table public.invitations is
'An invitation to join an organization with a role. Only a hash of its token is stored; the token is '
'in the email.';
comment on column public.invitations.id is 'Primary key.';
comment on column public.invitations.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.invitations.email is
'The invited address (normalised); only a user with this confirmed address can accept.';
comment on column public.invitations.role is 'The role the invitee gets.';
comment on column public.invitations.token_hash is
'SHA-256 of the token sent in the email; never readable through the API.';
comment on column public.invitations.invited_by is 'Who invited.';
comment on column public.invitations.expires_at is 'After this it cannot be accepted (7 days).';
comment on column public.invitations.accepted_at is 'When it was accepted.';
comment on column public.invitations.accepted_by is 'The user who accepted.';
comment on column public.invitations.revoked_at is 'When it was withdrawn.';
comment on column public.invitations.created_at is 'When the row was created.';

comment on table public.invoice_lines is
'A priced line of an invoice. Amounts are minor units; subtotal, discount and net are computed the '
'same way as estimate lines.';
comment on column public.invoice_lines.id is 'Primary key.';
comment on column public.invoice_lines.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.invoice_lines.invoice_id is 'The invoice (public.invoices).';
comment on column public.invoice_lines.position is 'Order in the list.';
comment on column public.invoice_lines.price_book_item_id is 'The price book item it came from, if any.';
comment on column public.invoice_lines.description is 'What is sold, as the customer reads it.';
comment on column public.invoice_lines.quantity is 'How many (up to three decimals).';
comment on column public.invoice_lines.unit is 'The unit (each, hour, ft).';
comment on column public.invoice_lines.unit_price_cents is
'Price per unit in minor units, before discount and tax.';
comment on column public.invoice_lines.discount_percent is 'Discount on this line, 0 to 100.';
comment on column public.invoice_lines.taxable is 'Whether tax applies to this line.';
comment on column public.invoice_lines.tax_rate is
'The tax rate as a fraction (0.0625 is 6.25%), copied from the item''s rate or the organization''s '
'default when the line is made.';
comment on column public.invoice_lines.subtotal_cents is
'quantity x unit price, rounded half away from zero (computed).';
comment on column public.invoice_lines.discount_cents is 'The discount, rounded the same way (computed).';
comment on column public.invoice_lines.net_cents is 'Subtotal less discount (computed).';

comment on table public.invoice_reminders is
'The reminders an invoice has had: one per step of the organization''s schedule, ever.';
comment on column public.invoice_reminders.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.invoice_reminders.invoice_id is 'The invoice (public.invoices).';
comment on column public.invoice_reminders.step is 'Days after the due date.';
comment on column public.invoice_reminders.id is 'Primary key.';
comment on column public.invoice_reminders.sent_at is 'When the reminder was queued.';

comment on table public.invoice_transitions is
'The legal moves of an invoice. Only sending and voiding are asked for; the others follow the balance'
' (payments, refunds, credit notes) and the due date.';
comment on column public.invoice_transitions.from_status is 'The status it is in.';
comment on column public.invoice_transitions.to_status is 'The status it may move to.';

comment on table public.invoices is
'A bill to a customer. Totals and balance are the database''s; a sent invoice changes only by '
'payments, refunds, credit notes or a void.';
comment on column public.invoices.id is 'Primary key.';
comment on column public.invoices.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.invoices.number is
'1, 2, 3... per organization, given when the invoice is sent (drafts have none).';
comment on column public.invoices.customer_id is 'The customer (public.customers).';
comment on column public.invoices.site_id is 'The site (public.sites).';
comment on column public.invoices.work_order_id is 'The work order it bills, if any.';
comment on column public.invoices.agreement_id is 'The service agreement whose period it bills, if any.';
comment on column public.invoices.period_start is 'The agreement period it bills.';
comment on column public.invoices.estimate_id is 'The estimate it came from, if any.';
comment on column public.invoices.title is 'What it is for.';
comment on column public.invoices.notes is 'Shown to the customer on the invoice.';
comment on column public.invoices.currency is 'ISO 4217 code, the organization''s when it was made.';
comment on column public.invoices.status is 'See invoice_status.';
comment on column public.invoices.payment_terms_days is 'Days from issue to due date.';
comment on column public.invoices.issued_on is 'When it was sent (the organization''s date).';
comment on column public.invoices.due_on is 'When payment is due.';
comment on column public.invoices.subtotal_cents is 'Sum of the lines'' net amounts (set by the database).';
comment on column public.invoices.discount_cents is 'Discount on the whole invoice.';
comment on column public.invoices.tax_cents is 'Tax on the taxable lines (set by the database).';
comment on column public.invoices.total_cents is 'Subtotal less discount plus tax (computed).';
comment on column public.invoices.credited_cents is 'Sum of its credit notes.';
comment on column public.invoices.paid_cents is 'Payments less refunds.';
comment on column public.invoices.balance_cents is
'What is still owed: total less credits less payments (computed).';
comment on column public.invoices.payment_reference is
'What the customer''s payment link carries (Stripe metadata): not the invoice id, so knowing an '
'invoice''s id is not enough to aim a payment at it.';
comment on column public.invoices.sent_at is 'When it was sent.';
comment on column public.invoices.paid_at is 'When its balance reached zero.';
comment on column public.invoices.voided_at is 'When it was voided.';
comment on column public.invoices.void_reason is 'Why it was voided.';
comment on column public.invoices.created_by is 'The user who created it.';
comment on column public.invoices.created_at is 'When the row was created.';
comment on column public.invoices.updated_at is 'When the row last changed.';

comment on table public.memberships is
'A user''s membership of an organization, with their role. What a member may see and do follows from '
'it.';
comment on column public.memberships.id is 'Primary key.';
comment on column public.memberships.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.memberships.user_id is 'The member''s user (public.profiles).';
comment on column public.memberships.role is 'What the member may do (see member_role).';
comment on column public.memberships.invited_by is 'Who invited them.';
comment on column public.memberships.created_at is 'When the row was created.';
comment on column public.memberships.updated_at is 'When the row last changed.';

comment on table public.notifications is 'Something one user should see; read_at is set when they read it.';
comment on column public.notifications.id is 'Primary key.';
comment on column public.notifications.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.notifications.user_id is 'Who it is for (public.profiles).';
comment on column public.notifications.kind is
'What happened (''invitation.accepted'', ''export.ready'' ...).';
comment on column public.notifications.title is 'The headline.';
comment on column public.notifications.body is 'More words, if any.';
comment on column public.notifications.link is 'Where the frontend should take the user (a path).';
comment on column public.notifications.data is 'Details for the frontend.';
comment on column public.notifications.read_at is 'When the user read it; null while unread.';
comment on column public.notifications.created_at is 'When the row was created.';

comment on table public.organization_feature_flags is
'An organization''s own setting for a flag, over the global default.';
comment on column public.organization_feature_flags.id is 'Primary key.';
comment on column public.organization_feature_flags.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.organization_feature_flags.flag_key is 'The feature flag (public.feature_flags).';
comment on column public.organization_feature_flags.enabled is
'The organization''s setting, over the flag''s default.';
comment on column public.organization_feature_flags.updated_at is 'When the row last changed.';

comment on table public.organizations is 'A field-service business using fieldbase.';
comment on column public.organizations.id is 'Primary key.';
comment on column public.organizations.name is 'Its name as customers see it (on documents and emails).';
comment on column public.organizations.slug is
'Lower-case words joined by hyphens; normalised from the name when not given.';
comment on column public.organizations.plan_id is 'The plan (public.plans).';
comment on column public.organizations.status is
'See organization_status; changed only by set_organization_status.';
comment on column public.organizations.trial_ends_at is 'When the trial ends.';
comment on column public.organizations.time_zone is 'IANA time zone used for schedules and documents.';
comment on column public.organizations.currency is 'ISO 4217 code for its prices and invoices.';
comment on column public.organizations.default_tax_rate is
'A fraction (0.0625 is 6.25%) for lines without a tax rate.';
comment on column public.organizations.branding is 'Document branding: logo_url, primary_color, footer text.';
comment on column public.organizations.require_mfa is
'When true, sensitive actions (roles, ownership, deletion) need an aal2 (MFA) session.';
comment on column public.organizations.created_by is 'The user who created it.';
comment on column public.organizations.created_at is 'When the row was created.';
comment on column public.organizations.updated_at is 'When the row last changed.';
comment on column public.organizations.deleted_at is
'Soft delete: a deleted organization disappears for its members and keeps its data.';

comment on table public.payment_refunds is
'Money returned from a payment, recorded once per idempotency key.';
comment on column public.payment_refunds.id is 'Primary key.';
comment on column public.payment_refunds.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.payment_refunds.invoice_id is 'The invoice paid (public.invoices).';
comment on column public.payment_refunds.payment_id is 'The payment refunded (public.payments).';
comment on column public.payment_refunds.amount_cents is 'How much went back, in minor units.';
comment on column public.payment_refunds.reason is 'Why.';
comment on column public.payment_refunds.idempotency_key is
'A retried request with the same key refunds nothing more.';
comment on column public.payment_refunds.refunded_at is 'When it was refunded.';
comment on column public.payment_refunds.recorded_by is 'Who recorded it.';

comment on table public.payments is
'Money received against an invoice: recorded by hand (record_payment) or by the Stripe webhook. One '
'row per idempotency key.';
comment on column public.payments.id is 'Primary key.';
comment on column public.payments.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.payments.invoice_id is 'The invoice (public.invoices).';
comment on column public.payments.amount_cents is 'How much, in minor units of the invoice''s currency.';
comment on column public.payments.method is 'See payment_method.';
comment on column public.payments.reference is 'A cheque number, a transfer reference.';
comment on column public.payments.received_at is 'When it was received.';
comment on column public.payments.idempotency_key is
'A retried request with the same key records nothing more.';
comment on column public.payments.stripe_payment_intent_id is
'The Stripe PaymentIntent (pi_...) for Stripe payments.';
comment on column public.payments.refunded_cents is 'How much of it was refunded.';
comment on column public.payments.recorded_by is 'Who recorded it; null for Stripe.';
comment on column public.payments.created_at is 'When the row was created.';

comment on table public.plans is
'The price list: each plan''s limits (null means unlimited). Readable by anyone.';
comment on column public.plans.id is 'Primary key.';
comment on column public.plans.name is 'The plan''s name.';
comment on column public.plans.max_members is 'People in the organization, all roles together.';
comment on column public.plans.max_technicians is 'Members with the technician role.';
comment on column public.plans.max_storage_mb is 'Documents and uploads, in megabytes.';
comment on column public.plans.max_jobs_per_month is 'Work orders (jobs) created per calendar month.';
comment on column public.plans.sort_order is 'Order on a pricing page.';

comment on view public.platform_diagnostics is
'Connections, slowest statements, queue depth and recent cron failures, for platform staff; everyone '
'else sees no rows.';
comment on column public.platform_diagnostics.section is
'connections, slow_statements, queue_depth or cron_failures.';
comment on column public.platform_diagnostics.name is 'What is measured.';
comment on column public.platform_diagnostics.value is 'The figure.';
comment on column public.platform_diagnostics.detail is 'More about it (the statement, the failing job).';

comment on table public.portal_accounts is
'A customer''s contact invited to the customer portal, and the user who accepted. A revoked account '
'sees nothing.';
comment on column public.portal_accounts.id is 'Primary key.';
comment on column public.portal_accounts.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.portal_accounts.customer_id is 'The customer the account sees (public.customers).';
comment on column public.portal_accounts.contact_id is 'The contact invited (public.customer_contacts).';
comment on column public.portal_accounts.email is
'Where the invitation went; only a user with this confirmed address can accept it.';
comment on column public.portal_accounts.user_id is 'Set when the invitation is accepted.';
comment on column public.portal_accounts.token_hash is
'SHA-256 of the invitation token; never readable through the API.';
comment on column public.portal_accounts.invited_by is 'Who invited them.';
comment on column public.portal_accounts.invited_at is 'When the invitation was sent.';
comment on column public.portal_accounts.expires_at is 'After this the invitation cannot be accepted.';
comment on column public.portal_accounts.accepted_at is 'When it was accepted.';
comment on column public.portal_accounts.revoked_at is 'When the account was ended (revoke_portal_account).';

comment on table public.price_book_item_costs is
'What an item costs the organization (parts bought in): for owners and admins only, so it lives '
'beside the item rather than in a column others could select.';
comment on column public.price_book_item_costs.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.price_book_item_costs.item_id is 'The item (public.price_book_items).';
comment on column public.price_book_item_costs.unit_cost_cents is
'What one unit costs the organization, in minor units.';
comment on column public.price_book_item_costs.updated_at is 'When the row last changed.';
comment on column public.price_book_item_costs.id is 'Primary key.';

comment on table public.price_book_items is
'What the organization sells: a service (an annual backflow test), a part (a repair kit) or labour '
'(an hourly rate).';
comment on column public.price_book_items.id is 'Primary key.';
comment on column public.price_book_items.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.price_book_items.kind is 'service, part or labour.';
comment on column public.price_book_items.code is 'The organization''s own code (SKU), optional.';
comment on column public.price_book_items.name is 'Its name on estimates and invoices.';
comment on column public.price_book_items.description is 'More about it.';
comment on column public.price_book_items.unit is 'The unit it is sold by (each, hour, ft).';
comment on column public.price_book_items.unit_price_cents is 'Its current price per unit, in minor units.';
comment on column public.price_book_items.tax_rate_id is 'Null: the organization''s default tax rate.';
comment on column public.price_book_items.taxable is 'Whether tax applies.';
comment on column public.price_book_items.active is 'Inactive items are kept for history and not offered.';
comment on column public.price_book_items.created_at is 'When the row was created.';
comment on column public.price_book_items.updated_at is 'When the row last changed.';

comment on table public.price_book_prices is
'Every price an item has had, and since when: made by the database on every change.';
comment on column public.price_book_prices.id is 'Primary key.';
comment on column public.price_book_prices.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.price_book_prices.item_id is 'The item (public.price_book_items).';
comment on column public.price_book_prices.unit_price_cents is 'The price from effective_at on.';
comment on column public.price_book_prices.effective_at is 'When the price took effect.';
comment on column public.price_book_prices.changed_by is 'Who changed it.';

comment on table public.profiles is
'A user''s public profile (name, avatar), made when they sign up. Members of the same organization '
'read each other''s.';
comment on column public.profiles.id is 'The user''s id (auth.users).';
comment on column public.profiles.email is 'Their sign-in address, copied from Supabase Auth.';
comment on column public.profiles.full_name is 'Their name as others see it.';
comment on column public.profiles.avatar_url is 'A picture of them (http or https).';
comment on column public.profiles.created_at is 'When the row was created.';
comment on column public.profiles.updated_at is 'When the row last changed.';

comment on view public.receivables_aging is
'What each customer owes on sent invoices, by days past due (current, 1-30, 31-60, 61-90, over 90), '
'per currency. Security invoker: RLS on invoices decides what is counted.';
comment on column public.receivables_aging.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.receivables_aging.customer_id is 'The customer (public.customers).';
comment on column public.receivables_aging.currency is 'ISO 4217 code of the amounts.';
comment on column public.receivables_aging.current_cents is 'Owed and not yet due.';
comment on column public.receivables_aging.days_1_30_cents is '1 to 30 days past due.';
comment on column public.receivables_aging.days_31_60_cents is '31 to 60 days past due.';
comment on column public.receivables_aging.days_61_90_cents is '61 to 90 days past due.';
comment on column public.receivables_aging.days_over_90_cents is 'More than 90 days past due.';
comment on column public.receivables_aging.total_cents is 'Everything the customer owes.';
comment on column public.receivables_aging.open_invoices is 'How many invoices are unpaid.';

comment on table public.service_agreement_assemblies is 'The assemblies an agreement covers (at its site).';
comment on column public.service_agreement_assemblies.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.service_agreement_assemblies.agreement_id is
'The service agreement (public.service_agreements).';
comment on column public.service_agreement_assemblies.assembly_id is 'The assembly (public.assemblies).';
comment on column public.service_agreement_assemblies.id is 'Primary key.';

comment on table public.service_agreements is
'A recurring contract at a customer''s site: every N months a work order is created for the '
'assemblies it covers, and the period is invoiced.';
comment on column public.service_agreements.id is 'Primary key.';
comment on column public.service_agreements.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.service_agreements.customer_id is 'The customer (public.customers).';
comment on column public.service_agreements.site_id is 'The site the work is at (public.sites).';
comment on column public.service_agreements.name is 'What the agreement is called.';
comment on column public.service_agreements.every_months is
'Every N months from starts_on (12: yearly, 3: quarterly).';
comment on column public.service_agreements.starts_on is 'The first period starts on this day.';
comment on column public.service_agreements.ends_on is 'No period starts after this day; null: until ended.';
comment on column public.service_agreements.lead_days is
'How many days before a period starts its work order is created.';
comment on column public.service_agreements.price_cents is
'What a period costs, in minor units of the organization''s currency (invoiced later).';
comment on column public.service_agreements.active is 'Inactive agreements create no more work.';
comment on column public.service_agreements.created_at is 'When the row was created.';
comment on column public.service_agreements.updated_at is 'When the row last changed.';

comment on table public.sites is
'A place where the work is done: a customer''s house, a restaurant, a campus building.';
comment on column public.sites.id is 'Primary key.';
comment on column public.sites.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.sites.customer_id is 'The customer (public.customers).';
comment on column public.sites.name is 'A name for the place ("Warehouse 2"), if the address is not enough.';
comment on column public.sites.line1 is 'Street address, first line.';
comment on column public.sites.line2 is 'Street address, second line.';
comment on column public.sites.city is 'City.';
comment on column public.sites.region is 'State, province or region.';
comment on column public.sites.postal_code is 'Postal code.';
comment on column public.sites.country is 'Country, ISO 3166-1 alpha-2 (US).';
comment on column public.sites.access_notes is 'Gate codes, the dog, where the meter is.';
comment on column public.sites.time_zone is 'IANA zone of the site, for appointment times.';
comment on column public.sites.location is 'Where it is (WGS 84), for distances between stops.';
comment on column public.sites.water_authority_id is
'The water authority its assemblies'' test reports go to.';
comment on column public.sites.created_at is 'When the row was created.';
comment on column public.sites.updated_at is 'When the row last changed.';
comment on column public.sites.deleted_at is 'When it was archived; null while it is active.';

comment on table public.tax_rates is
'A named tax rate (e.g. "State sales tax 6.25%"); one per organization is the default.';
comment on column public.tax_rates.id is 'Primary key.';
comment on column public.tax_rates.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.tax_rates.name is 'Its name on invoices ("State sales tax").';
comment on column public.tax_rates.rate is 'A fraction: 0.0625 is 6.25%.';
comment on column public.tax_rates.is_default is 'The organization''s default rate (at most one).';
comment on column public.tax_rates.active is 'Inactive rates are kept for history and not offered.';
comment on column public.tax_rates.created_at is 'When the row was created.';
comment on column public.tax_rates.updated_at is 'When the row last changed.';

comment on view public.technician_day is
'Each visit with its work order, site and the straight-line distance to the same technician''s next '
'stop that day (metres; null at the last stop or without locations). Security invoker: RLS on visits,'
' work orders and sites decides what a caller sees.';
comment on column public.technician_day.visit_id is 'The visit (public.visits).';
comment on column public.technician_day.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.technician_day.user_id is 'The technician.';
comment on column public.technician_day.local_date is 'The day, in the site''s time zone.';
comment on column public.technician_day.starts_at is 'When the visit starts.';
comment on column public.technician_day.ends_at is 'When it ends.';
comment on column public.technician_day.status is 'See visit_status.';
comment on column public.technician_day.work_order_id is 'The work order (public.work_orders).';
comment on column public.technician_day.work_order_number is 'The work order''s number.';
comment on column public.technician_day.title is 'The work order''s title.';
comment on column public.technician_day.site_id is 'The site (public.sites).';
comment on column public.technician_day.line1 is 'The site''s street address.';
comment on column public.technician_day.city is 'The site''s city.';
comment on column public.technician_day.time_zone is 'The site''s IANA time zone.';
comment on column public.technician_day.distance_to_next_m is
'Straight-line metres to the technician''s next stop that day; null at the last stop or without '
'locations.';

comment on table public.test_gauges is
'A differential pressure gauge used for tests, and when its calibration runs out.';
comment on column public.test_gauges.id is 'Primary key.';
comment on column public.test_gauges.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.test_gauges.user_id is 'The technician who carries it, if any.';
comment on column public.test_gauges.serial_number is 'The gauge''s serial number, unique per organization.';
comment on column public.test_gauges.make is 'The manufacturer.';
comment on column public.test_gauges.model is 'The manufacturer''s model.';
comment on column public.test_gauges.last_calibrated_on is 'When it was last calibrated.';
comment on column public.test_gauges.calibration_due_on is
'When its calibration runs out; a test with an out-of-date gauge cannot be finalized.';
comment on column public.test_gauges.created_at is 'When the row was created.';
comment on column public.test_gauges.updated_at is 'When the row last changed.';

comment on table public.tester_certifications is
'A technician''s backflow tester certification (issuer, number, expiry).';
comment on column public.tester_certifications.id is 'Primary key.';
comment on column public.tester_certifications.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.tester_certifications.user_id is
'The certified technician (a member of the organization).';
comment on column public.tester_certifications.issuer is 'Who certified them (a state or an authority).';
comment on column public.tester_certifications.certificate_number is 'The certificate''s number.';
comment on column public.tester_certifications.expires_on is
'When it expires; an expired certification cannot sign a test report.';
comment on column public.tester_certifications.created_at is 'When the row was created.';
comment on column public.tester_certifications.updated_at is 'When the row last changed.';

comment on table public.ticket_comments is
'A comment on a ticket, by a member or the customer''s portal user; internal ones are for members '
'only.';
comment on column public.ticket_comments.id is 'Primary key.';
comment on column public.ticket_comments.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.ticket_comments.ticket_id is 'The ticket (public.tickets).';
comment on column public.ticket_comments.author_id is 'Who wrote it (a member or the portal user).';
comment on column public.ticket_comments.body is 'What was written.';
comment on column public.ticket_comments.internal is
'Internal comments are for members only, never shown to the customer.';
comment on column public.ticket_comments.created_at is 'When the row was created.';

comment on table public.ticket_sla_targets is
'Business hours within which a ticket of each priority is to be resolved.';
comment on column public.ticket_sla_targets.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.ticket_sla_targets.priority is 'The ticket priority.';
comment on column public.ticket_sla_targets.resolve_within_hours is
'Business hours allowed to resolve a ticket of this priority.';
comment on column public.ticket_sla_targets.id is 'Primary key.';

comment on table public.ticket_transitions is
'The legal moves of a ticket: the one table the database enforces and frontends read.';
comment on column public.ticket_transitions.from_status is 'The status it is in.';
comment on column public.ticket_transitions.to_status is 'The status it may move to.';

comment on table public.tickets is
'A support ticket about a customer, opened by a member or through the portal, numbered per '
'organization, with a resolution target from its priority.';
comment on column public.tickets.id is 'Primary key.';
comment on column public.tickets.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.tickets.number is '1, 2, 3... per organization, set by the database.';
comment on column public.tickets.customer_id is 'The customer it is about (a portal user''s own, always).';
comment on column public.tickets.contact_id is
'The customer''s contact who asked (by phone or email, or through the portal): answers go to them.';
comment on column public.tickets.requester_id is
'Who opened it: a member, or a portal user (then opened_by_customer).';
comment on column public.tickets.opened_by_customer is 'Opened through the customer portal.';
comment on column public.tickets.subject is 'One line about it.';
comment on column public.tickets.description is 'What the customer needs.';
comment on column public.tickets.priority is 'See ticket_priority.';
comment on column public.tickets.status is 'See ticket_status.';
comment on column public.tickets.assignee_id is 'The member working on it.';
comment on column public.tickets.sla_due_at is
'When it is to be resolved by, in business hours from when it was opened.';
comment on column public.tickets.sla_breached is 'Set by pg_cron when it was not resolved in time.';
comment on column public.tickets.resolved_at is 'When it was resolved.';
comment on column public.tickets.closed_at is 'When it was closed.';
comment on column public.tickets.created_at is 'When the row was created.';
comment on column public.tickets.updated_at is 'When the row last changed.';

comment on table public.time_entries is
'Time a technician spent on a work order; an entry without an end is running.';
comment on column public.time_entries.id is 'Primary key.';
comment on column public.time_entries.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.time_entries.work_order_id is 'The work order (public.work_orders).';
comment on column public.time_entries.user_id is 'The technician (a member of the organization).';
comment on column public.time_entries.started_at is 'When the work started.';
comment on column public.time_entries.ended_at is 'When it stopped; null while running.';
comment on column public.time_entries.during is 'started_at to ended_at, as a range (computed).';
comment on column public.time_entries.note is 'What was done.';
comment on column public.time_entries.created_at is 'When the row was created.';

comment on table public.time_off is 'Vacation, sick days, training: a member is not bookable then.';
comment on column public.time_off.id is 'Primary key.';
comment on column public.time_off.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.time_off.user_id is 'The member away (a member of the organization).';
comment on column public.time_off.starts_at is 'From when.';
comment on column public.time_off.ends_at is 'Until when.';
comment on column public.time_off.during is
'starts_at to ends_at, as a range (computed); no visit can be booked in it.';
comment on column public.time_off.reason is 'Why (vacation, training).';
comment on column public.time_off.created_at is 'When the row was created.';

comment on table public.usage_counters is 'How much of each metered thing an organization used in a month.';
comment on column public.usage_counters.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.usage_counters.metric is
'''jobs'', ''emails'', ''documents'', ''storage_mb'', ''api_requests'' ...';
comment on column public.usage_counters.period is 'First day of the month.';
comment on column public.usage_counters.value is 'How much was used in the month.';
comment on column public.usage_counters.updated_at is 'When the row last changed.';

comment on table public.visits is 'An appointment: one technician at a work order''s site for a time range.';
comment on column public.visits.id is 'Primary key.';
comment on column public.visits.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.visits.work_order_id is 'The work order (public.work_orders).';
comment on column public.visits.user_id is 'The technician (a member of the organization).';
comment on column public.visits.starts_at is 'When the visit starts.';
comment on column public.visits.ends_at is 'When it ends.';
comment on column public.visits.during is
'starts_at to ends_at, as a range (computed); a technician''s visits cannot overlap, nor fall in '
'their time off.';
comment on column public.visits.status is 'See visit_status.';
comment on column public.visits.notes is 'Notes for the technician.';
comment on column public.visits.created_by is 'The user who created it.';
comment on column public.visits.created_at is 'When the row was created.';
comment on column public.visits.updated_at is 'When the row last changed.';

comment on table public.water_authorities is
'A water utility or authority an organization files backflow test reports with.';
comment on column public.water_authorities.id is 'Primary key.';
comment on column public.water_authorities.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.water_authorities.name is 'Its name.';
comment on column public.water_authorities.submission_method is
'How it takes test reports (see report_submission_method).';
comment on column public.water_authorities.email is 'Where reports go by email.';
comment on column public.water_authorities.webhook_endpoint_id is
'Where reports go by webhook: one of the organization''s own endpoints.';
comment on column public.water_authorities.required_fields is
'Fields the authority requires on every report (e.g. ''water_account_number'', ''permit_number'').';
comment on column public.water_authorities.notes is 'Internal notes (contacts, quirks).';
comment on column public.water_authorities.created_at is 'When the row was created.';
comment on column public.water_authorities.updated_at is 'When the row last changed.';

comment on table public.webhook_deliveries is
'One row per delivery attempt: what was sent where, and what came back.';
comment on column public.webhook_deliveries.id is 'Primary key.';
comment on column public.webhook_deliveries.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.webhook_deliveries.endpoint_id is 'The webhook endpoint (public.webhook_endpoints).';
comment on column public.webhook_deliveries.message_id is
'The event''s id, sent as webhook-id: the same on every retry, so receivers can dedupe.';
comment on column public.webhook_deliveries.event_type is 'The event''s type (''invoice.paid'').';
comment on column public.webhook_deliveries.job_id is 'The background job that delivered it.';
comment on column public.webhook_deliveries.attempt is 'Which attempt this was (1 first).';
comment on column public.webhook_deliveries.succeeded is 'Whether the receiver answered 2xx.';
comment on column public.webhook_deliveries.status_code is
'The HTTP status the receiver answered; null when it did not answer.';
comment on column public.webhook_deliveries.latency_ms is 'How long it took.';
comment on column public.webhook_deliveries.response_excerpt is
'The first 1,000 characters of the response body.';
comment on column public.webhook_deliveries.error is 'What went wrong (timeout, refused, a blocked address).';
comment on column public.webhook_deliveries.created_at is 'When the row was created.';

comment on table public.webhook_endpoints is
'A URL the organization receives signed events at (Standard Webhooks), with the event types it wants.'
' The signing secret is never readable.';
comment on column public.webhook_endpoints.id is 'Primary key.';
comment on column public.webhook_endpoints.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.webhook_endpoints.url is
'Where events are POSTed (https; private and loopback addresses are refused at delivery).';
comment on column public.webhook_endpoints.description is 'What the endpoint is for.';
comment on column public.webhook_endpoints.event_types is
'Event types delivered to this endpoint (''invoice.paid''); ''*'' means every type.';
comment on column public.webhook_endpoints.active is 'Inactive endpoints receive nothing.';
comment on column public.webhook_endpoints.disabled_reason is
'Why the platform switched the endpoint off (410 Gone, failing for too long).';
comment on column public.webhook_endpoints.failing_since is
'Since when every delivery has failed; null while the endpoint works.';
comment on column public.webhook_endpoints.created_by is 'The user who created it.';
comment on column public.webhook_endpoints.created_at is 'When the row was created.';
comment on column public.webhook_endpoints.updated_at is 'When the row last changed.';

comment on table public.work_order_assemblies is 'The assemblies a work order covers (all at its site).';
comment on column public.work_order_assemblies.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.work_order_assemblies.work_order_id is 'The work order (public.work_orders).';
comment on column public.work_order_assemblies.assembly_id is 'The assembly (public.assemblies).';
comment on column public.work_order_assemblies.id is 'Primary key.';

comment on table public.work_order_assignments is 'The technicians (members) a work order is assigned to.';
comment on column public.work_order_assignments.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.work_order_assignments.work_order_id is 'The work order (public.work_orders).';
comment on column public.work_order_assignments.user_id is
'The technician assigned (a member of the organization).';
comment on column public.work_order_assignments.id is 'Primary key.';
comment on column public.work_order_assignments.assigned_by is 'Who assigned them.';
comment on column public.work_order_assignments.created_at is 'When the row was created.';

comment on table public.work_order_checklist_items is
'One step of a job''s checklist ("Shut off valve 2", "Photo of the test cock").';
comment on column public.work_order_checklist_items.id is 'Primary key.';
comment on column public.work_order_checklist_items.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.work_order_checklist_items.work_order_id is 'The work order (public.work_orders).';
comment on column public.work_order_checklist_items.position is 'Order in the checklist.';
comment on column public.work_order_checklist_items.label is 'The step.';
comment on column public.work_order_checklist_items.done is 'Ticked by the technician.';
comment on column public.work_order_checklist_items.done_by is 'Who ticked it.';
comment on column public.work_order_checklist_items.done_at is 'When it was ticked.';
comment on column public.work_order_checklist_items.created_at is 'When the row was created.';

comment on table public.work_order_notes is 'A note on a job, by whoever wrote it.';
comment on column public.work_order_notes.id is 'Primary key.';
comment on column public.work_order_notes.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.work_order_notes.work_order_id is 'The work order (public.work_orders).';
comment on column public.work_order_notes.author_id is 'Who wrote it.';
comment on column public.work_order_notes.body is 'The note.';
comment on column public.work_order_notes.created_at is 'When the row was created.';

comment on table public.work_order_transitions is
'The legal moves of a work order, and who may make each: the one table the database enforces and '
'frontends read to offer only the moves that will work.';
comment on column public.work_order_transitions.from_status is 'The status it is in.';
comment on column public.work_order_transitions.to_status is 'The status it may move to.';
comment on column public.work_order_transitions.technician_may is
'Technicians assigned to the work may make this move too (start, pause, finish the job).';

comment on table public.work_orders is 'A job to do at a customer''s site.';
comment on column public.work_orders.id is 'Primary key.';
comment on column public.work_orders.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.work_orders.number is '1, 2, 3... per organization, set by the database.';
comment on column public.work_orders.customer_id is 'The customer (public.customers).';
comment on column public.work_orders.site_id is 'The site (public.sites).';
comment on column public.work_orders.status is 'See work_order_status; changed with move_work_order.';
comment on column public.work_orders.priority is 'See work_order_priority.';
comment on column public.work_orders.source is 'See work_order_source.';
comment on column public.work_orders.title is 'What is to be done.';
comment on column public.work_orders.description is 'More about it, for the technician.';
comment on column public.work_orders.status_reason is 'Why it was put on hold or cancelled.';
comment on column public.work_orders.completed_at is 'When it was completed.';
comment on column public.work_orders.created_by is 'The user who created it.';
comment on column public.work_orders.created_at is 'When the row was created.';
comment on column public.work_orders.updated_at is 'When the row last changed.';
comment on column public.work_orders.agreement_id is 'The service agreement it came from, if any.';
comment on column public.work_orders.period_start is 'The agreement period it does.';

comment on table public.working_hours is
'When a member usually works, per ISO weekday (1 Monday ... 7 Sunday), in the organization''s time '
'zone.';
comment on column public.working_hours.id is 'Primary key.';
comment on column public.working_hours.organization_id is
'The organization this row belongs to; every policy filters on it.';
comment on column public.working_hours.user_id is 'The member (a member of the organization).';
comment on column public.working_hours.weekday is 'ISO weekday: 1 Monday ... 7 Sunday.';
comment on column public.working_hours.starts is
'Start of the working day, in the organization''s time zone.';
comment on column public.working_hours.ends is 'End of the working day.';

-- RPCs ----------------------------------------------------------------------------------------
comment on function public.accept_invitation(token text) is
'Accepts an invitation for the signed-in user, whose confirmed email must be the invited one.';
comment on function public.accept_portal_invitation(token text) is
'Links the signed-in user (whose confirmed address the invitation was sent to) to the customer. A '
'member of the organization cannot also be its portal user, and a user is the portal user of one '
'customer only.';
comment on function public.approve_estimate(estimate_id uuid, option_id uuid) is
'Approves one option of a sent estimate: the customer''s portal user for themself, or owners, admins '
'and dispatchers recording a decision given to them. Refused once the estimate has expired (PT410).';
comment on function public.archive_customer(customer_id uuid) is
'Archives a customer and its sites: they disappear for frontends and keep their history.';
comment on function public.archive_site(site_id uuid) is 'Archives one site.';
comment on function public.comment_on_customer_ticket(ticket_id uuid, body text) is
'Adds the portal user''s comment to one of their customer''s tickets (never internal). A resolved '
'ticket opens again; a closed one takes no more comments.';
comment on function public.compliance_summary(organization_id uuid, days integer) is
'Counts per water authority: due in the next `days` days, and overdue. Security invoker (RLS decides '
'what is counted), behind the guard like every RPC.';
comment on function public.convert_estimate(estimate_id uuid) is
'Converts an approved estimate (owners, admins, dispatchers): a draft work order at its site (or the '
'customer''s only site) and a draft invoice with the approved option''s lines, copied as they were '
'approved. Returns both.';
comment on function public.create_organization(name text, slug text) is
'Creates an organization and makes the caller its owner. Returns the new organization.';
comment on function public.create_webhook_endpoint(
  organization_id uuid,
  url text,
  event_types text[],
  description text
) is
'Adds an endpoint and returns it with its signing secret, which is never shown again.';
comment on function public.custom_access_token_hook(event jsonb) is
'Supabase Auth''s custom access token hook: adds the user''s organizations, their roles and the '
'platform-staff flag to every access token. Claims only speed frontends up; RLS never trusts them. '
'Called by supabase_auth_admin, not by API roles.';
comment on function public.dashboard_kpis(organization_id uuid) is
'The organization''s KPIs as of the last refresh (at most five minutes old). Owners, admins and '
'viewers see everything; dispatchers see the work, not the money (those figures are null).';
comment on function public.decline_estimate(estimate_id uuid, reason text) is
'Declines a sent estimate, with a reason: the customer''s portal user, or owners, admins and '
'dispatchers recording the customer''s decision.';
comment on function public.delete_organization(organization_id uuid) is
'Soft-deletes an organization (owners only; aal2 when the organization requires MFA).';
comment on function public.feature_enabled(flag text, organization_id uuid) is
'Is the flag on for this organization? Members (and staff) may ask; others get false.';
comment on function public.finalize_backflow_test(report_id uuid) is
'Finalises a test report: the tester (or an owner, admin or dispatcher) signs it off. Refused while a'
' reading is missing, with an expired certification or an uncalibrated gauge. A pass moves the '
'assembly''s last test (and so its next due date). Queues the PDF, the customer''s email and the '
'submission to the site''s water authority. Returns the report.';
comment on function public.health() is 'Says the API and database answer; exposes no data.';
comment on function public.invite_member(organization_id uuid, email text, role public.member_role) is
'Invites an address to the organization and queues the invitation email. Owners and admins invite; '
'only owners invite owners. Returns the invitation id and its token (shown once).';
comment on function public.invite_portal_user(contact_id uuid) is
'Invites a customer''s contact to the portal (owners, admins, dispatchers). Re-inviting replaces a '
'pending invitation. Returns the account id; the token goes only by email.';
comment on function public.invoice_work_order(work_order_id uuid) is
'A draft invoice for a work order (owners, admins): its customer and site, one line per assembly '
'covered when the price book has an item coded TEST-<kind> (TEST-RP...), else empty for the office to'
' fill. A work order has one live invoice: asking again returns it.';
comment on function public.issue_credit_note(invoice_id uuid, amount_cents bigint, reason text) is
'Issues a credit note against a sent invoice (owners, admins): at most its balance.';
comment on function public.leave_organization(organization_id uuid) is
'Leaves an organization (the last owner must transfer ownership first).';
comment on function public.mark_notifications_read(notification_ids bigint[]) is
'Marks the caller''s notifications read: the given ids, or all of them. Returns how many.';
comment on function public.move_work_order(
  work_order_id uuid,
  to_status public.work_order_status,
  reason text
) is
'Moves a work order to another status. Owners, admins and dispatchers make any legal move; an '
'assigned technician makes the moves marked technician_may (start, pause, finish).';
comment on function public.open_customer_ticket(
  subject text,
  description text,
  priority public.ticket_priority
) is
'Opens a ticket for the signed-in portal user''s customer.';
comment on function public.record_payment(
  invoice_id uuid,
  amount_cents bigint,
  method public.payment_method,
  idempotency_key text,
  reference text,
  received_at timestamp with time zone
) is
'Records a payment received (owners, admins). Retries with the same idempotency key record one '
'payment.';
comment on function public.refund_payment(
  payment_id uuid,
  amount_cents bigint,
  idempotency_key text,
  reason text
) is
'Refunds a payment recorded by hand (owners, admins; MFA where required: money leaves).';
comment on function public.request_export(organization_id uuid, kind public.export_kind) is
'Asks for an export (owners and admins: the data leaves the system). The worker writes the CSV and '
'notifies the requester; download it from Storage at the export''s storage_path.';
comment on function public.retry_job(job_id bigint) is
'Retries a dead job of an organization the caller owns or administers.';
comment on function public.revoke_invitation(invitation_id uuid) is
'Withdraws a pending invitation (owners and admins).';
comment on function public.revoke_portal_account(account_id uuid) is
'Ends a portal account (owners, admins, dispatchers): its user sees nothing from then on.';
comment on function public.rotate_webhook_secret(endpoint_id uuid) is
'Replaces an endpoint''s signing secret and returns the new one, shown this once.';
comment on function public.send_estimate(estimate_id uuid, valid_until date) is
'Sends a draft estimate (owners, admins, dispatchers): valid until the given date or for the '
'organization''s default number of days; queues the PDF and the customer''s email.';
comment on function public.send_invoice(invoice_id uuid) is
'Sends a draft invoice (owners, admins): numbers it, sets its issue and due dates, and queues its PDF'
' and email to the customer.';
comment on function public.send_test_webhook(endpoint_id uuid) is
'Sends a ''webhook.test'' event to one endpoint, so admins can check their receiver.';
comment on function public.set_organization_status(
  organization_id uuid,
  status public.organization_status,
  reason text
) is
'Platform staff (or the billing backend, with the service_role key) suspend, reactivate or cancel an '
'organization, with a reason for the record.';
comment on function public.technician_availability(organization_id uuid, day date, min_minutes integer) is
'The free time of an organization''s technicians on a day, in the organization''s time zone: each '
'technician''s working hours that weekday, less their booked visits and time off, as ranges of at '
'least `min_minutes`. Security invoker behind the guard: dispatchers plan with it.';
comment on function public.transfer_ownership(organization_id uuid, new_owner_id uuid) is
'Makes another member the owner; the caller (an owner) becomes an admin.';
comment on function public.void_invoice(invoice_id uuid, reason text) is
'Voids a sent invoice that has received nothing (owners, admins), with a reason.';

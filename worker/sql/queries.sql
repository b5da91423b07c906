-- The worker's SQL, as named queries (`-- name: <name>`), loaded once by worker/queries.py.
-- Every queue operation is a database function (supabase/migrations/*_job_queue_operations.sql);
-- these are the calls. Parameters are named (%(name)s) and nothing relies on session state,
-- so they run through a transaction-mode pooler.

-- name: claim
select
  id,
  organization_id,
  kind,
  payload,
  priority,
  run_at,
  attempts,
  max_attempts,
  progress,
  created_at,
  started_at
from queue.claim(
  %(worker_id)s, %(kinds)s::text[], %(batch_size)s, make_interval(secs => %(lease_seconds)s),
  %(per_organization_limit)s
);

-- name: heartbeat
select job_id from queue.heartbeat(
  %(worker_id)s, %(job_ids)s::bigint[], make_interval(secs => %(lease_seconds)s)
) as job_id;

-- name: complete
-- The ids recorded are not needed back: one row, not one a job.
select count(*) as completed from queue.complete(%(worker_id)s, %(completions)s::jsonb);

-- name: fail
select
  id,
  status::text as status,
  run_at
from queue.fail(%(worker_id)s, %(failures)s::jsonb);

-- name: reap_expired_leases
select queue.reap_expired_leases() as reaped;

-- name: release
select job_id from queue.release(%(worker_id)s, %(job_ids)s::bigint[]) as job_id;

-- name: save_progress
select queue.save_progress(%(worker_id)s, %(job_id)s, %(progress)s::jsonb) as saved;

-- name: depth
select
  kind,
  status::text as status,
  jobs,
  oldest_run_at
from queue.depth();

-- name: ready_backlog
select
  ready,
  claimable,
  running,
  oldest_ready_at
from queue.ready_backlog(%(kinds)s::text[], %(per_organization_limit)s);

-- name: enqueue
select queue.enqueue(
  %(kind)s, %(payload)s::jsonb, %(organization_id)s, %(dedupe_key)s,
  coalesce(%(run_at)s, now()), coalesce(%(priority)s, 100)::smallint, %(max_attempts)s
) as job_id;

-- name: organization_profile
select queue.organization_profile(%(organization_id)s) as profile;

-- name: suppressed_emails
select email from queue.suppressed_emails(%(emails)s::text[]) as email;

-- name: record_email_event
select queue.record_email_event(
  %(event_type)s, %(email)s, %(detail)s, %(event_id)s
) as suppressed;

-- name: record_document
select queue.record_document(
  %(organization_id)s, %(kind)s, %(title)s, %(storage_path)s, %(size_bytes)s, %(sha256)s,
  %(page_count)s, %(source_type)s, %(source_id)s, %(job_id)s, %(storage_bucket)s
) as document_id;

-- name: webhook_target
select
  url,
  secret,
  active
from queue.webhook_target(%(endpoint_id)s);

-- name: record_webhook_attempt
select queue.record_webhook_attempt(
  %(endpoint_id)s, %(message_id)s, %(event_type)s, %(job_id)s, %(attempt)s, %(succeeded)s,
  %(status_code)s, %(latency_ms)s, %(response_excerpt)s, %(error)s,
  make_interval(secs => %(disable_after_seconds)s)
) as still_active;

-- name: record_stripe_event
select queue.record_stripe_event(
  %(event_id)s, %(event_type)s, %(account)s, %(object)s::jsonb
) as outcome;

-- name: export_lines
select line from queue.export_lines(%(export_id)s) as line;

-- name: finish_export
select queue.finish_export(
  %(export_id)s, %(storage_path)s, %(row_count)s, %(size_bytes)s, %(error)s
) as finished;

-- name: record_authority_submission
select queue.record_authority_submission(%(worker_id)s, %(job_id)s) as recorded;

-- name: enqueue_follow_ups
select queue.enqueue_follow_ups(%(worker_id)s, %(job_id)s, %(follow_ups)s::jsonb) as queued;

-- name: billing_session
select queue.billing_session(%(session_id)s) as session;

-- name: record_stripe_customer
select queue.record_stripe_customer(%(organization_id)s, %(customer_id)s) as customer_id;

-- name: finish_billing_session
select queue.finish_billing_session(
  %(session_id)s, %(url)s, %(expires_at)s, %(error)s
) as finished;

-- name: apply_subscription
select queue.apply_subscription(
  %(organization_id)s, %(subscription)s::jsonb, %(fetched_at)s
) as outcome;

-- name: record_billing_event
select queue.record_billing_event(
  %(event_id)s, %(event_type)s, to_timestamp(%(created)s), %(object)s::jsonb
) as outcome;

-- name: purge_refused
select queue.purge_refused(%(organization_id)s) as reason;

-- name: organization_storage_objects
select
  bucket_id,
  name
from queue.organization_storage_objects(%(organization_id)s);

-- name: purge_organization
select queue.purge_organization(%(organization_id)s, %(batch)s) as step;

-- name: organization_tables
select
  table_name,
  columns
from queue.organization_tables();

-- name: export_table_lines
select line from queue.export_table_lines(%(export_id)s, %(table_name)s) as line;

-- name: billing_credit
select queue.billing_credit(%(credit_id)s) as credit;

-- name: record_billing_credit
select queue.record_billing_credit(%(credit_id)s, %(transaction_id)s) as recorded;

-- name: import_of_job
select * from queue.import_of_job(%(worker_id)s, %(job_id)s);

-- name: begin_import
select * from queue.begin_import(
  %(worker_id)s, %(job_id)s, %(file_format)s, %(encoding)s, %(headers)s::text[]
);

-- name: load_import_rows
select queue.load_import_rows(%(worker_id)s, %(job_id)s, %(batch)s::jsonb)::text as status;

-- name: finish_loading_import
select queue.finish_loading_import(%(worker_id)s, %(job_id)s, %(total_rows)s)::text as status;

-- name: validate_import
select * from queue.validate_import(%(worker_id)s, %(job_id)s);

-- name: commit_import_rows
select queue.commit_import_rows(
  %(worker_id)s, %(job_id)s, %(first_row)s, %(last_row)s
)::text as status;

-- name: import_refused_lines
select line from queue.import_refused_lines(%(worker_id)s, %(job_id)s) as line;

-- name: finish_import
select * from queue.finish_import(
  %(worker_id)s, %(job_id)s, %(refused_rows_path)s, %(error)s
);

-- name: authority_batch_lines
select line from queue.authority_batch_lines(%(worker_id)s, %(job_id)s) as line;

-- name: record_authority_batch
select queue.record_authority_batch(%(worker_id)s, %(job_id)s, %(message_id)s) as recorded;

-- name: message_context
select
  opted_out,
  first_contact
from queue.message_context(%(organization_id)s, %(channel)s, %(address)s);

-- name: text_sender
select
  sms_from,
  quiet_until
from queue.text_sender(%(organization_id)s);

-- name: record_message_sent
select queue.record_message_sent(%(communication_id)s, %(provider_id)s, %(body)s);

-- name: record_message_failed
select queue.record_message_failed(%(communication_id)s, %(status)s, %(error)s, %(opt_out)s);

-- name: record_message_status
select queue.record_message_status(%(channel)s, %(provider_id)s, %(status)s, %(error)s) as updated;

-- name: log_email
select queue.log_email(
  %(job_id)s, %(organization_id)s, %(address)s, %(template)s, %(subject)s, %(essential)s,
  %(status)s, %(provider_id)s, %(error)s
) as communication_id;

-- name: record_inbound_text
select queue.record_inbound_text(%(sender)s, %(recipient)s, %(body)s, %(sid)s) as outcome;

-- name: unsubscribe_email
select queue.unsubscribe_email(%(organization_id)s, %(address)s) as done;

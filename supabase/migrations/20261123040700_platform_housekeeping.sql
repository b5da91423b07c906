-- Housekeeping a real project needs: pg_cron's own run history is purged (the queue reaper
-- alone adds about 1,440 rows a day), and the documents bucket refuses what the worker never
-- stores (anything but PDFs, anything over 25 MB), whoever uploads.

-- Deletes pg_cron's run history older than a week; run daily by pg_cron itself. (postgres may
-- delete from cron.job_run_details on Supabase, though not add triggers to it.)
create or replace function private.purge_cron_history(keep interval default interval '7 days')
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  purged integer;
begin
  delete from cron.job_run_details where end_time < now() - keep;
  get diagnostics purged = row_count;
  return purged;
end
$$;
revoke all on function private.purge_cron_history(interval)
from public, anon, authenticated, service_role;

select cron.schedule(
  'fieldbase-cron-history-retention', '41 3 * * *', 'select private.purge_cron_history()'
);

-- The worker stores generated PDFs here; nothing else belongs in it.
update storage.buckets
set file_size_limit = 25 * 1024 * 1024, allowed_mime_types = array['application/pdf']
where id = 'documents';

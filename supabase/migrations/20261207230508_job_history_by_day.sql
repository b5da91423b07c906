-- job_history_by_day
-- The history of finished jobs in one partition a day (issue 27). Measured before: once the
-- daily purge had freed space and vacuum had recorded it, finished jobs were written into those
-- old pages, and each insert widened its page range's summary in the block range index on id:
-- one more WAL record a job (72 bytes; 545 bytes a job against 478 on fresh pages, pg_waldump
-- over a 50,000-job drain), and ranges that span old and new ids, so the index stopped finding
-- a job by id. Now finished jobs are always written into the current day's partition, which
-- only grows, and whole days past both retentions are dropped, not deleted row by row.
--
-- The existing history becomes the first partition, for every time before tomorrow (UTC); the
-- daily partitions start there (queue.add_history_partitions, in the next migration, creates
-- them and runs daily). A default partition takes what no day covers, should the schedule stop.

-- Wait for a busy table at most this long rather than queue every query behind the change.
set local lock_timeout = '5s';

alter table queue.job_history rename to job_history_before_daily_partitions;
alter index queue.job_history_id_idx rename to job_history_before_daily_partitions_id_idx;
alter index queue.job_history_organization_idx
rename to job_history_before_daily_partitions_organization_idx;
alter index queue.job_history_dead_idx rename to job_history_before_daily_partitions_dead_idx;
-- Partitions are pruned by finished_at; the retention purge needs no index of its own.
drop index queue.job_history_finished_at_idx;

create table queue.job_history (
  id bigint not null,
  organization_id uuid,
  kind text not null,
  payload jsonb not null default '{}'::jsonb,
  priority smallint not null default 100,
  run_at timestamp with time zone not null default now(),
  -- Named as the old table's, which becomes a partition: attaching matches checks by name.
  status queue.job_status not null
  constraint job_history_status_check check (status in ('succeeded', 'dead', 'cancelled')),
  attempts integer not null default 0,
  max_attempts integer not null default 10,
  last_error text,
  result jsonb,
  dedupe_key text,
  created_at timestamp with time zone not null default now(),
  started_at timestamp with time zone,
  finished_at timestamp with time zone not null default now(),
  progress jsonb not null default '{}'::jsonb,
  errors jsonb not null default '[]'::jsonb
) partition by range (finished_at);
comment on table queue.job_history is
'Finished jobs (succeeded, dead, cancelled), moved from queue.job_queue as they finish, one '
'partition a day (UTC) by finished_at; purged after queue.settings retention. Not foreign-keyed '
'to organizations (the check would lock the organization row per job); an organization''s '
'history goes with it by trigger.';
alter table queue.job_history enable row level security;

-- A day's rows arrive in nearly ascending id order and its partition only grows, so a block
-- range index finds one by id in a few pages (autosummarized: ranges not yet summarized are
-- read whole by every lookup).
create index job_history_id_idx on queue.job_history using brin (id)
with (pages_per_range = 8, autosummarize = on);
-- The owners' and admins' job list, and the cascade when an organization is deleted.
create index job_history_organization_idx on queue.job_history (organization_id, id)
where organization_id is not null;
-- Dead jobs, for the diagnostics' counts and retries (a history row never changes status).
create index job_history_dead_idx on queue.job_history (kind) where status = 'dead';

-- The old table's indexes match the new ones and are attached to them; its rows are checked
-- against the bound (one scan, under the lock the rename took).
do $$
begin
  execute format(
    'alter table queue.job_history attach partition queue.job_history_before_daily_partitions '
    'for values from (minvalue) to (%L)',
    date_trunc('day', now(), 'UTC') + interval '1 day'
  );
end
$$;
comment on table queue.job_history_before_daily_partitions is
'Partition of queue.job_history: jobs finished before its daily partitions began.';

create table queue.job_history_default partition of queue.job_history default;
comment on table queue.job_history_default is
'Partition of queue.job_history for jobs finished on a day that has no partition of its own '
'(queue.add_history_partitions moves them into one when it creates it).';
alter table queue.job_history_default enable row level security;

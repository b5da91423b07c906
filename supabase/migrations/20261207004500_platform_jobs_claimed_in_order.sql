-- Platform jobs (no organization) are claimed in (priority, run_at, id) order, and the index of
-- waiting jobs leads with organization_id: a null organization is no equality the planner can
-- order by, so every claim sorted the whole platform backlog (scripts/bench: 2,400 no-op jobs a
-- second with 50,000 waiting, against 9,800 before the claim took turns). Their own partial
-- index gives that order directly; organizations' jobs stay in job_queue_waiting_idx.
create index job_queue_waiting_platform_idx on queue.job_queue (priority, run_at, id)
where status in ('queued', 'retrying') and organization_id is null;

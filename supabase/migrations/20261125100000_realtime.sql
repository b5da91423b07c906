-- Live updates for the screens that need them (Supabase Realtime's Postgres Changes): a user's
-- notifications and their organization's activity feed, the schedule (visits), the work order
-- board, and support tickets with their comments. Realtime selects each changed row as the
-- subscriber, so the tables' RLS decides who receives what, exactly as for a read.
do $$
declare
  live text;
begin
  foreach live in array array[
    'notifications', 'activity', 'visits', 'work_orders', 'tickets', 'ticket_comments'
  ] loop
    -- Idempotent: a project may already have switched a table on in the dashboard.
    if not exists (
      select from pg_catalog.pg_publication_tables as p
      where p.pubname = 'supabase_realtime' and p.schemaname = 'public' and p.tablename = live
    ) then
      execute format('alter publication supabase_realtime add table public.%I', live);
    end if;
  end loop;
end
$$;

-- The tables and views of the exposed schema: name, kind, COMMENT, whether RLS is on, and
-- whether Realtime streams its changes (the supabase_realtime publication).
select
  c.relname,
  case when c.relkind in ('v', 'm') then 'view' else 'table' end as kind,
  obj_description(c.oid, 'pg_class') as comment,
  c.relrowsecurity,
  exists(
    select from pg_publication_tables as p
    where p.pubname = 'supabase_realtime' and p.schemaname = 'public' and p.tablename = c.relname
  ) as realtime
from pg_class as c
where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
order by c.relname;

-- The trigger functions of ours on each table an RPC may write, in firing order: the reference
-- reads their raises as the RPC's own errors.
select
  n.nspname || '.' || c.relname as table_name,
  p.proname as function_name
from pg_catalog.pg_trigger as t
inner join pg_catalog.pg_class as c on t.tgrelid = c.oid
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_proc as p on t.tgfoid = p.oid
where
  not t.tgisinternal
  and n.nspname in ('public', 'queue')
  and p.pronamespace = 'private'::regnamespace
order by table_name, t.tgname;

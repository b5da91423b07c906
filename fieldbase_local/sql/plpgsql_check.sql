-- Every plpgsql function of ours (not Supabase's, not an extension's), checked by
-- plpgsql_check; trigger functions are checked against a table that uses them.
with ours as (
  select
    p.oid,
    p.prorettype = 'pg_catalog.trigger'::regtype as is_trigger,
    trg.tgrelid as relid,
    trg.tgoldtable as oldtable,
    trg.tgnewtable as newtable
  from pg_catalog.pg_proc as p
  inner join pg_catalog.pg_namespace as n on p.pronamespace = n.oid
  inner join pg_catalog.pg_language as l on p.prolang = l.oid
  -- The trigger with the most transition tables shows the function the most.
  left join lateral (
    select
      t.tgrelid,
      t.tgoldtable,
      t.tgnewtable
    from pg_catalog.pg_trigger as t
    where t.tgfoid = p.oid
    order by (t.tgoldtable is not null)::int + (t.tgnewtable is not null)::int desc, t.tgrelid
    limit 1
  ) as trg on true
  where
    l.lanname = 'plpgsql'
    and n.nspname not in (
      'pg_catalog', 'information_schema', 'extensions', 'auth', 'storage', 'cron', 'pg_toast'
    )
    and not exists (
      select from pg_catalog.pg_depend as d
      where d.objid = p.oid and d.deptype = 'e'
    )
)

select
  ours.oid::regprocedure::text as function_name,
  issue.level,
  issue.message,
  issue.lineno
from ours
cross join
  lateral plpgsql_check_function_tb(
    ours.oid, coalesce(ours.relid, 0), other_warnings => true,
    oldtable => ours.oldtable, newtable => ours.newtable
  ) as issue
where
  (not ours.is_trigger or ours.relid is not null)
  and issue.level in ('error', 'warning')
order by function_name, issue.lineno;

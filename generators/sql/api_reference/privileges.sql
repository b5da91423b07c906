-- What each API role may do with each table and view: the whole table, or only some columns
-- (column grants keep what an RPC or the database sets out of frontends' hands).
select
  c.relname,
  r.rolname,
  p.privilege,
  has_table_privilege(r.rolname, c.oid, p.privilege) as whole_table,
  coalesce(array_agg(a.attname::text order by a.attnum) filter (where a.granted), '{}') as columns,
  coalesce(array_agg(a.attname::text order by a.attnum) filter (where not a.granted), '{}')
    as other_columns
from pg_class as c
cross join unnest(array['anon', 'authenticated', 'service_role']) with ordinality as r (rolname, role_order)
cross join
  unnest(array['select', 'insert', 'update', 'delete']) with ordinality as p (privilege, privilege_order)
left join lateral (
  -- Column privileges exist for select, insert and update only.
  select
    col.attname,
    col.attnum,
    has_column_privilege(r.rolname, c.oid, col.attnum, p.privilege) as granted
  from pg_attribute as col
  where col.attrelid = c.oid and col.attnum > 0 and not col.attisdropped and p.privilege <> 'delete'
) as a on true
where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
group by c.relname, c.oid, r.rolname, r.role_order, p.privilege, p.privilege_order
order by c.relname, r.role_order, p.privilege_order;

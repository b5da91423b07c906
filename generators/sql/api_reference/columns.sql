-- Every column of the exposed tables and views, with the table a foreign key on it points at
-- (the narrowest key when it is in several) and, for a view, the table column of that name
-- it reads.
select
  c.relname,
  a.attname,
  format_type(a.atttypid, a.atttypmod) as type,
  not a.attnotnull as nullable,
  col_description(c.oid, a.attnum) as comment,
  (
    select f.confrelid::regclass::text
    from pg_constraint as f
    where f.conrelid = c.oid and f.contype = 'f' and a.attnum = any(f.conkey)
    order by cardinality(f.conkey), f.conname
    limit 1
  ) as references_table,
  (
    select u.table_name || '.' || u.column_name
    from information_schema.view_column_usage as u
    where
      c.relkind = 'v'
      and u.view_schema = 'public'
      and u.view_name = c.relname
      and u.table_schema = 'public'
      and u.column_name = a.attname
    order by u.table_name
    limit 1
  ) as view_source
from pg_class as c
inner join pg_attribute as a on c.oid = a.attrelid
where
  c.relnamespace = 'public'::regnamespace
  and c.relkind in ('r', 'p', 'v', 'm')
  and a.attnum > 0
  and not a.attisdropped
order by c.relname, a.attnum;

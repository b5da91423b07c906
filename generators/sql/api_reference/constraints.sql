-- Each table's checks, keys and exclusions, and its unique indexes that back no constraint
-- (partial ones, such as one primary contact per customer): a violation names the one it
-- broke in its error (23514, 23505, 23503, 23P01), so the reference lists them by name.
select
  c.relname,
  k.conname,
  pg_get_constraintdef(k.oid) as definition,
  array_position(array['p', 'u', 'x', 'f', 'c'], k.contype::text) as kind_order
from pg_constraint as k
inner join pg_class as c on k.conrelid = c.oid
where c.relnamespace = 'public'::regnamespace and k.contype in ('c', 'u', 'x', 'f', 'p')
union all
select
  c.relname,
  i.indexrelid::regclass::text as conname,
  'UNIQUE ' || regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING \w+ ', '') as definition,
  2 as kind_order
from pg_index as i
inner join pg_class as c on i.indrelid = c.oid
where
  c.relnamespace = 'public'::regnamespace
  and i.indisunique
  and not exists (
    select from pg_constraint as k
    where k.conindid = i.indexrelid
  )
order by 1, 4, 2;

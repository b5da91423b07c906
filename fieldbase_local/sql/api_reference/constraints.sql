-- Each table's checks, keys and exclusions: a violation names the constraint in its error
-- (23514, 23505, 23503, 23P01), so the reference lists them by name.
select
  c.relname,
  k.conname,
  pg_get_constraintdef(k.oid) as definition
from pg_constraint as k
inner join pg_class as c on k.conrelid = c.oid
where c.relnamespace = 'public'::regnamespace and k.contype in ('c', 'u', 'x', 'f', 'p')
order by c.relname, array_position(array['p', 'u', 'x', 'f', 'c'], k.contype::text), k.conname;

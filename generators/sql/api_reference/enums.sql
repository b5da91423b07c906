-- The enums of the exposed schema, their values in order, and their COMMENT.
select
  t.typname,
  array(
    select e.enumlabel::text from pg_enum as e
    where e.enumtypid = t.oid
    order by e.enumsortorder)
    as labels,
  obj_description(t.oid, 'pg_type') as comment
from pg_type as t
where t.typnamespace = 'public'::regnamespace and t.typtype = 'e'
order by t.typname;

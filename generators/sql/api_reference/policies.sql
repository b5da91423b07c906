-- Each table's RLS policies: the command, the roles, and the name that says who may do it.
select
  p.tablename,
  lower(p.cmd) as command,
  array_to_string(p.roles, ', ') as roles,
  p.policyname
from pg_policies as p
where p.schemaname = 'public'
order by
  p.tablename,
  array_position(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'ALL'], p.cmd),
  p.policyname;

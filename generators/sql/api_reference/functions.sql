-- The RPCs: arguments (as `comment on` names them, and with their defaults), COMMENT, the
-- API roles that may execute them, and the body (whose raises and private calls the
-- reference reads for the errors).
select
  p.proname,
  pg_get_function_identity_arguments(p.oid) as arguments,
  pg_get_function_arguments(p.oid) as arguments_with_defaults,
  pg_get_function_result(p.oid) as returns,
  obj_description(p.oid, 'pg_proc') as comment,
  array(
    select r.rolname
    from unnest(array['anon', 'authenticated', 'service_role']) as r (rolname)
    where has_function_privilege(r.rolname, p.oid, 'execute')
  ) as callers,
  p.prosrc
from pg_proc as p
where p.pronamespace = 'public'::regnamespace
order by p.proname, arguments;

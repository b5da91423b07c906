-- The bodies of the private functions RPCs call, where the reference finds their guards and
-- the errors they raise.
select
  p.proname,
  p.prosrc
from pg_proc as p
where p.pronamespace = 'private'::regnamespace
order by p.proname, p.oid;

"""scripts/dev: bring the local stack up from nothing and say what it did."""

from __future__ import annotations

import sys

import psycopg

from demo import day as demo
from fieldbase_local import settings, stack
from generators import policies

ORGANIZATIONS = """
select o.name, o.plan_id, o.status::text,
       string_agg(format('%s (%s)', p.email, m.role), ', ' order by m.role) as people
from public.organizations as o
join public.memberships as m on m.organization_id = o.id
join public.profiles as p on p.id = m.user_id
group by o.id order by o.name
"""

SUMMARY = """
select
  (select count(*) from supabase_migrations.schema_migrations) as migrations,
  (select count(*) from pg_catalog.pg_policies where schemaname = any(%s)) as policies,
  (select count(*) from pg_catalog.pg_tables where schemaname = 'public') as tables,
  (select count(*) from auth.users) as users
"""


def main() -> int:
    inst = settings.instance("dev")
    print(f"fieldbase local stack (instance '{inst.name}')\n")
    stack.reset(inst)
    with psycopg.connect(inst.dsn()) as conn:
        migrations, policy_count, tables, users = conn.execute(
            SUMMARY, (list(policies.MANAGED_SCHEMAS),)
        ).fetchone()
        organizations = conn.execute(ORGANIZATIONS).fetchall()
    drift = policies.drift(inst.dsn())
    print(
        f"""
database   {inst.dsn()}
           PostgreSQL 15 with Supabase's roles, auth and storage schemas, pg_cron, pgTAP
migrations {migrations} applied from supabase/migrations
policies   {policy_count} RLS policies from supabase/policies ({drift.report()})
data       {tables} tables in public, {users} users in auth.users (from supabase/seed)
logs       {inst.logfile}
"""
    )
    print("seeded organizations (every password is 'password'):")
    for name, plan, status, people in organizations:
        print(f"  {name} [{plan}, {status}]\n    {people}")
    demo.run(inst)
    print(
        """
next       scripts/db psql        open psql as the schema owner
           scripts/test           run every test (pgTAP and pytest)
           .venv/bin/python -m worker run     run the worker against the dev database
           scripts/db stop        stop the database
"""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

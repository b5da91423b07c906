"""Command line behind scripts/db: the local database's lifecycle. Migrations and seeds go
through the Supabase CLI (supabase_cli)."""

from __future__ import annotations

import argparse
import os
import re
import sys

from fieldbase_local import cluster, settings, stack, supabase_cli
from generators import current_state, policies


def _cmd_start(inst, _args):
    stack.ensure_running(inst)
    print(f"database running on {inst.host}:{inst.port} ({inst.pgdata})")


def _cmd_stop(inst, _args):
    stopped = cluster.stop(inst)
    print("database stopped" if stopped else "database was not running")


def _cmd_status(inst, _args):
    running = cluster.is_running(inst)
    print(
        f"instance: {inst.name}\ndata:     {inst.pgdata}\nport:     {inst.port}\n"
        f"status:   {'running' if running else 'stopped'}"
    )
    if running:
        print(f"url:      {inst.dsn()}")
    return 0 if running else 3


def _cmd_reset(inst, args):
    stack.reset(inst, with_seed=not args.no_seed)
    print(f"database reset: {inst.dsn()}")


def _cmd_migrate(inst, args):
    stack.ensure_running(inst)
    stack.migrate(inst, dbname=args.database)


def _cmd_diff(_inst, args):
    """The next migration, from the current-state and policy files (pg-delta)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", args.name):
        print("error: name the migration in lower case, digits and underscores", file=sys.stderr)
        return 2
    inst = settings.instance("scratch")
    stack.ensure_running(inst)
    migrated, current = current_state.build_pair(inst, "diff_migrated", "diff_current")
    sql = current_state.diff(migrated, current)
    if not sql:
        print("supabase/current/ and supabase/policies/ match the migrations: nothing to write")
        return 0
    path = current_state.write_migration(sql, args.name)
    print(f"wrote {path.relative_to(settings.REPO_ROOT)}:\n\n{sql}")
    return 0


def _cmd_history(inst, _args):
    stack.ensure_running(inst)
    print(supabase_cli.migration_list(inst.dsn()))


def _cmd_seed(inst, _args):
    stack.ensure_running(inst)
    stack.seed(inst)


def _cmd_url(inst, _args):
    print(inst.dsn())


def _cmd_psql(inst, args):
    stack.ensure_running(inst)
    os.execvp("psql", ["psql", inst.dsn(), *args.rest])


def _cmd_policies(inst, args):
    stack.ensure_running(inst)
    if args.action == "sync":
        live = policies.sync(inst.dsn())
        print(f"{len(live)} RLS policies in place from supabase/policies/")
        return 0
    drift = policies.drift(inst.dsn())
    print(drift.report())
    return 1 if drift else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/db", description=__doc__)
    parser.add_argument(
        "--instance", default=None, help="dev (default) or test; also FIELDBASE_INSTANCE"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="initialise (first time) and start the local cluster")
    sub.add_parser("stop", help="stop the local cluster")
    sub.add_parser("status", help="say whether it runs, where and on which port")
    reset = sub.add_parser("reset", help="recreate the database: bootstrap, migrate, seed")
    reset.add_argument("--no-seed", action="store_true")
    mig = sub.add_parser("migrate", help="apply pending migrations (supabase db push)")
    mig.add_argument("--database", default=settings.MAIN_DATABASE)
    sub.add_parser("history", help="the migration history (supabase migration list)")
    diff = sub.add_parser(
        "diff", help="write the migration that brings the migrations to supabase/current/"
    )
    diff.add_argument("name", help="the migration's name, e.g. invoices_round_taxes_per_line")
    sub.add_parser("seed", help="run the seed files named in supabase/config.toml")
    sub.add_parser("url", help="print the libpq URL of the database for the owner role")
    sub.add_parser("psql", help="open psql on the database (extra args go to psql)")
    pol = sub.add_parser("policies", help="check | sync the RLS policies (diff writes them)")
    pol.add_argument("action", choices=["check", "sync"])
    argv = sys.argv[1:] if argv is None else argv
    # Everything after "psql" belongs to psql, flags included.
    split = argv.index("psql") + 1 if "psql" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    if args.command == "psql":
        args.rest = argv[split:]

    inst = settings.instance(args.instance)
    handler = globals()[f"_cmd_{args.command}"]
    try:
        return handler(inst, args) or 0
    except (supabase_cli.CliError, policies.PolicyFileError, cluster.ClusterError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

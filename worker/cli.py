"""`python -m worker` / `fieldbase-worker`: run, run --once, inbound, status, schemas."""

from __future__ import annotations

import argparse
import json
import sys

import psycopg
from pydantic import ValidationError

from worker import logs
from worker.config import Settings
from worker.queries import query


def status(settings: Settings) -> int:
    try:
        with psycopg.connect(settings.database_url, prepare_threshold=None) as conn:
            rows = conn.execute(query("depth")).fetchall()
    except psycopg.Error as error:
        print(f"cannot reach the queue: {error}", file=sys.stderr)
        return 1
    report = [
        {"kind": kind, "status": state, "jobs": jobs, "oldest_run_at": str(oldest)}
        for kind, state, jobs, oldest in rows
    ]
    print(json.dumps({"queue": report}, indent=2))
    return 0


def payload_schemas() -> dict:
    """Each job kind's payload contract, as JSON Schema, from the worker's own models."""
    from worker.handlers import build_registry

    registry = build_registry()
    return {kind: registry.get(kind).payload_model.model_json_schema() for kind in registry.kinds()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fieldbase-worker", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run jobs until SIGTERM")
    run_parser.add_argument("--once", action="store_true", help="run what is ready, then exit")
    commands.add_parser(
        "inbound", help="serve /hooks/stripe and /hooks/resend (a process of their own)"
    )
    commands.add_parser("status", help="jobs waiting and running, by kind")
    commands.add_parser("schemas", help="print each job kind's payload as JSON Schema")
    args = parser.parse_args(argv)
    if args.command == "schemas":
        print(json.dumps(payload_schemas(), indent=2, sort_keys=True))
        return 0
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"invalid configuration:\n{error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    if args.command == "status":
        return status(settings)
    if args.command == "inbound":
        from worker.inbound import serve

        serve(settings)
        return 0
    from worker.app import main_run

    main_run(settings, args.once)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

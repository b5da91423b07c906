"""What a frontend developer gets, generated from the schema so it cannot drift:

    python -m generators.typescript typecheck  # tsc --noEmit over examples/ against them

Types come from the generator behind `supabase gen types typescript`, run against a database
the migrations just built, for the schemas PostgREST exposes (scripts/regenerate writes them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fieldbase_local import settings

TYPES_FILE = settings.REPO_ROOT / "types" / "database.ts"
EXAMPLES_DIR = settings.REPO_ROOT / "examples"
NODE_MODULES = settings.REPO_ROOT / "node_modules"
POSTGRES_META = NODE_MODULES / "@supabase" / "postgres-meta" / "dist" / "server" / "server.js"
# What supabase/config.toml exposes through the API.
EXPOSED_SCHEMAS = ["public"]
# The PostgREST major version the hosted API runs (the generator adds it for supabase-js).
POSTGREST_VERSION = "13"


def generate_types(dsn: str) -> str:
    result = subprocess.run(
        ["node", str(POSTGRES_META)],
        env={
            **os.environ,
            "PG_META_DB_URL": dsn,
            "PG_META_GENERATE_TYPES": "typescript",
            "PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS": ",".join(EXPOSED_SCHEMAS),
            "PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS": "true",
            "PG_META_POSTGREST_VERSION": POSTGREST_VERSION,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"postgres-meta could not generate the types:\n{result.stderr[-3000:]}")
    return result.stdout


def typecheck(project: Path = EXAMPLES_DIR) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(NODE_MODULES / ".bin" / "tsc"), "-p", str(project), "--noEmit"],
        cwd=settings.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "typecheck"
    if command == "typecheck":
        result = typecheck()
        print(result.stdout + result.stderr, end="")
        return result.returncode
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""scripts/regenerate: every generated file, rewritten from what it is generated from. The suite
fails while any committed copy differs (tests/integration/test_generated_files.py).

- types/database.ts: TypeScript types by @supabase/postgres-meta, from the migrated schema;
- docs/api.md: the API reference, from the schema's comments, grants, policies and bodies;
- docs/job-payloads.json: each job kind's payload as JSON Schema, from the worker's models.

supabase/current/ is not here: it is hand-kept, and held to the migrations by pg-delta.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import psycopg

from fieldbase_local import settings, stack
from generators import api_reference, typescript
from worker.cli import payload_schemas

PAYLOADS_FILE = settings.REPO_ROOT / "docs" / "job-payloads.json"


def generated(dsn: str) -> dict[Path, str]:
    """Every generated file's content, from a database the migrations just built."""
    with psycopg.connect(dsn) as conn:
        schema = api_reference.read_schema(conn)
    return {
        typescript.TYPES_FILE: typescript.generate_types(dsn),
        api_reference.DOCS_FILE: api_reference.render(schema, api_reference.migration_files()),
        PAYLOADS_FILE: json.dumps(payload_schemas(), indent=2, sort_keys=True) + "\n",
    }


def main() -> int:
    with contextlib.redirect_stdout(sys.stderr):
        dsn = stack.scratch_database()
    for path, text in generated(dsn).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = not path.exists() or path.read_text() != text
        if changed:
            path.write_text(text)
        print(f"{'wrote' if changed else 'unchanged'} {path.relative_to(settings.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

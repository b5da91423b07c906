"""What a frontend developer gets cannot drift from the schema: the committed TypeScript types
are what @supabase/postgres-meta generates from the migrations, and the supabase-js examples
type-check against them (so a renamed column or RPC breaks the build)."""

from __future__ import annotations

import re
import shutil

import pytest

from fieldbase_local import frontend, settings


@pytest.fixture(scope="module")
def generated(templates) -> str:
    return frontend.generate_types(frontend.migrated_database(templates))


def test_the_committed_types_are_what_the_migrations_generate(generated):
    committed = frontend.TYPES_FILE.read_text()
    assert committed == generated, "types/database.ts is stale: run scripts/types"


def test_enums_views_and_functions_come_out_typed(generated):
    assert 'work_order_status:\n        | "draft"' in generated
    views = generated.split("    Views: {", 1)[1].split("    Functions: {", 1)[0]
    functions = generated.split("    Functions: {", 1)[1].split("    Enums: {", 1)[0]
    assert "receivables_aging: {" in views
    # A type from a schema the API does not expose comes out as unknown: none in views or RPCs.
    assert re.findall(r"\w+\??: unknown", views + functions) == []


def test_the_examples_type_check():
    result = frontend.typecheck()
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_renamed_rpc_or_column_breaks_the_examples(generated):
    # The same examples against types where an RPC and a column were renamed.
    drift = settings.state_root() / "frontend-drift"
    shutil.rmtree(drift, ignore_errors=True)
    shutil.copytree(frontend.EXAMPLES_DIR, drift / "examples")
    (drift / "types").mkdir()
    renamed = generated.replace("      record_payment: {", "      record_a_payment: {").replace(
        "          balance_cents: number | null\n", "          balance_due_cents: number | null\n"
    )
    (drift / "types" / "database.ts").write_text(renamed)
    try:
        result = frontend.typecheck(drift / "examples")
    finally:
        shutil.rmtree(drift, ignore_errors=True)
    assert result.returncode != 0
    assert '"record_payment"' in result.stdout
    assert "balance_cents" in result.stdout

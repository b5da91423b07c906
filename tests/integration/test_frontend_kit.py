"""What a frontend developer gets cannot drift from the schema: the committed TypeScript types
are what @supabase/postgres-meta generates from the migrations, and the supabase-js examples
type-check against them (so a renamed column or RPC breaks the build)."""

from __future__ import annotations

import ast
import re
import shutil

import pytest

from fieldbase_local import settings
from generators import api_reference
from generators import typescript as frontend


@pytest.fixture(scope="module")
def generated(migrated_dsn) -> str:
    return frontend.generate_types(migrated_dsn)


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


FILTERS = ("eq", "neq", "gt", "gte", "lt", "lte", "order", "in_", "is_")


def supabase_py_calls(source: str) -> tuple[list[tuple[str, str, str]], list[tuple[str, set[str]]]]:
    """From supabase-py code: (table, method, argument) for each string argument of a query
    builder call on a table, and (rpc, argument names) for each rpc call."""
    table_calls, rpc_calls = [], []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "rpc":
            name, arguments = node.args
            rpc_calls.append((name.value, {key.value for key in arguments.keys}))
            continue
        # Walk down the builder chain to the .table("...") it started from.
        inner = node.func.value
        while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            if inner.func.attr == "table":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    table_calls.append((inner.args[0].value, node.func.attr, first.value))
                break
            inner = inner.func.value
    return table_calls, rpc_calls


def unknown_names(source: str, schema: api_reference.Schema) -> list[str]:
    """The tables, columns, RPCs and RPC arguments the code names that the schema lacks."""
    columns = {r.name: {c.name for c in r.columns} for r in schema.relations}
    parameters = {
        f.name: {argument.split()[0] for argument in f.arguments.split(", ") if argument}
        for f in schema.functions
    }
    table_calls, rpc_calls = supabase_py_calls(source)
    unknown = []
    for table, method, argument in table_calls:
        named: list[tuple[str, str]] = []
        if method == "select":
            # "a, b, embedded(c, d)": top-level columns, and each embedded table's own.
            for embedded, inner in re.findall(r"(\w+)\(([^)]*)\)", argument):
                named += [(embedded, c.strip()) for c in inner.split(",")]
            plain = re.sub(r"\w+\([^)]*\)", "", argument)
            named += [(table, c.strip()) for c in plain.split(",") if c.strip()]
        elif method in FILTERS:
            named.append((table, argument))
        unknown += [f"{t}.{c}" for t, c in named if c not in columns.get(t, ())]
    for name, arguments in rpc_calls:
        if name not in parameters:
            unknown.append(f"rpc {name}")
        unknown += [f"rpc {name}({a})" for a in sorted(arguments - parameters.get(name, set()))]
    return unknown


def test_the_readme_supabase_py_examples_name_what_the_schema_has(exposed_schema):
    # supabase-py has no compiler to catch a renamed column or RPC: the names are checked here.
    readme = settings.REPO_ROOT.joinpath("README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    table_calls, rpc_calls = supabase_py_calls("\n".join(blocks))
    assert len(table_calls) >= 3 and rpc_calls
    assert [name for block in blocks for name in unknown_names(block, exposed_schema)] == []


def test_a_renamed_column_or_rpc_in_supabase_py_code_is_caught(exposed_schema):
    code = (
        'c.table("invoices").select("number, balance_due, customers(name, phone_number)")'
        '.eq("state", "overdue").order("due_on").execute()\n'
        'c.rpc("record_payment", {"invoice_id": 1, "amount": 2}).execute()\n'
        'c.rpc("record_a_payment", {}).execute()\n'
    )
    assert sorted(unknown_names(code, exposed_schema)) == [
        "customers.phone_number",
        "invoices.balance_due",
        "invoices.state",
        "rpc record_a_payment",
        "rpc record_payment(amount)",
    ]

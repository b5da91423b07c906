"""Supabase's own checks on the migrated database, run by the real CLI: the advisors (security
and performance, splinter) report nothing at WARN or above, and `supabase db lint`
(plpgsql_check) reports no error. Each check is shown to fail on a probe object, so a green run
means the CLI looked."""

from __future__ import annotations

from fieldbase_local import supabase_cli


def test_the_advisors_find_nothing_at_warn_or_above(migrated_db):
    status, findings = supabase_cli.advisors(migrated_db.dsn(), fail_on="warn")
    assert status == 0 and findings == [], [(f["name"], f["detail"]) for f in findings]


def test_every_foreign_key_has_a_covering_index(migrated_db):
    """An INFO finding, held to zero all the same: every policy and join filter is indexed."""
    _status, findings = supabase_cli.advisors(migrated_db.dsn(), fail_on="info")
    unindexed = [f["detail"] for f in findings if f["name"] == "unindexed_foreign_keys"]
    assert unindexed == []


def test_the_advisors_fail_on_a_function_with_a_mutable_search_path(migrated_db):
    with migrated_db.connect(autocommit=True) as conn:
        conn.execute(
            "create function public.probe_mutable() returns int language sql"
            " security definer as 'select 1'"
        )
    status, findings = supabase_cli.advisors(migrated_db.dsn(), fail_on="warn")
    assert status != 0
    assert any(
        f["name"] == "function_search_path_mutable" and "probe_mutable" in f["detail"]
        for f in findings
    )


def test_db_lint_finds_no_error(migrated_db):
    status, functions = supabase_cli.lint(migrated_db.dsn(), fail_on="error")
    errors = [
        (f["function"], i["message"])
        for f in functions
        for i in f["issues"]
        if i["level"] == "error"
    ]
    assert status == 0 and errors == [], errors


def test_db_lint_fails_on_a_broken_function(migrated_db):
    with migrated_db.connect(autocommit=True) as conn:
        conn.execute(
            "create function private.probe_broken() returns int language plpgsql as"
            " $$ begin return (select no_such_column from public.organizations limit 1); end $$"
        )
    status, functions = supabase_cli.lint(migrated_db.dsn(), fail_on="error")
    assert status != 0
    assert any(
        f["function"] == "private.probe_broken"
        and any("no_such_column" in i["message"] for i in f["issues"])
        for f in functions
    )

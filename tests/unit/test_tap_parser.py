"""The TAP reader behind pgTAP items fails on what pg_prove fails on."""

from fieldbase_local.testing import parse_tap


def test_a_complete_passing_run_has_no_problems():
    report = parse_tap("1..2\nok 1 - first\nok 2 - second\n")
    assert report.problems() == []


def test_a_failed_assertion_is_a_problem_with_its_description():
    report = parse_tap("1..2\nok 1 - first\nnot ok 2 - anon cannot read\n# Failed test 2\n")
    assert report.problems() == ["failed: not ok 2 - anon cannot read"]


def test_fewer_results_than_planned_is_a_problem():
    assert parse_tap("1..3\nok 1\nok 2\n").problems() == ["planned 3 tests but ran 2"]


def test_output_without_a_plan_is_a_problem():
    assert parse_tap("ok 1\n").problems() == ["no plan found in the TAP output"]


def test_todo_failures_do_not_fail_the_file():
    assert parse_tap("1..1\nnot ok 1 - later # TODO not built yet\n").problems() == []

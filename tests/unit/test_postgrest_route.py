"""Tests that speak SQL are routed as the request a frontend would send."""

from __future__ import annotations

import pytest

from fieldbase_local.postgrest import route


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("select name from public.organizations", ("GET", "/")),
        ("  SELECT * FROM public.invite_member(%s, %s)", ("POST", "/rpc/invite_member")),
        ("select public.health() ->> 'status'", ("POST", "/rpc/health")),
        (
            "select id, slug from public.create_organization('x')",
            ("POST", "/rpc/create_organization"),
        ),
        ("select o.name from public.organizations as o", ("GET", "/")),
        ("insert into public.notes values (1)", ("POST", "/notes")),
        ("update public.organizations set name = 'x'", ("PATCH", "/organizations")),
        ("delete from public.memberships where true", ("DELETE", "/memberships")),
    ],
)
def test_route(statement, expected):
    assert route(statement) == expected

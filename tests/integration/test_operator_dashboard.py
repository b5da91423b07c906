"""The operator's dashboard as platform staff meet it: through PostgREST with their Supabase Auth
token, as JSON or as CSV (Accept: text/csv, PostgREST's own CSV), only in an aal2 session."""

from __future__ import annotations

import csv
import io

import pytest
from psycopg import sql

from fieldbase_local import auth
from fieldbase_local.postgrest import PostgrestError

VIEWS = [
    "platform_revenue",
    "platform_revenue_by_month",
    "platform_signups_by_week",
    "platform_organizations_at_risk",
    "platform_billing_log",
    "organization_usage",
]


@pytest.fixture
def staff(fresh_db):
    with fresh_db.connect() as conn:
        staff_id = auth.create_user(conn, "operator", "operator@fieldbase.test")
        conn.execute(
            "insert into private.platform_staff (user_id, role) values (%s, 'support')",
            (staff_id,),
        )
        conn.execute("select private.run_billing_schedule()")
        conn.commit()
    return staff_id


@pytest.mark.parametrize("view", VIEWS)
def test_staff_download_each_view_as_csv(fresh_db, staff, view):
    api = fresh_db.postgrest()
    bearer = auth.mint_access_token(fresh_db.inst, staff, fresh_db.name, aal="aal2")
    with api.request(bearer, "GET", f"/{view}", {"accept": "text/csv"}) as req:
        body = req.csv(view)
        expected = req.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier("public", view))
        ).fetchone()[0]
        columns = [
            name
            for (name,) in req.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'public' and table_name = %s order by ordinal_position",
                (view,),
            )
        ]
    rows = list(csv.reader(io.StringIO(body)))
    if expected:
        assert rows[0] == columns
    assert len(rows) - 1 == expected


@pytest.mark.parametrize("view", VIEWS[:5])
def test_the_dashboard_needs_aal2_staff(fresh_db, staff, view):
    api = fresh_db.postgrest()
    bearer = auth.mint_access_token(fresh_db.inst, staff, fresh_db.name, aal="aal1")
    with (
        pytest.raises(PostgrestError) as refused,
        api.request(bearer, "GET", f"/{view}", {"accept": "text/csv"}) as req,
    ):
        req.csv(view)
    assert (refused.value.status, refused.value.message) == (
        403,
        "The operator's dashboard requires multi-factor authentication",
    )

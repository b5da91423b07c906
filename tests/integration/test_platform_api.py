"""The platform layer as a frontend meets it: through PostgREST, with Supabase Auth tokens."""

from __future__ import annotations

import pytest

from fieldbase_local import auth, settings
from fieldbase_local.postgrest import PostgrestError, route


@pytest.fixture
def people(fresh_db):
    with fresh_db.connect() as conn:
        ids = {
            name: auth.create_user(conn, name, f"{name}@example.test")
            for name in ("owner", "invitee", "stranger")
        }
        conn.commit()
    return ids


def token(db, user_id, **kwargs) -> str:
    return auth.mint_access_token(db.inst, user_id, db.name, **kwargs)


def call(api, bearer, sql, params=None):
    with api.request(bearer, *route(sql)) as req:
        return req.execute(sql, params).fetchall()


def test_signing_up_creating_an_organization_and_inviting(fresh_db, people):
    api = fresh_db.postgrest()
    owner = token(fresh_db, people["owner"])

    ((org_id, slug),) = call(
        api, owner, "select id, slug from public.create_organization('Delta Fire')"
    )
    assert slug == "delta-fire"
    ((_, invite_token),) = call(
        api,
        owner,
        "select * from public.invite_member(%s, 'invitee@example.test', 'technician')",
        (org_id,),
    )

    with pytest.raises(PostgrestError) as refused:
        call(
            api,
            token(fresh_db, people["stranger"]),
            "select public.accept_invitation(%s)",
            (invite_token,),
        )
    assert (refused.value.status, refused.value.message) == (
        403,
        "This invitation was sent to another email address",
    )

    invitee = token(fresh_db, people["invitee"])
    call(api, invitee, "select public.accept_invitation(%s)", (invite_token,))
    assert call(api, invitee, "select name from public.organizations") == [("Delta Fire",)]

    fresh_claims = auth.user_claims(fresh_db.inst, people["invitee"], fresh_db.name)
    assert fresh_claims["organizations"] == {str(org_id): "technician"}


def test_errors_reach_the_frontend_with_the_right_status(fresh_db, people):
    api = fresh_db.postgrest()
    owner = token(fresh_db, people["owner"])
    ((org_id,),) = call(
        api, owner, "select id from public.create_organization('Echo Plumbing', 'echo')"
    )

    def status_of(sql, params=None, bearer=owner):
        with pytest.raises(PostgrestError) as raised:
            call(api, bearer, sql, params)
        return raised.value.status

    assert status_of("select public.create_organization('Echo Plumbing', 'echo')") == 409
    assert status_of("select public.leave_organization(%s)", (org_id,)) == 409
    assert status_of("select public.accept_invitation('nope')") == 404
    assert status_of("select public.set_organization_status(%s, 'active', 'x')", (org_id,)) == 403
    assert status_of("select public.create_organization('Anon Co')", bearer=None) == 401
    assert status_of("update public.organizations set time_zone = 'Nowhere/Land'") == 400


def test_the_rate_limiter_answers_429_once_the_budget_is_spent(fresh_db, people):
    with fresh_db.connect() as conn:
        conn.execute(
            "update private.rate_limits set requests_per_minute = 5 where role = 'authenticated'"
        )
        conn.commit()
    api = fresh_db.postgrest(pre_request="private.check_request")
    bearer = token(fresh_db, people["owner"])

    # Reads (GET, read-only) and failed writes spend the budget alike.
    for _ in range(3):
        with api.request(bearer, "GET", "/rpc/health") as req:
            assert req.execute("select public.health() ->> 'status'").fetchone() == ("ok",)
    for _ in range(2):
        accept = api.request(bearer, "POST", "/rpc/accept_invitation")
        with pytest.raises(PostgrestError) as failed, accept as req:
            req.execute("select public.accept_invitation('guessed-token')")
        assert failed.value.status == 404
    with pytest.raises(PostgrestError) as refused, api.request(bearer):
        pass

    assert refused.value.status == 429
    assert refused.value.message == "Too many requests: the limit is 5 per minute"
    assert refused.value.hint.startswith("Retry in ")


def test_the_rate_limiter_outlives_its_counting_session(fresh_db, people):
    """PostgREST keeps its sessions for hours; when the limiter's counting session dies under one
    (a restart, a timeout, a terminated backend), the next request opens another and is counted
    there, rather than failing every request of that API session."""
    with fresh_db.connect() as conn:
        conn.execute(
            "update private.rate_limits set requests_per_minute = 3 where role = 'authenticated'"
        )
        conn.commit()
    api = fresh_db.postgrest(pre_request="private.check_request")
    bearer = token(fresh_db, people["owner"])
    with api.request(bearer, "GET", "/rpc/health") as req:
        session = req.execute("select pg_backend_pid()").fetchone()[0]
    with fresh_db.connect(settings.SUPERUSER, autocommit=True) as conn:
        killed = conn.execute(
            "select count(pg_terminate_backend(pid, 5000)) from pg_catalog.pg_stat_activity"
            " where usename = 'fieldbase_rate_limiter'"
        ).fetchone()[0]
    assert killed == 1

    for _ in range(2):
        with api.request(bearer, "GET", "/rpc/health") as req:
            assert req.execute("select pg_backend_pid()").fetchone()[0] == session
    with pytest.raises(PostgrestError) as refused, api.request(bearer):
        pass
    assert refused.value.status == 429


def test_a_counting_connection_that_fails_lets_requests_through(fresh_db, people):
    """A password rotated without updating private.rate_limit_connection turned every API request
    into a 500; now the limiter is off for that API session (for 10 seconds at a time), and a new
    session counts again once the DBA has repaired the conninfo."""
    with fresh_db.connect() as conn:
        conn.execute(
            "update private.rate_limits set requests_per_minute = 2 where role = 'authenticated'"
        )
        conn.commit()
    with fresh_db.connect(settings.SUPERUSER, autocommit=True) as conn:
        conn.execute(
            "update private.rate_limit_connection set conninfo = conninfo || ' password=rotated'"
        )
    api = fresh_db.postgrest(pre_request="private.check_request")
    bearer = token(fresh_db, people["owner"])

    for _ in range(4):
        with api.request(bearer, "GET", "/rpc/health") as req:
            assert req.execute("select public.health() ->> 'status'").fetchone() == ("ok",)
            session = req.execute("select pg_backend_pid()").fetchone()[0]

    with fresh_db.connect(settings.SUPERUSER, autocommit=True) as conn:
        conn.execute(
            "update private.rate_limit_connection"
            " set conninfo = replace(conninfo, ' password=rotated', '')"
        )
        conn.execute("select pg_terminate_backend(%s, 5000)", (session,))
    for _ in range(2):
        with api.request(bearer, "GET", "/rpc/health") as req:
            assert req.execute("select pg_backend_pid()").fetchone()[0] != session
    with pytest.raises(PostgrestError) as refused, api.request(bearer):
        pass
    assert refused.value.status == 429

"""Users as Supabase Auth makes them, its tokens, and requests as PostgREST runs them."""

from __future__ import annotations

import time

import jwt
import pytest

from fieldbase_local import auth, settings
from fieldbase_local.postgrest import PostgrestError, http_status

SUPABASE_CLAIMS = {
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "email",
    "phone",
    "app_metadata",
    "user_metadata",
    "role",
    "aal",
    "amr",
    "session_id",
    "is_anonymous",
}


@pytest.fixture
def user(fresh_db):
    with fresh_db.connect() as conn:
        user_id = auth.create_user(conn, "ada", "Ada@Example.com", metadata={"full_name": "Ada"})
        conn.commit()
    return user_id


def token_for(db, user_id, **kwargs) -> str:
    return auth.mint_access_token(db.inst, user_id, db.name, **kwargs)


def test_users_are_created_as_supabase_auth_creates_them(fresh_db, user):
    with fresh_db.connect() as conn:
        row = conn.execute(
            "select aud, role, email, email_confirmed_at is not null, encrypted_password, "
            "raw_app_meta_data, raw_user_meta_data ->> 'full_name', confirmed_at is not null "
            "from auth.users where id = %s",
            (user,),
        ).fetchone()
        identity = conn.execute(
            "select provider, provider_id, identity_data ->> 'sub', email "
            "from auth.identities where user_id = %s",
            (user,),
        ).fetchone()
    aud, role, email, confirmed, password, app_meta, full_name, confirmed_at = row
    assert (aud, role, email, confirmed, confirmed_at) == (
        "authenticated",
        "authenticated",
        "ada@example.com",
        True,
        True,
    )
    assert password.startswith("$2a$"), "passwords are bcrypt hashes, as GoTrue stores them"
    assert app_meta == {"provider": "email", "providers": ["email"]}
    assert full_name == "Ada"
    assert identity == ("email", str(user), str(user), "ada@example.com")


def test_access_tokens_carry_supabase_claims_and_verify_with_the_secret(fresh_db, user):
    token = token_for(fresh_db, user, aal="aal2")

    claims = jwt.decode(
        token, settings.LOCAL_JWT_SECRET, algorithms=["HS256"], audience="authenticated"
    )

    assert set(claims) == SUPABASE_CLAIMS | {"organizations", "platform_staff"}
    assert claims["sub"] == str(user)
    assert claims["role"] == "authenticated"
    assert claims["aal"] == "aal2"
    assert claims["email"] == "ada@example.com"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["amr"][0]["method"] == "password"
    assert claims["user_metadata"]["full_name"] == "Ada"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another-secret-that-is-also-long-enough",
            algorithms=["HS256"],
            audience="authenticated",
        )


def test_a_request_runs_as_the_tokens_role_with_its_claims(fresh_db, user):
    token = token_for(fresh_db, user)
    api = fresh_db.postgrest()

    with api.request(
        token, method="PATCH", path="/rest/v1/things", headers={"X-Forwarded-For": "203.0.113.9"}
    ) as req:
        row = req.execute(
            "select current_user, auth.uid(), auth.role(), auth.jwt() ->> 'session_id', "
            "current_setting('request.method'), current_setting('request.path'), "
            "current_setting('request.headers')::jsonb ->> 'x-forwarded-for', "
            "current_setting('request.headers')::jsonb ->> 'authorization'"
        ).fetchone()

    assert row[:3] == ("authenticated", user, "authenticated")
    assert row[3] == jwt.decode(token, options={"verify_signature": False})["session_id"]
    assert row[4:7] == ("PATCH", "/rest/v1/things", "203.0.113.9")
    assert row[7] == f"Bearer {token}"


def test_no_token_is_anon_and_the_service_key_is_service_role(fresh_db):
    api = fresh_db.postgrest()
    with api.request(None) as req:
        assert req.execute("select current_user, auth.uid()").fetchone() == ("anon", None)
    with api.request(auth.api_key("service_role")) as req:
        assert req.execute("select current_user").fetchone() == ("service_role",)


def test_expired_and_forged_tokens_are_refused_with_401(fresh_db, user):
    api = fresh_db.postgrest()
    past = int(time.time()) - 7200
    expired = token_for(fresh_db, user, now=past)
    forged = auth.sign(
        {"role": "service_role", "exp": int(time.time()) + 60},
        secret="not-the-project-secret-but-long-enough-to-sign",
    )

    with pytest.raises(PostgrestError) as raised, api.request(expired):
        pass
    assert (raised.value.status, raised.value.code) == (401, "PGRST303")
    with pytest.raises(PostgrestError) as raised, api.request(forged):
        pass
    assert (raised.value.status, raised.value.code) == (401, "PGRST301")


def test_a_role_authenticator_cannot_become_is_refused(fresh_db):
    api = fresh_db.postgrest()
    with pytest.raises(PostgrestError) as raised, api.request(auth.sign({"role": "postgres"})):
        pass
    assert raised.value.status == 401


def test_errors_map_to_the_http_status_postgrest_answers(fresh_db, user):
    with fresh_db.connect() as conn:
        conn.execute("create table public.things (id int primary key)")
        conn.execute("alter table public.things enable row level security")
        conn.execute("grant insert on table public.things to authenticated")
        conn.execute(
            'create policy "Anyone signed in can add things" on public.things '
            "for insert to authenticated with check (true)"
        )
        conn.commit()
    api = fresh_db.postgrest()
    token = token_for(fresh_db, user)

    def status_of(sql: str, token_: str | None = token) -> int:
        with pytest.raises(PostgrestError) as raised, api.request(token_, method="POST") as req:
            req.execute(sql)
        return raised.value.status

    with api.request(token, method="POST") as req:
        req.execute("insert into public.things values (1)")
    assert status_of("insert into public.things values (1)") == 409
    assert status_of("select 1/0") == 400
    assert status_of("do $$ begin raise exception 'Readable message'; end $$") == 400
    assert (
        status_of("do $$ begin raise sqlstate 'PT429' using message = 'slow down'; end $$") == 429
    )
    assert status_of("delete from auth.users") == 403
    assert status_of("delete from auth.users", None) == 401


def test_a_failed_request_rolls_back_and_a_good_one_commits(fresh_db, user):
    with fresh_db.connect() as conn:
        conn.execute("create table public.log (msg text)")
        conn.execute("grant select, insert on table public.log to service_role")
        conn.commit()
    api = fresh_db.postgrest()
    service_key = auth.api_key("service_role")

    with api.request(service_key, method="POST", path="/log") as req:
        req.execute("insert into public.log values ('kept')")
    with pytest.raises(PostgrestError), api.request(service_key, method="POST") as req:
        req.execute("insert into public.log values ('lost')")
        req.execute("select 1/0")

    with fresh_db.connect() as conn:
        assert conn.execute("select array_agg(msg) from public.log").fetchone()[0] == ["kept"]


def test_requests_share_pooled_sessions_as_behind_postgrest(fresh_db, user):
    """PostgREST keeps its connections: what a request leaves in the session outlives it (what
    it sets for its transaction does not), a failed request's session serves the next one, and a
    session whose backend is gone is replaced, not handed to a request."""
    api = fresh_db.postgrest()
    service_key = auth.api_key("service_role")
    with api.request(service_key) as req:
        first = req.execute("select pg_backend_pid()").fetchone()[0]
        req.execute("select set_config('tests.session_note', 'left', false)")
        req.execute("select set_config('tests.request_note', 'gone', true)")
    with pytest.raises(PostgrestError), api.request(service_key) as req:
        assert req.execute("select pg_backend_pid()").fetchone()[0] == first
        assert req.execute("select current_setting('tests.session_note')").fetchone()[0] == "left"
        assert req.execute("select current_setting('tests.request_note', true)").fetchone()[0] in (
            None,
            "",
        )
        req.execute("select 1/0")
    with api.request(service_key) as req:
        assert req.execute("select pg_backend_pid()").fetchone()[0] == first
    with fresh_db.connect(settings.SUPERUSER, autocommit=True) as conn:
        conn.execute("select pg_terminate_backend(%s, 5000)", (first,))
    with api.request(token_for(fresh_db, user)) as req:
        assert req.execute("select pg_backend_pid()").fetchone()[0] != first
        assert req.execute("select current_user").fetchone()[0] == "authenticated"


def test_each_role_runs_under_its_own_settings_as_behind_postgrest(fresh_db, user):
    """PostgREST applies the impersonated role's settings to each of its requests: on Supabase
    an anonymous request is cancelled after 3 seconds, a signed-in one after 8, and the service
    role keeps the authenticator's; nothing of one request's role reaches the next."""
    api = fresh_db.postgrest()
    timeout = "select current_setting('statement_timeout')"
    for bearer, expected in (
        (None, "3s"),
        (token_for(fresh_db, user), "8s"),
        (auth.api_key("service_role"), "8s"),
        (None, "3s"),
    ):
        with api.request(bearer) as req:
            assert req.execute(timeout).fetchone()[0] == expected
    with pytest.raises(PostgrestError) as cancelled, api.request() as req:
        req.execute("select pg_sleep(3.5)")
    assert (cancelled.value.status, cancelled.value.code) == (500, "57014")


def test_reads_and_stable_rpcs_run_read_only_as_postgrest_runs_them(fresh_db):
    with fresh_db.connect() as conn:
        conn.execute("create table public.notes (body text)")
        conn.execute("grant select, insert on table public.notes to service_role")
        conn.execute(
            "create function public.count_notes() returns bigint language sql stable "
            "as 'select count(*) from public.notes'"
        )
        conn.execute(
            "create function public.add_note(body text) returns void language sql "
            "as 'insert into public.notes values (body)'"
        )
        conn.execute("grant execute on function public.count_notes() to service_role")
        conn.execute("grant execute on function public.add_note(text) to service_role")
        conn.commit()
    api = fresh_db.postgrest()
    key = auth.api_key("service_role")
    write = "insert into public.notes values ('x')"

    for method, path in [("GET", "/notes"), ("HEAD", "/notes"), ("POST", "/rpc/count_notes")]:
        with pytest.raises(PostgrestError) as refused, api.request(key, method, path) as req:
            assert req.read_only
            req.execute(write)
        assert (refused.value.status, refused.value.code) == (405, "25006")

    for method, path in [("POST", "/notes"), ("PATCH", "/notes"), ("POST", "/rpc/add_note")]:
        with api.request(key, method, path) as req:
            assert not req.read_only
            req.execute(write)
    with api.request(key, "POST", "/rpc/count_notes") as req:
        assert req.execute("select public.count_notes()").fetchone()[0] == 3


HOOK = """
create or replace function public.custom_access_token_hook(event jsonb) returns jsonb
language plpgsql stable as $$
begin
  if event ->> 'user_id' = '00000000-0000-0000-0000-000000000000' then
    return jsonb_build_object('error', jsonb_build_object('http_code', 403, 'message', 'no'));
  end if;
  return jsonb_set(event, '{claims,fieldbase_test}', to_jsonb(event ->> 'authentication_method'));
end
$$;
grant execute on function public.custom_access_token_hook to supabase_auth_admin;
revoke execute on function public.custom_access_token_hook from authenticated, anon, public;
"""


def test_the_projects_access_token_hook_shapes_the_claims(fresh_db, user):
    with fresh_db.connect() as conn:
        conn.execute(HOOK)
        conn.commit()

    claims = auth.user_claims(fresh_db.inst, user, fresh_db.name)
    with fresh_db.connect() as conn:
        sql_claims = conn.execute("select tests.access_token_claims('ada')").fetchone()[0]

    assert claims["fieldbase_test"] == "password"
    assert sql_claims["fieldbase_test"] == "password", "the pgTAP helper applies the hook too"


def test_an_access_token_hook_error_refuses_the_token(fresh_db):
    with fresh_db.connect() as conn:
        conn.execute(HOOK)
        conn.commit()
    with pytest.raises(PermissionError, match="no"):
        auth.run_access_token_hook(
            fresh_db.inst.dsn("supabase_auth_admin", fresh_db.name),
            "00000000-0000-0000-0000-000000000000",
            {"role": "authenticated"},
        )


@pytest.mark.parametrize(
    ("sqlstate", "authenticated", "status"),
    [
        ("23505", True, 409),
        ("23503", True, 409),
        ("23502", True, 400),
        ("23514", True, 400),
        ("22P02", True, 400),
        ("P0001", True, 400),
        ("42501", True, 403),
        ("42501", False, 401),
        ("PT402", True, 402),
        ("53300", True, 503),
        ("42883", True, 404),
    ],
)
def test_sqlstate_to_http_status_follows_postgrest(sqlstate, authenticated, status):
    assert http_status(sqlstate, authenticated) == status

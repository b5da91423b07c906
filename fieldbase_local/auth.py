"""Supabase Auth, as far as tests need it: users as GoTrue creates them, and its access tokens.

Tokens are HS256 JWTs with the claims Supabase Auth issues (sub, role, aud, aal, amr, session_id,
email, phone, app_metadata, user_metadata, is_anonymous, iat, exp, iss), passed through
``public.custom_access_token_hook`` when the project defines one, called the way Supabase Auth
calls it: as ``supabase_auth_admin``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from fieldbase_local import settings

LOCAL_ISSUER = "http://127.0.0.1:54321/auth/v1"
HOOK = "public.custom_access_token_hook(jsonb)"

USER_QUERY = """
select id, email, phone, role, raw_app_meta_data, raw_user_meta_data, is_anonymous
from auth.users where id = %s
"""


def create_user(
    conn: psycopg.Connection,
    identifier: str,
    email: str | None = None,
    phone: str | None = None,
    metadata: dict | None = None,
    app_metadata: dict | None = None,
) -> uuid.UUID:
    """Create a confirmed email user with its identity (tests.create_supabase_user)."""
    row = conn.execute(
        "select tests.create_supabase_user(%s, %s, %s, %s, %s)",
        (
            identifier,
            email,
            phone,
            Jsonb(metadata) if metadata else None,
            Jsonb(app_metadata) if app_metadata else None,
        ),
    ).fetchone()
    return row[0]


def base_claims(
    user: dict[str, Any],
    *,
    aal: str = "aal1",
    method: str = "password",
    expires_in: int = 3600,
    now: int | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    issued = int(now if now is not None else time.time())
    return {
        "iss": LOCAL_ISSUER,
        "sub": str(user["id"]),
        "aud": "authenticated",
        "exp": issued + expires_in,
        "iat": issued,
        "email": user.get("email") or "",
        "phone": user.get("phone") or "",
        "app_metadata": user.get("raw_app_meta_data") or {},
        "user_metadata": user.get("raw_user_meta_data") or {},
        "role": user.get("role") or "authenticated",
        "aal": aal,
        "amr": [{"method": method, "timestamp": issued}],
        "session_id": session_id or str(uuid.uuid4()),
        "is_anonymous": bool(user.get("is_anonymous")),
    }


def run_access_token_hook(
    dsn_auth_admin: str, user_id: str, claims: dict, method: str = "password"
) -> dict:
    """Pass claims through the project's hook as Supabase Auth does; unchanged when none."""
    with psycopg.connect(dsn_auth_admin, autocommit=True) as conn:
        exists = conn.execute("select to_regprocedure(%s) is not null", (HOOK,)).fetchone()[0]
        if not exists:
            return claims
        event = {"user_id": user_id, "claims": claims, "authentication_method": method}
        result = conn.execute(
            "select public.custom_access_token_hook(%s)", (Jsonb(event),)
        ).fetchone()[0]
    if "error" in result:
        raise PermissionError(f"access token hook refused: {result['error']}")
    return result["claims"]


def user_claims(inst: settings.Instance, user_id: uuid.UUID | str, dbname: str, **kwargs) -> dict:
    """The claims Supabase Auth would put in this user's access token now."""
    with psycopg.connect(inst.dsn(dbname=dbname), row_factory=dict_row) as conn:
        user = conn.execute(USER_QUERY, (user_id,)).fetchone()
    if user is None:
        raise LookupError(f"no auth.users row with id {user_id}")
    claims = base_claims(user, **kwargs)
    method = kwargs.get("method", "password")
    return run_access_token_hook(
        inst.dsn("supabase_auth_admin", dbname), str(user_id), claims, method
    )


def sign(claims: dict, secret: str = settings.LOCAL_JWT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def mint_access_token(
    inst: settings.Instance,
    user_id: uuid.UUID | str,
    dbname: str,
    secret: str = settings.LOCAL_JWT_SECRET,
    **kwargs,
) -> str:
    """A signed access token for a user, as Supabase Auth issues at sign-in."""
    return sign(user_claims(inst, user_id, dbname, **kwargs), secret)


def api_key(
    role: str, secret: str = settings.LOCAL_JWT_SECRET, expires_in: int = 10 * 365 * 24 * 3600
) -> str:
    """The anon or service_role key: a long-lived JWT with only a role, as Supabase issues."""
    issued = int(time.time())
    return sign(
        {"iss": "supabase-demo", "role": role, "iat": issued, "exp": issued + expires_in}, secret
    )

"""Where the local stack lives and how to reach it.

Two instances share one layout: ``dev`` (what ``scripts/db`` and ``scripts/dev`` use) and
``test`` (what the test suite uses, so running tests never touches development data). Every
value can be overridden from the environment; the defaults mirror the Supabase CLI's local stack.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SUPABASE_DIR = REPO_ROOT / "supabase"
BOOTSTRAP_SQL_DIR = Path(__file__).resolve().parent / "sql"

# Local-only credentials, as the Supabase CLI's local stack uses. Never used in production.
LOCAL_PASSWORD = "postgres"  # noqa: S105
LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"  # noqa: S105

# The bootstrap superuser is supabase_admin, as on Supabase; postgres is not a superuser.
SUPERUSER = "supabase_admin"
SCHEMA_OWNER = "postgres"
MAIN_DATABASE = "postgres"


def _checkout_port(base: int, spread: int = 1000) -> int:
    """A port of this checkout's own, from a hash of its path over `spread` ports: two clones on
    one machine rarely share one (if two do, move one of them to another path)."""
    digest = hashlib.sha1(str(REPO_ROOT).encode(), usedforsecurity=False).hexdigest()
    return base + int(digest, 16) % spread


# dev keeps the documented port (scripts/db url prints it); the test and bench clusters, which
# nobody connects to by hand, get one per checkout.
DEFAULT_PORTS = {
    "dev": 54330,
    "test": _checkout_port(55000),
    "bench": _checkout_port(56000),
    "bench_smoke": _checkout_port(58000),
    # scripts/db diff and scripts/regenerate build their databases here, never in yours.
    "scratch": _checkout_port(57000),
}


def _pg_bindir() -> Path:
    explicit = os.environ.get("FIELDBASE_PG_BINDIR")
    if explicit:
        return Path(explicit)
    debian = Path("/usr/lib/postgresql/15/bin")
    if (debian / "postgres").exists():
        return debian
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL 15 server binaries not found: run scripts/setup")


@dataclass(frozen=True)
class Instance:
    """One local cluster: its files, its port and its connection strings."""

    name: str
    state_dir: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def logfile(self) -> Path:
        return self.state_dir / "postgres.log"

    @property
    def bindir(self) -> Path:
        return _pg_bindir()

    def dsn(self, user: str = SCHEMA_OWNER, dbname: str = MAIN_DATABASE) -> str:
        return f"postgresql://{user}:{LOCAL_PASSWORD}@{self.host}:{self.port}/{dbname}"

    def superuser_dsn(self, dbname: str = MAIN_DATABASE) -> str:
        return self.dsn(SUPERUSER, dbname)


def _server_user_can_reach(path: Path) -> bool:
    """True when the unprivileged server user can traverse every parent of ``path``."""
    import pwd

    try:
        server = pwd.getpwnam(server_user())
    except KeyError:
        return False
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        st = parent.stat()
        if st.st_uid == server.pw_uid:
            continue
        if not st.st_mode & 0o001:  # others need search permission
            return False
    return True


def server_user() -> str | None:
    """The OS user that runs postgres: ourselves, or an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return None
    return os.environ.get("FIELDBASE_SERVER_USER", "postgres")


def state_root() -> Path:
    explicit = os.environ.get("FIELDBASE_STATE_DIR")
    if explicit:
        return Path(explicit)
    default = REPO_ROOT / ".fieldbase"
    if server_user() and not _server_user_can_reach(REPO_ROOT):
        # Root with the repository somewhere the server user cannot enter (e.g. under /root):
        # keep the cluster in a per-checkout folder it can reach instead.
        digest = hashlib.sha1(str(REPO_ROOT).encode(), usedforsecurity=False).hexdigest()[:10]
        return Path("/var/tmp") / f"fieldbase-{digest}"  # noqa: S108 - owned, per-checkout
    return default


def instance(name: str | None = None) -> Instance:
    name = name or os.environ.get("FIELDBASE_INSTANCE", "dev")
    port = int(os.environ.get("FIELDBASE_DB_PORT", DEFAULT_PORTS.get(name, 54350)))
    return Instance(name=name, state_dir=state_root() / name, port=port)

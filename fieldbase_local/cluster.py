"""Start, stop and initialise a project-local PostgreSQL cluster.

The server refuses to run as root, so when we are root every server command runs as an
unprivileged user (``postgres`` from Debian's package) and the cluster's files belong to it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from fieldbase_local import settings
from fieldbase_local.settings import Instance

# Appended to postgresql.conf: what a Supabase database preloads, plus speed for a throwaway
# local cluster (fsync off only risks data on an OS crash, never on a server crash). Commits are
# synchronous, as on Supabase: with synchronous_commit off, a server crash loses transactions
# already acknowledged (a claimed job, a recorded delivery), and fault tests would prove the
# wrong thing.
SERVER_CONFIG = """
# --- fieldbase local cluster ---
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 200
shared_preload_libraries = 'pg_stat_statements,pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 32
pg_stat_statements.track = all
fsync = off
synchronous_commit = on
full_page_writes = off
wal_level = logical
log_min_messages = warning
log_min_error_statement = panic
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
"""


class ClusterError(RuntimeError):
    pass


def as_server_user(cmd: list[str]) -> list[str]:
    user = settings.server_user()
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        as_server_user(cmd), capture_output=True, text=True, check=False, **kwargs
    )
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result


def _chown_to_server_user(path: Path) -> None:
    user = settings.server_user()
    if user:
        subprocess.run(["chown", "-R", f"{user}:", str(path)], check=True)


def is_initialised(inst: Instance) -> bool:
    return (inst.pgdata / "PG_VERSION").exists()


def is_running(inst: Instance) -> bool:
    if not is_initialised(inst):
        return False
    result = subprocess.run(
        as_server_user([str(inst.bindir / "pg_ctl"), "status", "-D", str(inst.pgdata)]),
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def initialise(inst: Instance) -> None:
    """Create the cluster with supabase_admin as its bootstrap superuser."""
    inst.state_dir.mkdir(parents=True, exist_ok=True)
    inst.socket_dir.mkdir(parents=True, exist_ok=True)
    _chown_to_server_user(inst.state_dir)
    with tempfile.NamedTemporaryFile("w", dir=inst.state_dir, delete=False) as pwfile:
        pwfile.write(settings.LOCAL_PASSWORD + "\n")
    os.chmod(pwfile.name, 0o644)
    try:
        _run(
            [
                str(inst.bindir / "initdb"),
                "-D",
                str(inst.pgdata),
                "-U",
                settings.SUPERUSER,
                f"--pwfile={pwfile.name}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
    finally:
        os.unlink(pwfile.name)
    conf = SERVER_CONFIG.format(port=inst.port, socket_dir=inst.socket_dir)
    with open(inst.pgdata / "postgresql.conf", "a") as fh:
        fh.write(conf)


def start(inst: Instance) -> bool:
    """Start the server if needed; True when it was started by this call."""
    if not is_initialised(inst):
        initialise(inst)
    if is_running(inst):
        if _running_port(inst) in (None, inst.port):
            return False
        stop(inst)  # running on another port (an older default, or FIELDBASE_DB_PORT changed)
    _refuse_if_port_taken(inst)
    try:
        _start_server(inst)
    except ClusterError as exc:
        log_tail = (
            "".join(inst.logfile.read_text().splitlines(True)[-8:]) if inst.logfile.exists() else ""
        )
        raise ClusterError(f"{exc}\nserver log ({inst.logfile}):\n{log_tail}") from exc
    wait_until_ready(inst)
    return True


def _running_port(inst: Instance) -> int | None:
    """The port the running server listens on, from its postmaster.pid (line 4)."""
    try:
        lines = (inst.pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def _refuse_if_port_taken(inst: Instance) -> None:
    """Say plainly who holds the port, instead of letting pg_ctl fail obscurely."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex((inst.host, inst.port)) != 0:
            return
    holder = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{inst.port}"], capture_output=True, text=True, check=False
    ).stdout.strip()
    raise ClusterError(
        f"port {inst.port} on {inst.host} is already in use"
        + (f" ({holder})" if holder else "")
        + f", so the {inst.name} cluster of {settings.REPO_ROOT} cannot start. If it is another "
        "fieldbase checkout's cluster, stop it there (scripts/db stop), or give this one its own "
        "port: FIELDBASE_DB_PORT=<port> scripts/..."
    )


def _start_server(inst: Instance) -> None:
    _run(
        [
            str(inst.bindir / "pg_ctl"),
            "start",
            "-D",
            str(inst.pgdata),
            "-l",
            str(inst.logfile),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {inst.port}",
        ]
    )


def stop(inst: Instance) -> bool:
    if not is_running(inst):
        return False
    _run([str(inst.bindir / "pg_ctl"), "stop", "-D", str(inst.pgdata), "-m", "fast", "-w"])
    return True


def restart(inst: Instance, mode: str = "fast") -> None:
    """Restart the server: "fast" (sessions cut, a clean shutdown) or "immediate" (a crash:
    recovery replays the WAL), as a failover or a managed restart does to a live worker."""
    _run([str(inst.bindir / "pg_ctl"), "stop", "-D", str(inst.pgdata), "-m", mode, "-w"])
    _start_server(inst)
    wait_until_ready(inst)


def wait_until_ready(inst: Instance, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(inst.superuser_dsn("template1"), connect_timeout=2):
                return
        except psycopg.OperationalError as exc:
            last_error = exc
            time.sleep(0.1)
    raise ClusterError(f"server on port {inst.port} did not accept connections: {last_error}")

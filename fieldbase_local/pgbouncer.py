"""A real pgbouncer in transaction mode in front of a local database, as Supavisor's
transaction mode is on Supabase: no session state survives between transactions."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from fieldbase_local import settings
from fieldbase_local.cluster import as_server_user
from fieldbase_local.net import free_port

CONFIG = """\
[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {folder}/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def binary() -> str:
    found = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(found).exists():
        raise RuntimeError("pgbouncer is not installed (scripts/setup installs it)")
    return found


class Pgbouncer:
    def __init__(self, inst: settings.Instance, users: dict[str, str]):
        self.inst = inst
        self.users = users
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="fieldbase-pgbouncer-"))

    def dsn(self, user: str, dbname: str) -> str:
        return f"postgresql://{user}:{self.users[user]}@127.0.0.1:{self.port}/{dbname}"

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def __enter__(self) -> Pgbouncer:
        (self.folder / "pgbouncer.ini").write_text(
            CONFIG.format(server_port=self.inst.port, port=self.port, folder=self.folder)
        )
        (self.folder / "userlist.txt").write_text(
            "".join(f'"{user}" "{password}"\n' for user, password in self.users.items())
        )
        user = settings.server_user()
        if user:  # pgbouncer refuses to run as root
            self.folder.chmod(0o755)
            for path in [self.folder, *self.folder.iterdir()]:
                shutil.chown(path, user)
        subprocess.run(
            as_server_user([binary(), "-d", str(self.folder / "pgbouncer.ini")]),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        pidfile = self.folder / "pgbouncer.pid"
        if pidfile.exists():
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(self.folder, ignore_errors=True)

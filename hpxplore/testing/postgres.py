"""A throwaway PostgreSQL server on loopback, for tests: a cluster in a temporary folder.

Uses Debian's ``postgresql`` binaries (``/usr/lib/postgresql/<N>/bin``). They refuse to run
as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from hpxplore.exceptions import HpxploreError

__all__ = ["PostgresServer", "find_postgres_bin"]

_PASSWORD_USERS = "hpx_password_users"  # the role of users who log in with a password


def find_postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<N>/bin`` holding ``initdb``, or ``None``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """Start with ``start()``, get a fresh database URL with ``new_database()``, ``stop()``."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_postgres_bin()
        if self.bin_dir is None:
            raise HpxploreError(
                "PostgreSQL is not installed: no initdb under /usr/lib/postgresql.",
                "Install it with `make system-deps` (Debian's postgresql package).",
            )
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="hpx-pg-"))
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> PostgresServer:
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(
            "initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"
        )
        # users made by new_user() log in with their password; every other user is trusted
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all +{_PASSWORD_USERS} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-o", options, "-w", "start"
        )
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg

        name = f"hpx_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def new_user(self, user: str, password: str) -> str:
        """A user who must give ``password`` (SCRAM), owning a new database: its name."""
        import psycopg
        from psycopg import sql

        name = f"hpx_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(
                sql.SQL("DO $$BEGIN CREATE ROLE {} NOLOGIN; EXCEPTION WHEN duplicate_object "
                        "THEN NULL; END$$").format(sql.Identifier(_PASSWORD_USERS))
            )  # fmt: skip
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(user), sql.Literal(password), sql.Identifier(_PASSWORD_USERS)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(user)
                )
            )
        return name

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

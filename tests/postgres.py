"""A real PostgreSQL server for the tests, started by the tests themselves on loopback.

The server is Debian's ``postgresql`` (installed by ``make test``); it runs in a temporary folder for the
test session, as the ``postgres`` system user when the tests run as root (PostgreSQL refuses root), and
each test that asks for ``postgres_url`` gets a database of its own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.waiting import wait_until


def _binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's versioned folder (newest first)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and who may connect."""

    port: int
    user: str

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on it."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        from sqlalchemy import create_engine, text

        name = f"case_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


def _as_user(command: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """Start PostgreSQL for the session (skipped with the reason when it is not installed)."""
    pytest.importorskip("psycopg", reason="PostgreSQL tests need warden[postgres]")
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; make test installs it)")
    run_as = "postgres" if os.geteuid() == 0 else None
    user = run_as or pwd.getpwuid(os.geteuid()).pw_name
    # As root, the server's folder is a fresh one in the system temporary folder: pytest's own folders are
    # private to root, and the postgres user must be able to reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="warden-pg-")) if run_as else tmp_path_factory.mktemp("postgres")
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    if run_as:
        entry = pwd.getpwnam(run_as)
        for path in (root, data, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        _as_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "--no-sync"], run_as),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c max_connections=200"
    log = root / "server.log"
    subprocess.run(
        _as_user(
            [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"], run_as
        ),
        check=True,
        capture_output=True,
    )
    try:

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False

        wait_until(listening, "PostgreSQL starts", pause=0.1)
        yield PostgresServer(port=port, user=user)
    finally:
        subprocess.run(
            _as_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], run_as),
            check=False,
            capture_output=True,
        )
        if run_as:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty PostgreSQL database for one test."""
    return postgres_server.create_database()

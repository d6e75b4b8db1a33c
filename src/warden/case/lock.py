"""One scan of a case at a time: an OS lock on a file in the case folder, and on PostgreSQL an advisory lock.

The OS lock (``flock``) guards a case folder on one machine; the advisory lock guards a PostgreSQL case
database that two machines (or two case folders) could reach. Both are released by the operating system or
the server when the process holding them dies, even by ``kill -9``: a later open that can take them knows
that no scan is running, so a scan still marked ``running`` was interrupted.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from types import TracebackType

from sqlalchemy import Connection, Engine, text

from warden.clock import utc_now
from warden.errors import CaseBusyError

LOCK_NAME = "scan.lock"
"""The file in the case folder a scan holds locked, naming its process (for the busy message)."""

ADVISORY_KEY = 0x5761_7264_656E_0001
"""The PostgreSQL advisory lock a scan holds in the case's database (``Warden`` in ASCII, then 1)."""


class ScanLock:
    """The lock a scan holds on its case for as long as it runs.

    Args:
        folder: the case folder.
        engine: the case database.
    """

    def __init__(self, folder: Path, engine: Engine) -> None:
        self.path = folder / LOCK_NAME
        self._engine = engine
        self._descriptor: int | None = None
        self._connection: Connection | None = None

    def try_acquire(self, operator: str = "") -> bool:
        """Take the lock if no other process holds it; returns whether it was taken.

        Raises:
            OSError: the lock file cannot be created or opened (a read-only or full case folder).
        """
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        try:
            if not self._take_advisory():
                self.release()
                return False
            holder = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "operator": operator,
                "since": utc_now(),
            }
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, (json.dumps(holder) + "\n").encode("utf-8"), 0)
        except BaseException:
            self.release()
            raise
        return True

    def acquire(self, operator: str = "") -> None:
        """Take the lock or refuse.

        Raises:
            CaseBusyError: another process is scanning this case now.
            OSError: the lock file cannot be created or opened.
        """
        if not self.try_acquire(operator):
            raise CaseBusyError(
                f"the case {self.path.parent} is being scanned now{self.holder()}: a second scan of one case "
                "is refused; wait for that one to finish (or stop it: a stopped scan resumes when run again)"
            )

    def holder(self) -> str:
        """Who holds the lock, as the holder wrote it (`` by process 12 on host h since ...``), or ``""``."""
        try:
            written = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        if not isinstance(written, dict) or "pid" not in written:
            return ""
        who = f" ({written['operator']})" if written.get("operator") else ""
        return f" by process {written['pid']} on {written.get('host')}{who} since {written.get('since')}"

    def _take_advisory(self) -> bool:
        if self._engine.dialect.name != "postgresql":
            return True
        connection = self._engine.connect()
        try:
            taken = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
            )
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        """Let the lock go (closing the advisory lock's connection lets that one go too)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                connection.commit()
            except Exception:
                # A session that could not unlock must not go back to the pool holding the lock.
                connection.invalidate()
            connection.close()
        if self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            os.close(descriptor)  # closing the only descriptor drops the flock

    def __enter__(self) -> ScanLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()

"""What the commands that manage the matching service (``apikey``, ``webhook``) share: its database, and
times as they print them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine


def iso(seconds: float | None) -> str | None:
    """A POSIX time as ISO 8601 in UTC to the second; None stays None."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def service_engine(db_url: str | None) -> Engine:
    """The service database (``--db``, else the setting), created or upgraded; a SQLite file's folder is made
    private when Warden creates it."""
    from warden.private import make_private_dir
    from warden.serve.config import db_url as configured
    from warden.servicedb.database import open_service_db

    url = db_url or configured()
    if url.startswith("sqlite:///"):
        make_private_dir(Path(url.removeprefix("sqlite:///")).parent, tighten=False)
    return open_service_db(url)

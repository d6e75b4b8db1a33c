"""Which database holds a case: ``case.db`` in its folder, or a server the folder names (without a password).

A case scanned with ``--db`` records that database's URL, password left out, in ``case-database.json`` in
the case folder, so every later command on the folder (scan, report, review, audit verify...) opens the same
database without being told, and ``--db`` naming another database is refused. The password of a recorded
PostgreSQL database comes from where libpq looks for one: ``PGPASSWORD`` or the ``~/.pgpass`` file
(``PGPASSFILE``), or a ``--db`` URL that carries it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from warden.errors import CaseError, CaseMismatchError

RECORD_NAME = "case-database.json"
"""The file in a case folder naming the database of a case that is not in ``case.db``."""

_DEFAULT_PORTS = {"postgresql": 5432}


def parse(url: str) -> URL:
    """The SQLAlchemy URL of a ``--db`` value.

    Raises:
        CaseError: not a database URL.
    """
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise CaseError(f"--db {public(url)!r} is not a database URL ({exc})") from None


def public(url: str | URL) -> str:
    """The URL without its password (in the user part or as a ``password=`` parameter): safe to record."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return "<not a database URL>"
    return (
        parsed._replace(password=None)
        .difference_update_query(["password"])
        .render_as_string(hide_password=False)
    )


def _identity(url: URL) -> tuple[object, ...]:
    """What names one database: not the driver, nor the password, nor a default port written out."""
    backend = url.get_backend_name()
    port = url.port or _DEFAULT_PORTS.get(backend)
    query = tuple(sorted((k, str(v)) for k, v in url.query.items() if k != "password"))
    return backend, url.username, url.host, port, url.database, query


def same_database(first: str, second: str) -> bool:
    """True when two URLs name the same database (drivers and passwords aside)."""
    return _identity(parse(first)) == _identity(parse(second))


def recorded(folder: Path) -> str | None:
    """The database URL the case folder records, or None (the case is ``case.db``, or not yet made).

    Raises:
        CaseError: the record is there but unreadable or malformed.
    """
    path = folder / RECORD_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CaseError(f"cannot read {path}: {exc.strerror}") from None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        raise CaseError(f'{path} is damaged: it should name the case\'s database as {{"url": ...}}')
    return str(value["url"])


def record(folder: Path, url: str) -> None:
    """Write the case's database URL (without its password) into the case folder, atomically."""
    path = folder / RECORD_NAME
    partial = folder / f".{RECORD_NAME}.{os.getpid()}"
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        json.dump({"url": public(url)}, out)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def choose(folder: Path, given: str | None, *, sqlite_exists: bool) -> str | None:
    """The URL a command should open: ``given`` (checked against the record), the recorded one, or None
    for the folder's own ``case.db``.

    Raises:
        CaseMismatchError: ``given`` names another database than the one the case is in.
        CaseError: ``given`` is not a database URL, or the record is damaged.
    """
    known = recorded(folder)
    if given is None:
        return known
    parse(given)
    if known is not None and not same_database(known, given):
        raise CaseMismatchError(
            f"this case is in the database {known} (recorded in {folder / RECORD_NAME}), but --db names "
            f"{public(given)}: leave out --db to use the case's own database"
        )
    if known is None and sqlite_exists:
        raise CaseMismatchError(
            f"this case is in {folder / 'case.db'} (SQLite), but --db names {public(given)}: leave out --db, "
            "or give another case folder for a case in that database"
        )
    return given

"""Open the service database (SQLite by default, PostgreSQL by URL) and bring it to the current format, the
way a case database is (:func:`warden.case.database.upgrade`), with the service's own migrations."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from warden.case.database import make_engine, upgrade
from warden.servicedb import schema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_service_db(url: str) -> Engine:
    """The service database at ``url``, created or upgraded to the newest format.

    Raises:
        CaseError: the database cannot be read, or was made by a newer Warden.
        DependencyMissingError: the URL's driver is not installed.
    """
    engine = make_engine(url)
    upgrade(engine, MIGRATIONS, schema.service_meta, schema.FORMAT_VERSION, "service")
    return engine

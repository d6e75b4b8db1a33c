"""Open the service database (SQLite by default, PostgreSQL by URL) and bring it to the current format."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from warden.case.database import make_engine
from warden.errors import CaseError
from warden.servicedb import schema

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def open_service_db(url: str) -> Engine:
    """The service database at ``url``, created or upgraded to the newest format.

    Raises:
        CaseError: the database cannot be read, or was made by a newer Warden.
        DependencyMissingError: the URL's driver is not installed.
    """
    engine = make_engine(url)
    config = _config()
    script = ScriptDirectory.from_config(config)
    try:
        with engine.connect() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
    except (DatabaseError, OperationalError) as exc:
        raise CaseError(f"the service database cannot be read: {exc.orig}") from exc
    if before is not None and before not in {rev.revision for rev in script.walk_revisions()}:
        raise CaseError(f"the service database is at revision {before!r}, made by a newer Warden")
    if before != script.get_current_head():
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.execute(
                schema.service_meta.delete().where(schema.service_meta.c.key == "format_version")
            )
            connection.execute(
                schema.service_meta.insert().values(key="format_version", value=str(schema.FORMAT_VERSION))
            )
    return engine

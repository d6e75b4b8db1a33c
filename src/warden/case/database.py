"""Open or create a case database and bring it to the current format with the numbered migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, create_engine, event, select
from sqlalchemy.exc import DatabaseError, OperationalError

from warden.case import schema
from warden.errors import CaseError, DependencyMissingError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this version of Warden knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL keeps a killed scan's committed batches and lets a report be read while a scan writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


SQLITE_LOCK_SECONDS = 60.0
"""How long a writer to a SQLite case waits for another's transaction to end."""


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    Raises:
        DependencyMissingError: the URL's database driver is not installed.
    """
    # A SQLite writer waits for the write lock up to this long (Python's default is 5 s, which forty review
    # requests or scan batches at once on a loaded machine can exceed) before "database is locked".
    connect_args = {"timeout": SQLITE_LOCK_SECONDS} if url.startswith("sqlite") else {}
    try:
        engine = create_engine(url, future=True, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        raise DependencyMissingError(exc.name or "psycopg", "postgres", "a case in PostgreSQL") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Bring the case database to the newest format; returns (revision before, revision after).

    Raises:
        CaseError: the database is not a case, is damaged, or was made by a newer Warden.
    """
    return upgrade(engine, MIGRATIONS, schema.case_meta, schema.FORMAT_VERSION, "case")


def upgrade(
    engine: Engine, migrations: Path, meta: Table, format_version: int, what: str
) -> tuple[str | None, str]:
    """Bring a database of Warden's (a case's, the matching service's) to the newest revision of
    ``migrations`` and record ``format_version`` in its ``meta`` table; returns (revision before, after).

    Raises:
        CaseError: the database cannot be read, or was made by a newer Warden.
    """
    config = Config()
    config.set_main_option("script_location", str(migrations))
    script = ScriptDirectory.from_config(config)
    try:
        before = current_revision(engine)
    except (DatabaseError, OperationalError) as exc:
        raise CaseError(f"the {what} database cannot be read: {exc.orig}") from exc
    if before is not None and before not in {rev.revision for rev in script.walk_revisions()}:
        raise CaseError(
            f"the {what} database is at format revision {before!r}, which this Warden does not know: "
            "it was made by a newer version; upgrade Warden to open it"
        )
    head = script.get_current_head()
    assert head is not None
    if before != head:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.execute(meta.delete().where(meta.c.key == "format_version"))
            connection.execute(meta.insert().values(key="format_version", value=str(format_version)))
    return before, head


def read_meta(engine: Engine) -> dict[str, str]:
    """Every key of ``case_meta``."""
    with engine.connect() as connection:
        rows = connection.execute(select(schema.case_meta.c.key, schema.case_meta.c.value)).all()
    return {key: value for key, value in rows}

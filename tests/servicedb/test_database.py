"""The service database: its migrations create exactly what its schema declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from warden.case.database import sqlite_url
from warden.servicedb.database import open_service_db
from warden.servicedb.schema import metadata


def _differences(url: str) -> list[object]:
    engine = open_service_db(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), metadata))
    finally:
        engine.dispose()


def test_the_migrations_create_exactly_the_declared_tables_on_sqlite(tmp_path: Path) -> None:
    assert _differences(sqlite_url(tmp_path / "service.db")) == []
    assert _differences(sqlite_url(tmp_path / "service.db")) == []  # opening again changes nothing


def test_the_migrations_create_exactly_the_declared_tables_on_postgresql(postgres_url: str) -> None:
    assert _differences(postgres_url) == []

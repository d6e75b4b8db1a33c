"""The case database: created by the numbered migrations, versioned, and refusing what it cannot read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, Text

from warden.case.database import head_revision, read_meta
from warden.case.folder import Case
from warden.case.schema import FORMAT_VERSION, metadata
from warden.errors import CaseError


def test_a_new_case_is_at_the_newest_format(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    meta = read_meta(case.engine)
    assert meta["format_version"] == str(FORMAT_VERSION)
    assert meta["case_id"] == case.id
    with case.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()


def _widened_on_sqlite(difference: object) -> bool:
    """A string column format 4 widened to unlimited text: SQLite never enforced the length, so its cases
    keep the old declaration (changing it would mean copying tables their foreign keys forbid)."""
    if not isinstance(difference, list) or len(difference) != 1:
        return False
    kind, _, table, column, _, old, new = difference[0]
    return bool(
        kind == "modify_type"
        and (table, column) in {("matches", "source_id"), ("evidence", "label"), ("hashsets", "name")}
        and isinstance(old, String)
        and isinstance(new, Text)
    )


def test_the_migrations_create_exactly_the_declared_tables(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    with case.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in differences if not _widened_on_sqlite(d)] == []


@pytest.mark.slow
def test_the_migrations_create_exactly_the_declared_tables_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    case = Case.open(tmp_path / "case", create=True, db_url=postgres_url)
    try:
        with case.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        case.engine.dispose()


def test_opening_a_folder_that_is_not_a_case_says_so(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="not a case folder"):
        Case.open(tmp_path)


def test_a_case_from_a_newer_warden_is_refused_not_damaged(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    case.engine.dispose()
    with sqlite3.connect(tmp_path / "case" / "case.db") as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    with pytest.raises(CaseError, match="newer version"):
        Case.open(tmp_path / "case")


def test_a_damaged_database_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "case.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(CaseError, match="cannot be read"):
        Case.open(folder)


def test_reopening_keeps_the_case_identity(tmp_path: Path) -> None:
    first = Case.open(tmp_path / "case", create=True)
    second = Case.open(tmp_path / "case")
    assert (second.id, second.created) == (first.id, first.created)

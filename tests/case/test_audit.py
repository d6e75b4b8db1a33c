"""The audit log is a hash chain: altering or removing an entry is found, and where."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, update

from warden.case import audit, schema
from warden.case.folder import Case


def make_case(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    for number in range(4):
        case.audit("test.step", {"n": number})
    return case


def test_an_untouched_log_verifies(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.connect() as connection:
        assert audit.verify(connection) is None


def test_an_altered_entry_is_found(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(
            update(schema.audit_log).where(schema.audit_log.c.id == 3).values(actor="someone else")
        )
    with case.engine.connect() as connection:
        problem = audit.verify(connection)
    assert problem is not None and problem.entry_id == 3 and problem.reason == "altered"


def test_a_removed_entry_is_found(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id == 2))
    with case.engine.connect() as connection:
        problem = audit.verify(connection)
    assert problem is not None and problem.entry_id == 2

"""Accounts: a password is checked before it may be changed, without that counting as a login."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from warden.case import accounts, schema
from warden.case.folder import Case


def test_verify_password_checks_without_logging_in(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    with case.engine.begin() as connection:
        ann = accounts.create(connection, "ann", "examiner", "ann's long password", by="test")
        assert accounts.verify_password(connection, ann.id, "ann's long password")
        assert not accounts.verify_password(connection, ann.id, "something else")
        assert not accounts.verify_password(connection, 999, "ann's long password")
        actions = connection.execute(select(schema.audit_log.c.action)).scalars().all()
    assert "login" not in actions

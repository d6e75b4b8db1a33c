"""Sessions: the cookie's token is never stored, expires, and dies with a disabled account."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from warden.case import accounts, schema
from warden.case.folder import Case
from warden.web.sessions import close_session, find_session, open_session, token_hash


def test_a_session_is_found_by_its_token_until_it_expires_or_is_closed(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    with case.engine.begin() as connection:
        ann = accounts.create(connection, "ann", "examiner", "ann's long password", by="test")
        token, session = open_session(connection, ann, hours=1)
        stale, _ = open_session(connection, ann, hours=-1)
        assert connection.execute(select(schema.sessions.c.token_hash)).scalars().all().count(token) == 0
        assert session.key == token_hash(token)
        found = find_session(connection, token)
        assert found is not None and found.account.name == "ann" and found.csrf == session.csrf
        assert find_session(connection, stale) is None
        assert find_session(connection, "made-up") is None
        close_session(connection, session.key)
        assert find_session(connection, token) is None


def test_a_disabled_account_loses_its_sessions(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    with case.engine.begin() as connection:
        ann = accounts.create(connection, "ann", "examiner", "ann's long password", by="test")
        token, _ = open_session(connection, ann, hours=1)
        connection.execute(update(schema.users).values(disabled=1))
        assert find_session(connection, token) is None

"""The review app's login sessions as the case database keeps them: only the SHA-256 of each browser's token,
the account, the session's CSRF token and its expiry (``warden.web.sessions`` makes and checks them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from warden.case import schema
from warden.clock import utc_now


@dataclass(frozen=True, slots=True)
class StoredSession:
    """One row of ``sessions``: whose it is, its CSRF token and when it ends (ISO 8601 UTC)."""

    user_id: int
    csrf: str
    expires_at: str


def store_session(connection: Connection, key: str, session: StoredSession) -> None:
    """Record a session under ``key`` (its token's hash), dropping the sessions that have ended."""
    connection.execute(delete(schema.sessions).where(schema.sessions.c.expires_at < utc_now()))
    connection.execute(
        schema.sessions.insert().values(
            token_hash=key,
            user_id=session.user_id,
            csrf=session.csrf,
            created_at=utc_now(),
            expires_at=session.expires_at,
        )
    )


def stored_session(connection: Connection, key: str) -> StoredSession | None:
    """The session recorded under ``key``, ended or not; None when there is none."""
    row = connection.execute(select(schema.sessions).where(schema.sessions.c.token_hash == key)).first()
    if row is None:
        return None
    return StoredSession(int(row.user_id), row.csrf, row.expires_at)


def forget_session(connection: Connection, key: str) -> None:
    """Delete the session recorded under ``key`` (logout)."""
    connection.execute(delete(schema.sessions).where(schema.sessions.c.token_hash == key))


def forget_other_sessions(connection: Connection, account_id: int, keep: str) -> None:
    """Delete every session of the account but the one under ``keep``."""
    connection.execute(
        delete(schema.sessions).where(
            schema.sessions.c.user_id == account_id, schema.sessions.c.token_hash != keep
        )
    )

"""Server-side login sessions in the case database: a random token in a cookie, only its SHA-256 stored.

A session row holds the hash of the browser's token, the account, a CSRF token for that session and an
expiry. Logging out deletes the row, so a copied cookie stops working at once; changing a password ends
every other session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Connection

from warden.case import accounts
from warden.case.accounts import Account
from warden.case.sessions import (
    StoredSession,
    forget_other_sessions,
    forget_session,
    store_session,
    stored_session,
)
from warden.clock import from_timestamp, utc_now


def session_cookie(port: int) -> str:
    """The session cookie's name (HttpOnly, SameSite=Strict, path /, Secure over HTTPS).

    Named for the app's port: browsers keep cookies per host, not per port, so two review apps on one machine
    would otherwise share, and overwrite, one cookie.
    """
    return f"warden_session_{port}"


def login_cookie(port: int) -> str:
    """The cookie holding a short-lived random value the login form must echo (there is no session yet to
    hold a CSRF token); named for the port like :func:`session_cookie`."""
    return f"warden_login_{port}"


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser.

    Attributes:
        key: SHA-256 of the cookie's token (what the database holds; also keys in-memory state).
        account: who is logged in.
        csrf: the token every POST of this session must carry.
        expires_at: when the session ends, ISO 8601 UTC.
    """

    key: str
    account: Account
    csrf: str
    expires_at: str


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a session token: a stolen database gives no usable cookie."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(connection: Connection, account: Account, hours: float) -> tuple[str, Session]:
    """Start a session for ``account``; returns the token for the cookie and the session."""
    token = secrets.token_urlsafe(32)
    session = Session(
        key=token_hash(token),
        account=account,
        csrf=secrets.token_urlsafe(32),
        expires_at=from_timestamp(time.time() + hours * 3600),
    )
    store_session(connection, session.key, StoredSession(account.id, session.csrf, session.expires_at))
    return token, session


def find_session(connection: Connection, token: str) -> Session | None:
    """The live session of a cookie's token, or None (unknown, expired, or the account is disabled)."""
    if not token or len(token) > 128:
        return None
    key = token_hash(token)
    stored = stored_session(connection, key)
    if stored is None or stored.expires_at < utc_now():
        return None
    account = accounts.get(connection, stored.user_id)
    if account is None or account.disabled:
        return None
    return Session(key, account, stored.csrf, stored.expires_at)


def close_session(connection: Connection, key: str) -> None:
    """End a session (logout)."""
    forget_session(connection, key)


def close_other_sessions(connection: Connection, account_id: int, keep: str) -> None:
    """End every session of the account but ``keep`` (after a password change)."""
    forget_other_sessions(connection, account_id, keep)

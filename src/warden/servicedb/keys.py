"""API keys of ``warden serve`` as stored: made, found by their hash, listed, expired, revoked, and their
requests counted per minute.

A key is 256 random bits shown once, when made; the database holds only its SHA-256. A slow password hash
(Argon2) protects guessable passwords; a 256-bit random key cannot be guessed, so a fast hash is as safe, and
it lets each request find its key by one indexed equality lookup instead of trying every stored hash.

Requests are counted by one atomic statement (an insert that on conflict adds to the count and returns the new
count), so several worker processes, or machines sharing a PostgreSQL database, share one count: the database
serialises the statements, and 40 requests counted at once get the counts 1 to 40. How often a worker counts
is :mod:`warden.serve.ratelimit`'s business.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from warden.errors import UsageError
from warden.servicedb import schema

SCOPES = ("hash", "match", "curate", "psi", "admin")
"""What a key may do: hash uploads, look hashes up, manage banks, evaluate blinded hashes against a private-
membership list (``warden psi serve``; its rate counted in hashes, not requests), anything (``admin`` holds
every scope)."""

PREFIX = "wdn_"
"""Every key starts with this, so a key leaked into a file or a log can be recognised by a secret scanner."""

_KEYS = schema.api_keys
_RATES = schema.api_key_rates


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key as stored (never the key itself).

    Attributes:
        id: its row.
        name: what its owner called it (unique).
        prefix: the key's first characters, to tell keys apart in a list.
        scopes: what it may do.
        rate_per_minute: requests it may make per minute.
        created: when it was made (seconds since the epoch); likewise ``expires`` (None: never) and
            ``revoked`` (None: not revoked).
    """

    id: int
    name: str
    prefix: str
    scopes: frozenset[str]
    rate_per_minute: int
    created: float
    expires: float | None
    revoked: float | None

    def allows(self, scope: str) -> bool:
        """Whether the key holds ``scope`` (``admin`` holds every one)."""
        return scope in self.scopes or "admin" in self.scopes

    def usable(self, now: float) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked is None and (self.expires is None or self.expires > now)

    def state(self, now: float) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked is not None:
            return "revoked"
        return "active" if self.usable(now) else "expired"


def digest(key: str) -> str:
    """The SHA-256 (hex) a key is stored and found by."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh key: :data:`PREFIX` and 256 random bits, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def check_scopes(scopes: list[str] | tuple[str, ...]) -> frozenset[str]:
    """``scopes`` as a set.

    Raises:
        UsageError: none given, or one that is not a scope.
    """
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise UsageError(f"scopes must be among {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
    return frozenset(scopes)


def _record(row: object) -> ApiKey:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ApiKey(
        id=int(mapping["id"]),
        name=str(mapping["name"]),
        prefix=str(mapping["prefix"]),
        scopes=frozenset(s for s in str(mapping["scopes"]).split(",") if s),
        rate_per_minute=int(mapping["rate_per_minute"]),
        created=float(mapping["created"]),
        expires=None if mapping["expires"] is None else float(mapping["expires"]),
        revoked=None if mapping["revoked"] is None else float(mapping["revoked"]),
    )


def create_key(
    connection: Connection,
    name: str,
    scopes: frozenset[str],
    rate_per_minute: int,
    now: float,
    expires: float | None = None,
) -> tuple[str, ApiKey]:
    """Make a key; returns the key itself (to be shown once) and its record.

    Raises:
        UsageError: a key of that name exists, the name is empty, or the rate is not positive.
    """
    if not name.strip() or len(name) > 200:
        raise UsageError("a key's name must be 1 to 200 characters")
    if rate_per_minute < 1:
        raise UsageError("a key's rate must be at least 1 request per minute")
    key = new_key()
    values = {
        "name": name,
        "key_hash": digest(key),
        "prefix": key[: len(PREFIX) + 6],
        "scopes": ",".join(sorted(scopes)),
        "rate_per_minute": rate_per_minute,
        "created": now,
        "expires": expires,
        "revoked": None,
    }
    try:
        with connection.begin_nested():
            connection.execute(_KEYS.insert().values(**values))
    except IntegrityError:
        raise UsageError(f"an API key named {name!r} exists already") from None
    found = find_by_name(connection, name)
    assert found is not None
    return key, found


def find_by_key(connection: Connection, key: str) -> ApiKey | None:
    """The record of ``key`` (looked up by its hash), or None when no such key was ever made."""
    return find_by_digest(connection, digest(key))


def find_by_digest(connection: Connection, key_hash: str) -> ApiKey | None:
    """The record of the key whose :func:`digest` is ``key_hash``, or None."""
    row = connection.execute(select(_KEYS).where(_KEYS.c.key_hash == key_hash)).first()
    return None if row is None else _record(row)


def find_by_name(connection: Connection, name: str) -> ApiKey | None:
    """The key named ``name``, or None."""
    row = connection.execute(select(_KEYS).where(_KEYS.c.name == name)).first()
    return None if row is None else _record(row)


def list_keys(connection: Connection) -> list[ApiKey]:
    """Every key ever made, oldest first."""
    return [_record(row) for row in connection.execute(select(_KEYS).order_by(_KEYS.c.id))]


def _named(connection: Connection, name: str) -> ApiKey:
    found = find_by_name(connection, name)
    if found is None:
        raise UsageError(f"no API key is named {name!r} (warden apikey list shows them)")
    return found


def revoke_key(connection: Connection, name: str, now: float) -> ApiKey:
    """Revoke the key named ``name`` for good (a revoked key stays listed).

    Raises:
        UsageError: no key has that name.
    """
    found = _named(connection, name)
    if found.revoked is None:
        connection.execute(update(_KEYS).where(_KEYS.c.id == found.id).values(revoked=now))
    return _named(connection, name)


def expire_key(connection: Connection, name: str, when: float) -> ApiKey:
    """Make the key named ``name`` expire at ``when`` (now, or a later time).

    Raises:
        UsageError: no key has that name.
    """
    found = _named(connection, name)
    connection.execute(update(_KEYS).where(_KEYS.c.id == found.id).values(expires=when))
    return _named(connection, name)


def count_request(connection: Connection, key_id: int, minute: int, requests: int = 1) -> int:
    """Add ``requests`` to the key's count for ``minute`` in one statement; returns the new count (0 adds
    nothing and reads the count).

    The first count of a minute also drops the key's counts of earlier minutes (keeps the table small).
    """
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(_RATES)
        .values(key_id=key_id, minute=minute, requests=requests)
        .on_conflict_do_update(
            index_elements=[_RATES.c.key_id, _RATES.c.minute],
            set_={"requests": _RATES.c.requests + requests},
        )
        .returning(_RATES.c.requests)
    )
    count = int(connection.execute(statement).scalar_one())
    if count == requests:
        connection.execute(delete(_RATES).where(_RATES.c.key_id == key_id, _RATES.c.minute < minute))
    return count

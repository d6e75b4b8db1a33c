"""The people who may open a case's review app: named accounts with a role, passwords hashed with Argon2id.

Accounts live in the case database, so every grade and login in the audit log names a person of that case.
The first account, ``admin``, is made with a one-time password that must be changed at first login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from warden.case import audit, schema
from warden.clock import utc_now
from warden.errors import UsageError

ROLES = ("admin", "examiner", "reviewer", "viewer")
"""``admin`` manages accounts and grades; ``examiner`` grades; ``reviewer`` grades and confirms or disputes
others' grades; ``viewer`` only reads."""

_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Account:
    """A user of the case."""

    id: int
    name: str
    role: str
    must_change_password: bool
    disabled: bool

    @property
    def can_grade(self) -> bool:
        """Examiners, reviewers and admins grade."""
        return self.role in ("admin", "examiner", "reviewer") and not self.disabled

    @property
    def can_review(self) -> bool:
        """Reviewers and admins confirm or dispute grades."""
        return self.role in ("admin", "reviewer") and not self.disabled


def _account(row: object) -> Account:
    mapping = row._mapping  # type: ignore[attr-defined]
    return Account(
        int(mapping["id"]),
        mapping["name"],
        mapping["role"],
        bool(mapping["must_change_password"]),
        bool(mapping["disabled"]),
    )


def create(
    connection: Connection, name: str, role: str, password: str, *, by: str, must_change: bool = False
) -> Account:
    """Add an account.

    Raises:
        UsageError: the role is unknown, the name is taken, or the password is shorter than 12 characters.
    """
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    if connection.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first():
        raise UsageError(f"there is already an account named {name!r}")
    result = connection.execute(
        schema.users.insert().values(
            name=name,
            role=role,
            password_hash=_HASHER.hash(password),
            must_change_password=int(must_change),
            disabled=0,
            created_at=utc_now(),
        )
    )
    audit.append(connection, by, "account.create", {"name": name, "role": role})
    key = result.inserted_primary_key
    assert key is not None
    return Account(int(key[0]), name, role, must_change, False)


def ensure_admin(connection: Connection) -> str | None:
    """Create ``admin`` with a one-time password when the case has no account yet; returns that password."""
    if connection.execute(select(schema.users.c.id).limit(1)).first() is not None:
        return None
    password = secrets.token_urlsafe(15)
    create(connection, "admin", "admin", password, by="warden", must_change=True)
    return password


def _matches(password_hash: object, password: str) -> bool:
    try:
        return _HASHER.verify(str(password_hash), password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(connection: Connection, name: str, password: str) -> Account | None:
    """The account if the password is right and the account is enabled, else None (the attempt is logged)."""
    row = connection.execute(select(schema.users).where(schema.users.c.name == name)).first()
    ok = row is not None and not row.disabled and _matches(row.password_hash, password)
    audit.append(connection, name, "login" if ok else "login.failed", {})
    return _account(row) if ok and row is not None else None


def verify_password(connection: Connection, account_id: int, password: str) -> bool:
    """Whether ``password`` is the account's current one, without logging in (checked before a change)."""
    stored = connection.execute(
        select(schema.users.c.password_hash).where(schema.users.c.id == account_id)
    ).scalar()
    return stored is not None and _matches(stored, password)


def set_password(connection: Connection, account_id: int, password: str) -> None:
    """Change a password (clearing the must-change flag).

    Raises:
        UsageError: shorter than 12 characters.
    """
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    connection.execute(
        update(schema.users)
        .where(schema.users.c.id == account_id)
        .values(password_hash=_HASHER.hash(password), must_change_password=0)
    )
    name = connection.execute(select(schema.users.c.name).where(schema.users.c.id == account_id)).scalar()
    audit.append(connection, str(name), "account.password", {})


def get(connection: Connection, account_id: int) -> Account | None:
    """The account with that id."""
    row = connection.execute(select(schema.users).where(schema.users.c.id == account_id)).first()
    return _account(row) if row is not None else None


def all_accounts(connection: Connection) -> list[Account]:
    """Every account, by name."""
    return [_account(row) for row in connection.execute(select(schema.users).order_by(schema.users.c.name))]

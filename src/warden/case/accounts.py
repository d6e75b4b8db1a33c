"""The people who may open a case's review app: named accounts with a role, passwords hashed with Argon2id.

Accounts live in the case database, so every grade and login in the audit log names a person of that case.
The first account, ``admin``, is made with a one-time password that must be changed at first login. Each
account records the account that created it: whoever creates an account can use it, so no grade is
confirmed by an account tied to its grader that way (:func:`tied_to`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from warden.case import audit, schema
from warden.clock import utc_now
from warden.errors import UsageError

ROLES = ("admin", "examiner", "reviewer", "viewer")
"""``admin`` manages accounts and grades; ``examiner`` grades; ``reviewer`` grades and confirms or disputes
others' grades; ``viewer`` only reads."""

NO_ACCOUNT = "(no account)"
"""The audit log's actor for a failed login under a name that is no account (the name tried is in the entry's
detail): a name someone typed is not a person of the case."""

_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """An Argon2id hash of a random password, made like the accounts' own.

    A login under a name that is no account (or a disabled one) is checked against it, so it takes as long as
    one under a real name: login timing reveals no account names.
    """
    return _HASHER.hash(secrets.token_urlsafe(24))


def warm_up() -> None:
    """Make the dummy hash now (the review app does at start), so that no login pays for making it."""
    _dummy_hash()


@dataclass(frozen=True, slots=True)
class Account:
    """A user of the case.

    Attributes:
        created_by: the account that created this one; None when made from the command line.
    """

    id: int
    name: str
    role: str
    must_change_password: bool
    disabled: bool
    created_by: int | None = None

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
        None if mapping["created_by"] is None else int(mapping["created_by"]),
    )


def create(
    connection: Connection,
    name: str,
    role: str,
    password: str,
    *,
    by: str,
    must_change: bool = False,
    creator: Account | None = None,
) -> Account:
    """Add an account.

    Args:
        by: who did it, for the audit log (an account's name, or the operator's from the command line).
        creator: the logged-in account that creates it, recorded (the two are tied for second reviews);
            None from the command line.

    Raises:
        UsageError: the role is unknown, the name is taken, or the password is shorter than 12 characters.
    """
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    if connection.execute(select(schema.users.c.id).where(schema.users.c.name == name)).first():
        raise UsageError(f"there is already an account named {name!r}")
    created_by = creator.id if creator is not None else None
    result = connection.execute(
        schema.users.insert().values(
            name=name,
            role=role,
            password_hash=_HASHER.hash(password),
            must_change_password=int(must_change),
            disabled=0,
            created_at=utc_now(),
            created_by=created_by,
        )
    )
    audit.append(connection, by, "account.create", {"name": name, "role": role})
    key = result.inserted_primary_key
    assert key is not None
    return Account(int(key[0]), name, role, must_change, False, created_by)


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
    """The account if the password is right and the account is enabled, else None (the attempt is logged).

    A name that is no account, or a disabled account, is checked against a dummy hash all the same, so the
    answer takes as long either way; a failure under a name that is no account is logged as
    :data:`NO_ACCOUNT`'s, with the name tried in the detail.
    """
    row = connection.execute(select(schema.users).where(schema.users.c.name == name)).first()
    usable = row is not None and not row.disabled
    matched = _matches(row.password_hash if row is not None and usable else _dummy_hash(), password)
    if row is None:
        audit.append(connection, NO_ACCOUNT, "login.failed", {"name": name})
        return None
    ok = usable and matched
    audit.append(connection, name, "login" if ok else "login.failed", {})
    return _account(row) if ok else None


def verify_password(connection: Connection, account_id: int, password: str) -> bool:
    """Whether ``password`` is the account's current one, without logging in (checked before a change)."""
    stored = connection.execute(
        select(schema.users.c.password_hash).where(schema.users.c.id == account_id)
    ).scalar()
    return _matches(stored if stored is not None else _dummy_hash(), password) and stored is not None


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


def _creators_of(creators: Mapping[int, int | None], account_id: int) -> list[int]:
    """The account that created ``account_id``, the one that created that, and so on up."""
    found: list[int] = []
    above = creators.get(account_id)
    while above is not None and above != account_id and above not in found:
        found.append(above)
        above = creators.get(above)
    return found


def tied_to(connection: Connection, account_id: int) -> frozenset[str]:
    """Names of the accounts whose grades ``account_id`` may not review, itself included.

    Whoever creates an account sets its first password, so may use it: an account is tied to the accounts that
    created it (up the line) and to every account it created (down the line). A confirmation between tied
    accounts could be one person's, so none is accepted.
    """
    rows = connection.execute(select(schema.users.c.id, schema.users.c.name, schema.users.c.created_by)).all()
    creators = {int(key): None if by is None else int(by) for key, _, by in rows}
    names = {int(key): str(name) for key, name, _ in rows}
    tied = {account_id, *_creators_of(creators, account_id)}
    tied |= {account for account in creators if account_id in _creators_of(creators, account)}
    return frozenset(names[account] for account in tied if account in names)

"""The banks' state in the service database: banks, the change log every worker polls, disabled content.

A bank's entries live sealed in the hash-set store (its ``base``) and, for what changed since, sealed in
``bank_changes``; this module holds every SQL statement about them. Each change takes the next number from
the one ``bank_log_head`` row, so writers queue on that row and a poller reading ``seq > n`` never misses a
change committed late.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select, update

from warden.clock import utc_now
from warden.errors import HashSetExistsError, HashSetNotFoundError
from warden.servicedb.schema import bank_changes, bank_disabled, bank_log_head, banks

ADD, REMOVE = "add", "remove"
"""Operations that change a bank's content (the rest only tell workers to reload the bank)."""


@dataclass(frozen=True, slots=True)
class BankRow:
    """A bank as stored.

    Attributes:
        name: the bank's name.
        matching_enabled_ratio: HMA's ratio, 0-1: the share of lookups the bank takes part in.
        created_at: when it was created (UTC, ISO 8601).
        base: the hash-set store's set holding the bank's content up to ``base_seq``; None while empty.
        base_seq: the last change the base holds.
    """

    name: str
    matching_enabled_ratio: float
    created_at: str
    base: str | None
    base_seq: int


@dataclass(frozen=True, slots=True)
class Change:
    """One content change since a bank's base: ``add`` (with the sealed entry) or ``remove``."""

    seq: int
    op: str
    content_id: str
    entry: bytes | None


def _row(row: Row[Any, Any, Any, Any, Any]) -> BankRow:
    name, ratio, created, base, base_seq = row
    return BankRow(str(name), float(ratio), str(created), None if base is None else str(base), int(base_seq))


_COLUMNS = (banks.c.name, banks.c.matching_enabled_ratio, banks.c.created_at, banks.c.base, banks.c.base_seq)


def log(
    connection: Connection, bank: str, op: str, content_id: str | None = None, entry: bytes | None = None
) -> int:
    """Append one change in the caller's transaction and return its number (the row lock orders writers)."""
    connection.execute(
        update(bank_log_head).where(bank_log_head.c.id == 1).values(seq=bank_log_head.c.seq + 1)
    )
    seq = int(connection.execute(select(bank_log_head.c.seq).where(bank_log_head.c.id == 1)).scalar_one())
    connection.execute(
        bank_changes.insert().values(
            seq=seq, bank=bank, op=op, content_id=content_id, entry=entry, at=utc_now()
        )
    )
    return seq


def head(engine: Engine) -> int:
    """The number of the last change: a worker that has seen it is up to date."""
    with engine.connect() as connection:
        return int(
            connection.execute(select(bank_log_head.c.seq).where(bank_log_head.c.id == 1)).scalar_one()
        )


def changed_since(engine: Engine, seq: int) -> tuple[int, set[str]]:
    """(the newest change number, the banks changed after ``seq``)."""
    with engine.connect() as connection:
        newest = int(
            connection.execute(select(bank_log_head.c.seq).where(bank_log_head.c.id == 1)).scalar_one()
        )
        if newest == seq:
            return newest, set()
        names = connection.execute(
            select(bank_changes.c.bank)
            .where(bank_changes.c.seq > seq, bank_changes.c.seq <= newest)
            .distinct()
        ).scalars()
        return newest, set(names)


def create(engine: Engine, name: str, ratio: float) -> BankRow:
    """Create an empty bank.

    Raises:
        HashSetExistsError: a bank of that name exists.
    """
    with engine.begin() as connection:
        seq = log(connection, name, "create")  # first: the head row's lock makes this the only writer
        if connection.execute(select(banks.c.name).where(banks.c.name == name)).first() is not None:
            raise HashSetExistsError(f"a bank named {name!r} exists")
        created = utc_now()
        connection.execute(
            banks.insert().values(
                name=name, matching_enabled_ratio=ratio, created_at=created, base=None, base_seq=seq
            )
        )
    return BankRow(name, ratio, created, None, seq)


def find(connection: Connection, name: str) -> BankRow | None:
    """The bank named ``name``, or None."""
    row = connection.execute(select(*_COLUMNS).where(banks.c.name == name)).first()
    return None if row is None else _row(row)


def get(engine: Engine, name: str) -> BankRow:
    """The bank named ``name``.

    Raises:
        HashSetNotFoundError: there is none.
    """
    with engine.connect() as connection:
        return need(connection, name)


def need(connection: Connection, name: str) -> BankRow:
    """The bank named ``name`` in the caller's transaction.

    Raises:
        HashSetNotFoundError: there is none.
    """
    row = find(connection, name)
    if row is None:
        raise HashSetNotFoundError(f"no bank named {name!r}")
    return row


def all_banks(engine: Engine) -> list[BankRow]:
    """Every bank, by name."""
    with engine.connect() as connection:
        return [_row(row) for row in connection.execute(select(*_COLUMNS).order_by(banks.c.name))]


def names(connection: Connection) -> list[str]:
    """Every bank's name, sorted."""
    return [str(name) for name in connection.execute(select(banks.c.name).order_by(banks.c.name)).scalars()]


def set_ratio(engine: Engine, name: str, ratio: float) -> None:
    """Change a bank's ``matching_enabled_ratio``.

    Raises:
        HashSetNotFoundError: no such bank.
    """
    with engine.begin() as connection:
        log(connection, name, "config")
        need(connection, name)
        connection.execute(update(banks).where(banks.c.name == name).values(matching_enabled_ratio=ratio))


def drop(engine: Engine, name: str) -> str | None:
    """Delete a bank and its changes; returns its base set (for the caller to delete from the store).

    Raises:
        HashSetNotFoundError: no such bank.
    """
    with engine.begin() as connection:
        seq = log(connection, name, "drop")
        row = need(connection, name)
        connection.execute(delete(bank_changes).where(bank_changes.c.bank == name, bank_changes.c.seq < seq))
        connection.execute(delete(bank_disabled).where(bank_disabled.c.bank == name))
        connection.execute(delete(banks).where(banks.c.name == name))
    return row.base


def changes(connection: Connection, name: str, after: int, upto: int | None = None) -> list[Change]:
    """The bank's content changes numbered after ``after`` (and up to ``upto``), in order."""
    query = select(
        bank_changes.c.seq, bank_changes.c.op, bank_changes.c.content_id, bank_changes.c.entry
    ).where(bank_changes.c.bank == name, bank_changes.c.seq > after, bank_changes.c.op.in_((ADD, REMOVE)))
    if upto is not None:
        query = query.where(bank_changes.c.seq <= upto)
    return [
        Change(int(seq), str(op), str(content_id), entry)
        for seq, op, content_id, entry in connection.execute(query.order_by(bank_changes.c.seq))
    ]


def last_content_op(connection: Connection, name: str, content_id: str, after: int) -> str | None:
    """The last add or remove of ``content_id`` in the bank's log after ``after`` (None: none since)."""
    query = (
        select(bank_changes.c.op)
        .where(
            bank_changes.c.bank == name,
            bank_changes.c.seq > after,
            bank_changes.c.content_id == content_id,
            bank_changes.c.op.in_((ADD, REMOVE)),
        )
        .order_by(bank_changes.c.seq.desc())
        .limit(1)
    )
    op = connection.execute(query).scalar_one_or_none()
    return None if op is None else str(op)


def record(engine: Engine, name: str, changes: Iterable[tuple[str, str, bytes | None]]) -> int:
    """Append content changes ``(op, content_id, sealed entry or None)`` to a bank in one transaction; returns
    the last change's number.

    Raises:
        HashSetNotFoundError: no such bank.
    """
    with engine.begin() as connection:
        seq = log(connection, name, "touch")  # first, so this transaction is the only writer from here
        need(connection, name)
        for op, content_id, entry in changes:
            seq = log(connection, name, op, content_id, entry)
    return seq


def disabled(connection: Connection, name: str) -> set[str]:
    """The content ids of the bank that are not matched."""
    rows = connection.execute(select(bank_disabled.c.content_id).where(bank_disabled.c.bank == name))
    return set(rows.scalars())


def set_enabled(engine: Engine, name: str, content_ids: Iterable[str], enabled: bool) -> None:
    """Enable or disable content of a bank (the content stays in the bank either way).

    Raises:
        HashSetNotFoundError: no such bank.
    """
    with engine.begin() as connection:
        log(connection, name, "enable" if enabled else "disable")
        need(connection, name)
        held = disabled(connection, name)
        for content_id in content_ids:
            if enabled and content_id in held:
                connection.execute(
                    delete(bank_disabled).where(
                        bank_disabled.c.bank == name, bank_disabled.c.content_id == content_id
                    )
                )
            elif not enabled and content_id not in held:
                connection.execute(bank_disabled.insert().values(bank=name, content_id=content_id))
                held.add(content_id)


def claim_merge(engine: Engine, name: str, seconds: float) -> bool:
    """Claim the bank's merge for ``seconds``: True for the one process that gets it."""
    now = time.time()
    with engine.begin() as connection:
        result = connection.execute(
            update(banks)
            .where(banks.c.name == name)
            .where((banks.c.merging_until.is_(None)) | (banks.c.merging_until < now))
            .values(merging_until=now + seconds)
        )
        return result.rowcount == 1


def finish_merge(engine: Engine, name: str, base: str | None, upto: int) -> bool:
    """Point the bank at its new ``base`` holding every change up to ``upto``, drop those changes, release the
    claim; False if the bank was deleted meanwhile."""
    with engine.begin() as connection:
        log(connection, name, "base")
        if find(connection, name) is None:
            return False
        connection.execute(
            update(banks).where(banks.c.name == name).values(base=base, base_seq=upto, merging_until=None)
        )
        connection.execute(
            delete(bank_changes).where(
                bank_changes.c.bank == name, bank_changes.c.seq <= upto, bank_changes.c.op.in_((ADD, REMOVE))
            )
        )
    return True


def release_merge(engine: Engine, name: str) -> None:
    """Give up a merge claim (the merge failed)."""
    with engine.begin() as connection:
        connection.execute(update(banks).where(banks.c.name == name).values(merging_until=None))


def pending(engine: Engine, name: str, after: int) -> int:
    """How many content changes of the bank wait to be merged after ``after``."""
    with engine.connect() as connection:
        query = select(func.count()).where(
            bank_changes.c.bank == name, bank_changes.c.seq > after, bank_changes.c.op.in_((ADD, REMOVE))
        )
        return int(connection.execute(query).scalar_one())

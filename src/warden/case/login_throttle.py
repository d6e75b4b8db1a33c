"""Failed password checks counted per key (an account name, a client address) in the case database, one
atomic statement per count, so that parallel guesses are counted one by one (``warden.web.throttle`` decides
what the counts allow)."""

from __future__ import annotations

from sqlalchemy import Connection, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from warden.case import schema

_TABLE = schema.login_throttle


def count_check(connection: Connection, key: str, now: float, window: float) -> tuple[int, float]:
    """Add one to ``key``'s count (afresh when its ``window`` of seconds is over) in one statement: an insert
    that on conflict adds one and returns the new count. Returns the new count and when its window began."""
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    expired = _TABLE.c.since < now - window
    statement = (
        insert(_TABLE)
        .values(key=key, failures=1, since=now)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
                "since": case((expired, now), else_=_TABLE.c.since),
            },
        )
        .returning(_TABLE.c.failures, _TABLE.c.since)
    )
    failures, since = connection.execute(statement).one()
    return int(failures), float(since)


def forget_count(connection: Connection, key: str) -> None:
    """Drop ``key``'s count."""
    connection.execute(delete(_TABLE).where(_TABLE.c.key == key))


def give_back(connection: Connection, key: str) -> None:
    """Take one off ``key``'s count (a check that succeeded), never below zero."""
    connection.execute(
        update(_TABLE)
        .where(_TABLE.c.key == key, _TABLE.c.failures > 0)
        .values(failures=_TABLE.c.failures - 1)
    )


def forget_counts_before(connection: Connection, since: float) -> None:
    """Drop every count whose window began before ``since``."""
    connection.execute(delete(_TABLE).where(_TABLE.c.since < since))

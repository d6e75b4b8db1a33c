"""Slowing down password guessing: per account name and per client address, counted in the case database.

Every password check (a login, or the current password when changing it) is counted *before* it is made, by
one atomic statement per key: an insert that on conflict adds one to the row and returns the new count. The
database serialises those statements (a row lock in PostgreSQL, the write lock in SQLite), so 40 guesses sent
at once get the counts 1 to 40 and only the first few are checked; a count read first and written after the
slow Argon2 check would let them all through. A check that succeeds gives its count back. Counts survive a
restart of the app.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from warden.case import schema

_TABLE = schema.login_throttle


def account_key(name: str) -> str:
    """The counter of an account name (counted alike whether or not it is an account)."""
    return f"account:{name[:100]}"


def client_key(address: str) -> str:
    """The counter of a client address: an IPv6 client by its /64 network (one machine usually holds a whole
    /64), an IPv4 client by its address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return f"client:{address[:100]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"client:{ip.ipv4_mapped}"
        return f"client:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"client:{ip}"


class LoginThrottle:
    """Counts password checks per account name and per client address in the case database.

    Args:
        engine: the case database.
        attempts: checks of one account name that may fail within ``seconds``.
        client_attempts: checks from one client address that may fail within ``seconds``.
        seconds: how long a count lasts (from its first failure); a key over its limit is refused until then.
        clock: seconds since the epoch (tests pass their own).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        attempts: int,
        client_attempts: int,
        seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._limits = {"account": attempts, "client": client_attempts}
        self._seconds = seconds
        self._clock = clock

    def admit(self, name: str, client: str) -> float:
        """Count one password check of ``name`` from ``client``, before it is made.

        Returns:
            0 when the check may be made; else the seconds until the name or the client may try again (the
            check must not be made).
        """
        now = self._clock()
        wait = 0.0
        for kind, key in (("account", account_key(name)), ("client", client_key(client))):
            # One transaction per key: no request ever holds one counter while waiting for another.
            with self._engine.begin() as connection:
                count, since = self._count(connection, key, now)
            if count > self._limits[kind]:
                wait = max(wait, since + self._seconds - now, 1.0)
        return wait

    def succeeded(self, name: str, client: str) -> None:
        """A check succeeded: forget the name's failures, give the client its count back, drop old counts."""
        with self._engine.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.key == account_key(name)))
            connection.execute(
                update(_TABLE)
                .where(_TABLE.c.key == client_key(client), _TABLE.c.failures > 0)
                .values(failures=_TABLE.c.failures - 1)
            )
        self.forget_expired()

    def forget_expired(self) -> None:
        """Delete counts older than the window (they would start afresh anyway): keeps the table small."""
        with self._engine.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.since < self._clock() - self._seconds))

    def _count(self, connection: Connection, key: str, now: float) -> tuple[int, float]:
        """Add one to ``key``'s count (afresh when its window is over); the new count and its start."""
        insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
        expired = _TABLE.c.since < now - self._seconds
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

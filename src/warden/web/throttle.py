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

from sqlalchemy import Engine

from warden.case.login_throttle import count_check, forget_count, forget_counts_before, give_back


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
                count, since = count_check(connection, key, now, self._seconds)
            if count > self._limits[kind]:
                wait = max(wait, since + self._seconds - now, 1.0)
        return wait

    def succeeded(self, name: str, client: str) -> None:
        """A check succeeded: forget the name's failures, give the client its count back, drop old counts."""
        with self._engine.begin() as connection:
            forget_count(connection, account_key(name))
            give_back(connection, client_key(client))
        self.forget_expired()

    def forget_expired(self) -> None:
        """Delete counts older than the window (they would start afresh anyway): keeps the table small."""
        with self._engine.begin() as connection:
            forget_counts_before(connection, self._clock() - self._seconds)

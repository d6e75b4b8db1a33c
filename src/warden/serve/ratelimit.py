"""Each API key's requests per minute, shared by every worker process (and every machine sharing a PostgreSQL
database) through the service database; over the rate is a 429 with ``Retry-After``.

The window is the calendar minute: simple to count atomically in one statement (see
:func:`warden.servicedb.keys.count_request`), and a client told ``Retry-After`` knows when it may go on.

Counting every request in the database would make a database write the cost of every lookup (it was most of
it). So a worker takes a key's requests from the shared count in blocks (a *lease*: :func:`lease_size`
requests, never more than the rate leaves) and admits them from its memory until the block is used; then it
takes another. The shared count therefore always holds every request admitted or about to be, in all
workers together, and never passes the rate: a key is admitted at most its rate per minute, exactly. What a
worker has taken and not used goes back to the shared count about once a second
(:meth:`RateLimiter.sync`, run by a thread of each worker) and when the worker stops, so that another
worker's requests are not refused while one holds an unused block for long. A key whose rate is at most
:data:`EXACT_UP_TO` takes blocks of one: each of its requests is counted in the database first.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import RateLimitedError
from warden.servicedb.keys import ApiKey, count_request

LOG = logging.getLogger("warden.serve")

EXACT_UP_TO = 100
"""Keys with at most this many requests a minute are counted request by request."""

MAX_LEASE = 1000
"""The most requests one worker takes at once."""

SYNC_SECONDS = 1.0
"""How often a worker gives back what it took and did not use."""


def lease_size(rate_per_minute: int) -> int:
    """How many requests a worker takes from a key's count at once: one up to :data:`EXACT_UP_TO` a minute,
    else a twentieth of the rate, at most :data:`MAX_LEASE`."""
    if rate_per_minute <= EXACT_UP_TO:
        return 1
    return max(1, min(MAX_LEASE, rate_per_minute // 20))


class RateLimiter:
    """Counts requests per key and minute.

    Args:
        engine: the service database.
        clock: seconds since the epoch (tests pass their own).
    """

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._leases: dict[tuple[int, int], int] = {}
        """(key id, minute) -> requests taken from the shared count and not yet admitted"""
        self._counts: dict[tuple[int, int], int] = {}
        """(key id, minute) -> the shared count when this worker last took a lease"""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def admit_here(self, key: ApiKey) -> int | None:
        """Admit one request of ``key`` from this worker's lease; returns the requests it has left this
        minute (as far as this worker knows), or None when there is no lease left: then call :meth:`admit`.
        Never touches the database."""
        slot = (key.id, int(self._clock() // 60))
        with self._lock:
            left = self._leases.get(slot, 0)
            if left <= 0:
                return None
            self._leases[slot] = left - 1
            return key.rate_per_minute - self._counts.get(slot, 0) + left - 1

    def admit(self, key: ApiKey) -> int:
        """Admit one request of ``key``, taking a new lease from the shared count when this worker has none
        left; returns the requests the key has left this minute.

        Raises:
            RateLimitedError: the key has used its rate; ``retry_after`` is the seconds to the next minute.
            SQLAlchemyError: the database cannot be reached.
        """
        here = self.admit_here(key)
        if here is not None:
            return here
        now = self._clock()
        minute = int(now // 60)
        wanted = lease_size(key.rate_per_minute)
        with self._engine.begin() as connection:
            count = count_request(connection, key.id, minute, wanted)
            over = max(0, count - key.rate_per_minute)
            if over:  # take only what the rate leaves (in the same transaction: no one sees the excess)
                count = count_request(connection, key.id, minute, -min(over, wanted))
        granted = wanted - min(over, wanted)
        if granted <= 0:
            wait = max(1, math.ceil((minute + 1) * 60 - now))
            raise RateLimitedError(
                f"API key {key.name!r} made {key.rate_per_minute} requests this minute, its rate; "
                f"ask again in {wait} s",
                retry_after=wait,
            )
        slot = (key.id, minute)
        with self._lock:
            self._leases[slot] = self._leases.get(slot, 0) + granted - 1
            self._counts[slot] = count
            return key.rate_per_minute - count + self._leases[slot]

    def admit_more(self, key: ApiKey, count: int) -> int:
        """Count ``count`` more units of ``key`` this minute, all or none: a request that stands for several
        (a private-membership batch counts each hash) takes the rest of them here, after
        :meth:`admit` took one. From this worker's lease while it lasts, else straight from the shared
        count in one transaction.

        Returns:
            What the key has left this minute.

        Raises:
            RateLimitedError: the key's rate leaves fewer than ``count``; nothing is counted.
            SQLAlchemyError: the database cannot be reached.
        """
        if count < 1:
            raise ValueError(f"admit_more counts 1 or more, not {count}")
        now = self._clock()
        minute = int(now // 60)
        slot = (key.id, minute)
        with self._lock:
            left = self._leases.get(slot, 0)
            if left >= count:
                self._leases[slot] = left - count
                return key.rate_per_minute - self._counts.get(slot, 0) + left - count
        with self._engine.begin() as connection:
            total = count_request(connection, key.id, minute, count)
            if total > key.rate_per_minute:
                count_request(connection, key.id, minute, -count)
                wait = max(1, math.ceil((minute + 1) * 60 - now))
                raise RateLimitedError(
                    f"API key {key.name!r} would pass its rate of {key.rate_per_minute} a minute with these "
                    f"{count} more; ask again in {wait} s",
                    retry_after=wait,
                )
        with self._lock:
            self._counts[slot] = total
            return key.rate_per_minute - total + self._leases.get(slot, 0)

    def sync(self) -> None:
        """Give back to the shared counts what this worker took and has not used.

        Raises:
            SQLAlchemyError: the database cannot be reached (the leases stay here, to be used or given back).
        """
        with self._lock:
            unused, self._leases = {slot: n for slot, n in self._leases.items() if n > 0}, {}
            minute = int(self._clock() // 60)
            self._counts = {slot: n for slot, n in self._counts.items() if slot[1] >= minute}
        current = {slot: n for slot, n in unused.items() if slot[1] >= minute}  # earlier minutes are over
        if not current:
            return
        try:
            with self._engine.begin() as connection:
                for (key_id, when), requests in current.items():
                    count_request(connection, key_id, when, -requests)
        except BaseException:  # rolled back: the leases are still this worker's
            with self._lock:
                for slot, requests in current.items():
                    self._leases[slot] = self._leases.get(slot, 0) + requests
            raise

    def start(self) -> None:
        """Sync every :data:`SYNC_SECONDS` in a thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="warden-rate-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and give back what is unused."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.sync()
        except SQLAlchemyError as error:
            LOG.warning("unused rate leases of this worker not given back at shutdown: %s", error)

    def _run(self) -> None:
        while not self._stop.wait(SYNC_SECONDS):
            try:
                self.sync()
            except SQLAlchemyError as error:  # kept here until the database answers again
                LOG.warning("unused rate leases not given back: %s", error)

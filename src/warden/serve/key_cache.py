"""Each worker's memory of the API keys it has been shown, so that a request does not read the database to
find its key: a key's record (or its absence) is read again once it is older than
``WARDEN_SERVE_POLL_SECONDS``, so a key revoked, or given other scopes or another rate, is seen so by every
worker within that long. Expiry needs no read: it is checked against the clock on every request. Keys are
remembered by their SHA-256, never as sent, and at most :data:`MAX_KEYS` of them (a flood of made-up keys
pushes out only the oldest)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import Engine

from warden.servicedb.keys import ApiKey, digest, find_by_digest

MAX_KEYS = 10_000
"""Keys (known or not) one worker remembers."""


class KeyCache:
    """API keys by their digest, each for ``seconds``.

    Args:
        engine: the service database.
        seconds: how long a read stays good.
        clock: a monotonic clock (tests pass their own).
    """

    def __init__(self, engine: Engine, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, tuple[float, ApiKey | None]] = OrderedDict()

    def remembered(self, key: str) -> tuple[bool, ApiKey | None]:
        """(True, the record or None for no such key) when a fresh read of ``key`` is remembered, else
        (False, None): then :meth:`read` it. Never touches the database."""
        found = digest(key)
        with self._lock:
            seen = self._keys.get(found)
            if seen is None or self._clock() - seen[0] >= self._seconds:
                return False, None
            self._keys.move_to_end(found)
            return True, seen[1]

    def read(self, key: str) -> ApiKey | None:
        """``key``'s record from the database (None: no such key), remembered.

        Raises:
            SQLAlchemyError: the database cannot be read.
        """
        found = digest(key)
        with self._engine.connect() as connection:
            record = find_by_digest(connection, found)
        with self._lock:
            self._keys[found] = (self._clock(), record)
            self._keys.move_to_end(found)
            while len(self._keys) > MAX_KEYS:
                self._keys.popitem(last=False)
        return record

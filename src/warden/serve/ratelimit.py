"""Each API key's requests per minute, counted in the service database so that every worker process (and
every machine sharing a PostgreSQL database) shares one count; over the rate is a 429 with ``Retry-After``.

The window is the calendar minute: simple to count atomically in one statement (see
:func:`warden.servicedb.keys.count_request`), and a client told ``Retry-After`` knows when it may go on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlalchemy import Engine

from warden.errors import RateLimitedError
from warden.servicedb.keys import ApiKey, count_request


class RateLimiter:
    """Counts requests per key and minute.

    Args:
        engine: the service database.
        clock: seconds since the epoch (tests pass their own).
    """

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def admit(self, key: ApiKey) -> int:
        """Count one request of ``key``; returns the requests it has left this minute.

        Raises:
            RateLimitedError: the key is over its rate; ``retry_after`` is the seconds to the next minute.
        """
        now = self._clock()
        minute = int(now // 60)
        with self._engine.begin() as connection:
            count = count_request(connection, key.id, minute)
        if count > key.rate_per_minute:
            wait = max(1, math.ceil((minute + 1) * 60 - now))
            raise RateLimitedError(
                f"API key {key.name!r} made more than {key.rate_per_minute} requests this minute; "
                f"ask again in {wait} s",
                retry_after=wait,
            )
        return key.rate_per_minute - count

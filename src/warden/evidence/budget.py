"""What one archive may cost with everything nested inside it: bytes given out, items, seconds decompressing.

The limits of one container (members, member size, ratio) bound each archive alone, and an archive of
archives multiplies them level by level: 42.zip keeps every level within them and still expands to petabytes.
So the outermost archive opens a :class:`Budget`, which its member items carry (``Item.budget``), and every
archive nested inside, at any depth, charges the same budget: the bytes its members give out (counted once
per member, however often it is read), the items it lists, and the time spent decompressing. Once the budget
is spent, streams stop and further members are refused, each with an error that names the limit and how to
raise it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from warden.evidence.base import Limits
from warden.evidence.limits import LimitExceeded, exceeded


class Budget:
    """What the outermost archive ``root`` and everything nested inside it may still give out.

    Args:
        limits: the bounds (``total_bytes``, ``total_items``, ``seconds``).
        root: the outermost archive's item path, for messages.
        clock: seconds, monotonic (a test may pass its own).
    """

    def __init__(self, limits: Limits, root: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.root = root
        self.clock = clock
        self.bytes = 0
        self.items = 0
        self.seconds = 0.0
        # The 7z extraction thread charges the budget while the walk reads members on its own thread.
        self._lock = threading.Lock()
        self._timing = threading.local()

    @property
    def bytes_left(self) -> int:
        """Bytes the archive may still give out."""
        return max(self.limits.total_bytes - self.bytes, 0)

    @property
    def items_left(self) -> int:
        """Items the archive may still give out."""
        return max(self.limits.total_items - self.items, 0)

    def take_item(self) -> None:
        """Count one more item listed."""
        with self._lock:
            self.items += 1

    def spent(self) -> LimitExceeded | None:
        """Why no more may be read (bytes or time used up), or None."""
        if self.bytes > self.limits.total_bytes:
            return exceeded(
                self.limits,
                "total_bytes",
                f"possible decompression bomb: {self.root!r} with the archives inside it gives out more "
                f"than {self.limits.total_bytes} bytes",
            )
        if self.seconds > self.limits.seconds:
            return exceeded(
                self.limits,
                "seconds",
                f"possible decompression bomb: {self.root!r} with the archives inside it took more than "
                f"{self.limits.seconds} seconds to decompress",
            )
        return None

    def charge(self, count: int, seconds: float = 0.0) -> None:
        """Count ``count`` more bytes given out and ``seconds`` more spent decompressing.

        Raises:
            LimitExceeded: the budget is now spent.
        """
        with self._lock:
            self.bytes += count
            self.seconds += seconds
        problem = self.spent()
        if problem is not None:
            raise problem

    def start(self) -> float | None:
        """Start timing a decompression step; None when one is already timed on this thread (a member read
        through another member's stream is not counted twice)."""
        if getattr(self._timing, "busy", False):
            return None
        self._timing.busy = True
        return self.clock()

    def stop(self, started: float | None) -> float:
        """Seconds since :meth:`start` returned ``started`` (0 for an untimed step)."""
        if started is None:
            return 0.0
        self._timing.busy = False
        return self.clock() - started


class Meter:
    """Charges a budget for one member's bytes once, however often the member is opened and read."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.reached = 0

    def read_to(self, position: int, seconds: float) -> None:
        """The member's stream has given out bytes up to ``position``, in ``seconds`` of decompressing.

        Raises:
            LimitExceeded: the budget is spent.
        """
        fresh = max(position - self.reached, 0)
        self.reached = max(self.reached, position)
        self.budget.charge(fresh, seconds)

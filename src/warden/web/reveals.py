"""Which item each session has deliberately revealed, for how long: the only way a clear preview is served.

A reveal is granted for one item at a time: revealing another, grading, or opening another page ends it,
and it lapses by itself after the configured seconds. Kept in memory only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Reveals:
    """Reveal grants by session.

    Args:
        seconds: how long a grant lasts.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._grants: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def grant(self, session: str, item_id: int) -> None:
        """Let ``session`` see ``item_id`` clear, ending any earlier grant of that session."""
        with self._lock:
            self._grants[session] = (item_id, self._clock() + self.seconds)

    def allowed(self, session: str, item_id: int) -> bool:
        """Whether ``session`` holds a live grant for ``item_id``."""
        with self._lock:
            grant = self._grants.get(session)
            if grant is None:
                return False
            if grant[1] <= self._clock():
                del self._grants[session]
                return False
            return grant[0] == item_id

    def revoke(self, session: str, *, keep: int | None = None) -> None:
        """End the session's grant (unless it is for ``keep``): the examiner moved on."""
        with self._lock:
            grant = self._grants.get(session)
            if grant is not None and grant[0] != keep:
                del self._grants[session]

"""Slowing down password guessing: an account is refused for a while after too many failed logins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class LoginThrottle:
    """Counts recent failed logins per account name, in memory (a restart clears it).

    Args:
        attempts: failures allowed within ``seconds``.
        seconds: how long failures count, and how long the account is refused once over.
        clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, attempts: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._attempts = attempts
        self._seconds = seconds
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str) -> list[float]:
        now = self._clock()
        recent = [at for at in self._failures.get(name, []) if now - at < self._seconds]
        self._failures[name] = recent
        return recent

    def refused_for(self, name: str) -> float:
        """Seconds until ``name`` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(name)
            if len(recent) < self._attempts:
                return 0.0
            return max(0.0, self._seconds - (self._clock() - recent[-self._attempts]))

    def failed(self, name: str) -> None:
        """Count a failed login."""
        with self._lock:
            self._recent(name).append(self._clock())

    def succeeded(self, name: str) -> None:
        """Forget the failures of an account that logged in."""
        with self._lock:
            self._failures.pop(name, None)

"""Whether the service is ready to answer: a set of named reasons it is not (an index loading, a bank
stale), which the parts of the service set and clear; ``/status`` answers 503 while any is set."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Readiness:
    """The reasons this worker process is not ready, by name; ready when there are none.

    Thread-safe: a part loading its index in a background thread calls :meth:`not_ready` first and
    :meth:`ready` when done, e.g. ``readiness.not_ready("index", "the PDQ index is loading")``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reasons: dict[str, str] = {}
        self._checks: dict[str, Callable[[], str | None]] = {}

    def watch(self, name: str, check: Callable[[], str | None]) -> None:
        """Ask ``check`` at every :meth:`reasons` why ``name`` holds the service back (None: it does not):
        for a state that changes by itself, such as an index growing stale."""
        with self._lock:
            self._checks[name] = check

    def not_ready(self, name: str, why: str) -> None:
        """Mark the service not ready because of ``name`` (replacing that name's earlier reason)."""
        with self._lock:
            self._reasons[name] = why

    def ready(self, name: str) -> None:
        """``name`` no longer holds the service back (nothing happens if it did not)."""
        with self._lock:
            self._reasons.pop(name, None)

    @property
    def is_ready(self) -> bool:
        """No reason is set, and no watched check gives one."""
        return not self.reasons()

    def reasons(self) -> dict[str, str]:
        """The reasons set now, and those the watched checks give, by name."""
        with self._lock:
            reasons, checks = dict(self._reasons), dict(self._checks)
        for name, check in checks.items():
            why = check()
            if why is not None:
                reasons[name] = why
        return reasons

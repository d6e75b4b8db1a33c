"""Time as the case records it: ISO 8601 in UTC with a ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """Now, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def from_timestamp(seconds: float) -> str:
    """A POSIX timestamp (as ``os.stat`` gives) in the case's form."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

"""Timestamps as apps on phones store them (Unix milliseconds or seconds, Apple's 2001 epoch in seconds or
nanoseconds), read into UTC beside the value exactly as stored, with its epoch and unit."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
_NANOSECONDS_FROM = 10**14
"""Apple stores seconds (iOS 10 and before) or nanoseconds (iOS 11 and after) in the same column: a value past
this is nanoseconds (10^14 seconds is three million years; 10^14 ns is a day and a bit after the epoch)."""


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str | bytes) else str(value)


def _after(epoch: datetime, value: float, per_second: int = 1) -> datetime | None:
    """``epoch`` plus ``value`` units of ``1 / per_second`` s; whole numbers exactly, to the microsecond."""
    try:
        if isinstance(value, int) or value.is_integer():
            return epoch + timedelta(microseconds=int(value) * 1_000_000 // per_second)
        return epoch + timedelta(seconds=value / per_second)
    except OverflowError:
        return None


def unix_milliseconds(value: object) -> tuple[datetime | None, str]:
    """A Unix time in milliseconds (WhatsApp on Android, Android SMS): UTC (None if 0, missing or not a
    number) and the raw form."""
    number = _number(value)
    raw = f"{_shown(value)} ms since 1970-01-01"
    if not number:
        return None, raw
    return _after(UNIX_EPOCH, number, 1000), raw


def unix_seconds(value: object) -> tuple[datetime | None, str]:
    """A Unix time in seconds (Android MMS): UTC and the raw form."""
    number = _number(value)
    raw = f"{_shown(value)} s since 1970-01-01"
    if not number:
        return None, raw
    return _after(UNIX_EPOCH, number), raw


def apple_seconds(value: object) -> tuple[datetime | None, str]:
    """Seconds since 2001-01-01 UTC (Core Data, WhatsApp on iOS): UTC and the raw form."""
    number = _number(value)
    raw = f"{_shown(value)} s since 2001-01-01"
    if number is None:
        return None, raw
    return _after(APPLE_EPOCH, number), raw


def apple_seconds_or_nanoseconds(value: object) -> tuple[datetime | None, str]:
    """iOS ``sms.db`` dates: seconds since 2001-01-01 before iOS 11, nanoseconds after; the raw form says
    which was read."""
    number = _number(value)
    if number is not None and abs(number) >= _NANOSECONDS_FROM:
        return _after(APPLE_EPOCH, number, 1_000_000_000), f"{_shown(value)} ns since 2001-01-01"
    return apple_seconds(value)

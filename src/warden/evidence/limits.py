"""The limits on what containers may cost, by the examiner's names, and refusals that say how to raise one.

Each bound of :class:`~warden.evidence.base.Limits` is a setting (``WARDEN_MAX_RATIO``...). When a bound
refuses something, the item's error names the setting, its value and the option that raises it for this
exhibit alone (``warden scan --raise-limit 'disk.img.gz:max_ratio=5000'``); :func:`refused_by` reads that
back from a recorded error, so that a rerun with the limit raised knows which items to examine again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from warden import settings
from warden.evidence.base import Limits

RAISABLE: dict[str, tuple[str, settings.Setting]] = {
    "max_nesting": ("depth", settings.MAX_NESTING),
    "max_members": ("members", settings.MAX_MEMBERS),
    "max_member_bytes": ("member_bytes", settings.MAX_MEMBER_BYTES),
    "max_ratio": ("ratio", settings.MAX_RATIO),
    "max_container_bytes": ("total_bytes", settings.MAX_CONTAINER_BYTES),
    "max_container_items": ("total_items", settings.MAX_CONTAINER_ITEMS),
    "max_container_seconds": ("seconds", settings.MAX_CONTAINER_SECONDS),
}
"""The limits ``--raise-limit`` takes, by setting name: the :class:`Limits` field and the setting."""

_FIELDS = {field: name for name, (field, _) in RAISABLE.items()}

_SUFFIXES = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_VALUE = re.compile(r"^\s*(\d+)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_REFUSED = re.compile(r"\(limit (max_[a-z_]+)=(\d+); ")


class LimitExceeded(OSError):
    """A stream or a container went past one of the limits; the message is a :func:`refusal`.

    Internal: recorded as the item's (or container's) error, never raised to a user.

    Attributes:
        limit: the setting name of the limit (``max_ratio``...).
    """

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class RaisedLimit:
    """One ``--raise-limit`` option: a limit raised for one exhibit.

    Attributes:
        exhibit: the exhibit as given (its evidence label, or its path).
        name: the limit's setting name (``max_container_bytes``).
        value: the value it is raised to.
    """

    exhibit: str
    name: str
    value: int

    @classmethod
    def parse(cls, text: str) -> RaisedLimit:
        """Read ``EXHIBIT:NAME=VALUE`` (``disk.img.gz:max_member_bytes=200G``); sizes take K, M, G, T.

        Raises:
            ValueError: not of that form, an unknown limit, or a value that is not a whole number; the
                message says which.
        """
        exhibit, colon, setting = text.rpartition(":")
        name, equals, value = setting.partition("=")
        name = name.strip().lower()
        if not colon or not equals or not exhibit:
            raise ValueError(f"{text!r} is not EXHIBIT:LIMIT=VALUE (e.g. 'disk.img.gz:max_ratio=5000')")
        if not name.startswith("max_"):
            name = f"max_{name}"
        if name not in RAISABLE:
            raise ValueError(f"{text!r}: no limit {name!r}; the limits are {', '.join(RAISABLE)}")
        match = _VALUE.match(value)
        if match is None:
            raise ValueError(f"{text!r}: {value!r} is not a whole number (sizes may end in K, M, G or T)")
        return cls(exhibit, name, int(match.group(1)) * _SUFFIXES[match.group(2).lower()])


def value_of(limits: Limits, name: str) -> int:
    """The value ``limits`` give the limit of setting name ``name``."""
    value: int = getattr(limits, RAISABLE[name][0])
    return value


def raised(limits: Limits, exhibit: str, raises: dict[str, int]) -> Limits:
    """``limits`` for one exhibit, with the limits in ``raises`` (by setting name) set to their new values
    (names this version does not know are left out)."""
    changes: dict[str, Any] = {RAISABLE[name][0]: value for name, value in raises.items() if name in RAISABLE}
    return replace(limits, exhibit=exhibit, **changes)


def refusal(limits: Limits, field: str, what: str) -> str:
    """An item's error when the limit ``field`` (of :class:`Limits`) refuses it: what happened, the limit's
    name and value, and how to raise it for this exhibit alone."""
    name = _FIELDS[field]
    value = getattr(limits, field)
    exhibit = limits.exhibit or "EXHIBIT"
    advice = f"raise it for this exhibit: --raise-limit '{exhibit}:{name}=N', N > {value}"
    return f"{what} (limit {name}={value}; {advice})"


def over_size(limits: Limits, cap: int, what: str) -> str:
    """The refusal of an item too large to give out, where a format caps items at ``cap`` bytes besides
    ``limits.member_bytes``: naming ``max_member_bytes`` when that is the lower (raising it helps), else
    ``what`` alone (the format's cap is no setting)."""
    return refusal(limits, "member_bytes", what) if limits.member_bytes <= cap else what


def too_deep(limits: Limits, format_name: str) -> str:
    """The refusal of a container nested deeper than ``limits.depth`` (``max_nesting``): not opened."""
    return refusal(limits, "depth", f"{format_name} nested more than {limits.depth} deep: not opened")


def exceeded(limits: Limits, field: str, what: str) -> LimitExceeded:
    """The error a stream raises when the limit ``field`` stops it (see :func:`refusal`)."""
    return LimitExceeded(refusal(limits, field, what), _FIELDS[field])


def refused_by(message: str) -> tuple[str, int] | None:
    """The limit (setting name) and the value that refused an item, read from its recorded error, or None."""
    match = _REFUSED.search(message)
    if match is None:
        return None
    return match.group(1), int(match.group(2))

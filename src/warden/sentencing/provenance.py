"""Where each figure comes from, when it was read, and whether it was checked against the primary source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Source:
    """A document a figure was read from.

    Attributes:
        id: the name the data files cite it by.
        title: what it is.
        url: where it is.
        read: ISO date it was read (None when it could not be read at all).
        primary: True for the Sentencing Council's own guideline or the legislation itself; False for
            commentary (solicitors, chambers, press), which can corroborate a figure but never verifies it.
        note: how it was read, or what it lacked.
    """

    id: str
    title: str
    url: str
    read: str | None
    primary: bool
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "read": self.read,
            "primary": self.primary,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """Whether a figure was verified, against which sources, and why (not).

    A figure is ``verified`` only when a primary source was read and says it; anything else is shown to the
    user as unverified with ``reason``.
    """

    verified: bool
    sources: tuple[str, ...]
    reason: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        """Read the ``check`` object of a data file.

        Raises:
            ValueError: a field is missing, or a figure claims to be verified without a source.
        """
        try:
            check = cls(bool(data["verified"]), tuple(data["sources"]), str(data["reason"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed check {data!r}: {error}") from None
        if check.verified and not check.sources:
            raise ValueError(f"a verified figure must cite a source: {data!r}")
        if not check.reason:
            raise ValueError(f"a check must give its reason: {data!r}")
        return check

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        return {"verified": self.verified, "sources": list(self.sources), "reason": self.reason}

    def mark(self) -> str:
        """A short tag for text output: empty when verified."""
        return "" if self.verified else " [unverified]"

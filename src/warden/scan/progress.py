"""How a scan reports progress, without knowing whether anyone is watching (the CLI supplies the display).

A scan counts items, and, where sizes are known, bytes: the bytes of the files directly in the evidence
(a disk image given as a file is one such file), so that one 50 GB image read for minutes is seen moving.
Large items being read right now are reported with how far each has got.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

LARGE_ITEM_BYTES = 64 * 1024 * 1024
"""Items at least this large get their own bytes-read progress while they are read."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A large item being read now.

    Attributes:
        item: its path in the case (``disk.E01//p1//big.mov``).
        done: bytes read so far.
        size: its size in bytes, when known.
        counted: its bytes are part of the scan's byte total (it lies directly in the evidence).
        doing: ``hashing``, or ``copying`` into the spool.
    """

    item: str
    done: int
    size: int | None
    counted: bool = False
    doing: str = "hashing"


class Progress(Protocol):
    """Receives the scan's progress."""

    def start(self, total: int, already_done: int, total_bytes: int | None = None) -> None:
        """Hashing begins: ``total`` items in all, ``already_done`` of them by an earlier run, and the
        evidence's files holding ``total_bytes`` (None when not known)."""

    def found(self, total: int) -> None:
        """The walk has found ``total`` items in all so far (more than first estimated)."""

    def advance(self, count: int = 1, size: int = 0) -> None:
        """``count`` more items are recorded (or were by an earlier run), ``size`` bytes of the total among
        them."""

    def reading(self, now: Sequence[Reading]) -> None:
        """The large items being read at this moment, and how far each has got (replaces the last list)."""

    def finish(self) -> None:
        """The scan is over."""


class SilentProgress:
    """Progress that goes nowhere: for tests, pipes and the API."""

    def start(self, total: int, already_done: int, total_bytes: int | None = None) -> None:
        """Ignore."""

    def found(self, total: int) -> None:
        """Ignore."""

    def advance(self, count: int = 1, size: int = 0) -> None:
        """Ignore."""

    def reading(self, now: Sequence[Reading]) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""


def copying(progress: Progress, path: str, size: int | None) -> Callable[[int], None] | None:
    """What a spool's copy of a large item tells as it goes (every 16 MiB), shown on ``progress``; None
    for a small item or when nobody watches."""
    total = size or 0
    if total < LARGE_ITEM_BYTES or isinstance(progress, SilentProgress):
        return None
    shown = [0]

    def copied(done: int) -> None:
        if done - shown[0] >= 16 * 1024 * 1024:
            shown[0] = done
            progress.reading([Reading(path, done, total, doing="copying")])

    return copied

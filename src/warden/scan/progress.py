"""How a scan reports progress, without knowing whether anyone is watching (the CLI supplies the display)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the scan's progress."""

    def start(self, total: int, already_done: int) -> None:
        """Hashing begins: ``total`` items in all, ``already_done`` of them by an earlier run."""

    def found(self, total: int) -> None:
        """The walk has found ``total`` items in all so far (more than first estimated)."""

    def advance(self, count: int = 1) -> None:
        """``count`` more items are recorded."""

    def finish(self) -> None:
        """The scan is over."""


class SilentProgress:
    """Progress that goes nowhere: for tests, pipes and the API."""

    def start(self, total: int, already_done: int) -> None:
        """Ignore."""

    def found(self, total: int) -> None:
        """Ignore."""

    def advance(self, count: int = 1) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""

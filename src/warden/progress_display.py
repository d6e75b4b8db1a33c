"""The scan's progress bar on a terminal (files/s, time left); nothing when output is not a terminal."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from warden.scan.progress import Progress as ScanProgress
from warden.scan.progress import SilentProgress


class _RateColumn(TextColumn):
    def __init__(self) -> None:
        super().__init__("{task.fields[rate]}")


class TerminalProgress:
    """A rich progress bar on standard error."""

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, total: int, already_done: int) -> None:
        """Begin the bar; a resumed scan starts part-way."""
        self._bar.start()
        if already_done:
            self._console.print(f"resuming: {already_done} of {total} items were recorded by an earlier run")
        self._task = self._bar.add_task("scanning", total=total, completed=already_done, rate="")

    def found(self, total: int) -> None:
        """Grow the bar: containers gave out more items than the first estimate."""
        if self._task is not None:
            self._bar.update(self._task, total=total)

    def advance(self, count: int = 1) -> None:
        """Move the bar on and refresh the rate."""
        if self._task is None:
            return
        self._bar.advance(self._task, count)
        speed = self._bar.tasks[0].speed
        self._bar.update(self._task, rate=f"{speed:7.1f} files/s" if speed else "")

    def finish(self) -> None:
        """Stop drawing."""
        if self._task is not None:
            self._bar.stop()


def progress_for_terminal(quiet: bool = False) -> ScanProgress:
    """A bar when standard error is a terminal and not ``quiet``; silence otherwise."""
    if quiet or not sys.stderr.isatty():
        return SilentProgress()
    return TerminalProgress()

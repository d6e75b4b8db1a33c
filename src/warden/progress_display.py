"""The scan's progress bar on a terminal; nothing when output is not a terminal.

The bar counts bytes when the evidence's sizes are known (so one 50 GB image read for minutes moves, with
its rate and time left) and items otherwise; the items count is always shown. Each large item being read
gets a line of its own: bytes read of its size, and the rate.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.filesize import decimal
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from warden.scan.progress import Progress as ScanProgress
from warden.scan.progress import Reading, SilentProgress


def _bytes(done: int, total: int | None) -> str:
    if total is None:
        return decimal(done)
    return f"{decimal(done)}/{decimal(total)}"


def _rate(speed: float | None, unit: str) -> str:
    if not speed:
        return ""
    return f"{decimal(int(speed))}/s" if unit == "bytes" else f"{speed:7.1f} files/s"


class TerminalProgress:
    """A rich progress bar on standard error (or on ``console``)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._items_total = 0
        self._items_done = 0
        self._bytes_total: int | None = None
        self._bytes_done = 0
        self._reading_done = 0
        self._readings: dict[str, TaskID] = {}

    def start(self, total: int, already_done: int, total_bytes: int | None = None) -> None:
        """Begin the bar; a resumed scan starts part-way."""
        self._bar.start()
        if already_done:
            self._console.print(f"resuming: {already_done} of {total} items were recorded by an earlier run")
        self._items_total, self._items_done, self._bytes_total = total, already_done, total_bytes
        self._task = self._bar.add_task(
            "scanning",
            total=total_bytes if total_bytes is not None else total,
            completed=0 if total_bytes is not None else already_done,
            amount="",
            rate="",
        )
        self._refresh()

    def found(self, total: int) -> None:
        """Grow the item count: containers gave out more items than the first estimate."""
        self._items_total = total
        self._refresh()

    def advance(self, count: int = 1, size: int = 0) -> None:
        """Count items recorded and the bytes of the evidence behind them."""
        self._items_done += count
        self._bytes_done += size
        self._refresh()

    def reading(self, now: Sequence[Reading]) -> None:
        """Show each large item being read on a line of its own; drop the lines of items done."""
        current = {reading.item: reading for reading in now}
        for item in [item for item in self._readings if item not in current]:
            self._bar.remove_task(self._readings.pop(item))
        for item, reading in current.items():
            task = self._readings.get(item)
            if task is None:
                name = item if len(item) <= 40 else "…" + item[-39:]
                task = self._bar.add_task(f"  {reading.doing} {name}", total=reading.size, amount="", rate="")
                self._readings[item] = task
            self._bar.update(task, completed=reading.done, total=reading.size)
            speed = self._speed(task)
            self._bar.update(task, amount=_bytes(reading.done, reading.size), rate=_rate(speed, "bytes"))
        self._reading_done = sum(reading.done for reading in now if reading.counted)
        self._refresh()

    def _speed(self, task: TaskID) -> float | None:
        return next((t.speed for t in self._bar.tasks if t.id == task), None)

    def _refresh(self) -> None:
        if self._task is None:
            return
        items = f"{self._items_done}/{self._items_total} items"
        if self._bytes_total is not None:
            done = min(self._bytes_done + self._reading_done, self._bytes_total)
            self._bar.update(self._task, completed=done)
            speed = self._speed(self._task)
            self._bar.update(
                self._task, amount=f"{items}  {_bytes(done, self._bytes_total)}", rate=_rate(speed, "bytes")
            )
        else:
            self._bar.update(self._task, completed=self._items_done, total=self._items_total)
            speed = self._speed(self._task)
            self._bar.update(self._task, amount=items, rate=_rate(speed, "items"))

    def finish(self) -> None:
        """Stop drawing."""
        if self._task is not None:
            self._bar.stop()


def progress_for_terminal(quiet: bool = False) -> ScanProgress:
    """A bar when standard error is a terminal and not ``quiet``; silence otherwise."""
    if quiet or not sys.stderr.isatty():
        return SilentProgress()
    return TerminalProgress()

"""The crawl's group commit: one writer thread writes each fetch's WARC records as it is handed over, and
every ``interval`` seconds (or ``batch`` fetches, or when a file is full) flushes and fsyncs the WARC file
once and then commits everything handed over since in one transaction of the case database, with one
audit entry (:func:`warden.case.crawl_state.record_steps`).

The event loop only hands steps over (:meth:`Committer.put`), so compressing, fsyncing and committing never
hold up the fetching; it stops starting fetches while :meth:`Committer.full` says the writer is behind, so
what waits in memory stays bounded. After a kill, what was written but not committed is cut from the file
by the next run and fetched again: it was never recorded as had.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from warden.case import crawl_state
from warden.case.crawl_state import Step
from warden.crawl.fetch import Fetched
from warden.crawl.warc_writer import WarcFile, file_name, next_number

INTERVAL = 0.5
"""Most seconds a handed-over fetch waits for its commit."""
BATCH = 256
"""Most fetches in one commit."""
BACKLOG = 32
"""Most steps waiting for the writer before the crawl stops starting fetches."""

_STOP = object()


class Committer:
    """The writer thread of one crawl run.

    Args:
        engine: the case database.
        folder: the case's ``capture/`` folder, where it makes the run's WARC files.
        info: the warcinfo record's fields (the software, the crawl's settings).
        warc_max_bytes: a file this long is closed after its group is committed.
        run_id: the crawl run.
        actor: who crawls (for the audit log).
    """

    def __init__(
        self, engine: Engine, folder: Path, info: dict[str, str], warc_max_bytes: int, run_id: int, actor: str
    ) -> None:
        self.engine, self.folder, self.info = engine, folder, info
        self.warc_max_bytes, self.run_id, self.actor = warc_max_bytes, run_id, actor
        self.files: list[str] = []
        """The WARC files the run made."""
        self.error: Exception | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._warc: WarcFile | None = None
        self._thread = threading.Thread(target=self._run, name="warden-crawl-writer")

    def __enter__(self) -> Committer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ------------------------------------------------------------ the event loop's side

    def put(self, step: Step, fetched: Fetched | None = None) -> None:
        """Hand a step over; a fetch with an answer is written to the WARC first (``fetched`` then belongs
        to the writer, which closes it)."""
        self._queue.put((step, fetched))

    def full(self) -> bool:
        """Whether the writer is behind (no more fetches should start until it catches up)."""
        return self._queue.qsize() >= BACKLOG

    def check(self) -> None:
        """Raise what stopped the writer, if anything did."""
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Commit what was handed over, close the WARC file and end the thread (waits for it)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    # ------------------------------------------------------------ the writer thread

    def _run(self) -> None:
        steps: list[Step] = []
        deadline: float | None = None
        item: object = None
        try:
            while True:
                timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    self._commit(steps)
                    if self._warc is not None:
                        self._close_warc(self._warc)
                        self._warc = None
                    return
                if isinstance(item, tuple):
                    steps.append(self._write(*item))
                    deadline = deadline or time.monotonic() + INTERVAL
                full = self._warc is not None and self._warc.end >= self.warc_max_bytes
                if item is None or full or len(steps) >= BATCH or time.monotonic() >= (deadline or 0):
                    self._commit(steps)
                    steps, deadline = [], None
        except Exception as error:  # raised to the crawl by check(); the next run cuts the file back
            self.error = error
            if item is not _STOP:
                self._drain()

    def _write(self, step: Step, fetched: Fetched | None) -> Step:
        """Write a fetch's records (when it has an answer); the step, with where they are."""
        try:
            if fetched is None or fetched.status is None or step.outcome is None:
                return step
            if self._warc is None:
                self._warc = self._open_warc()
            placed = self._warc.write(fetched)
            outcome = dataclasses.replace(
                step.outcome, warc=placed.name, warc_offset=placed.offset, warc_end=placed.end
            )
            return dataclasses.replace(step, outcome=outcome)
        finally:
            if fetched is not None:
                fetched.close()

    def _commit(self, steps: list[Step]) -> None:
        if not steps:
            return
        warc_end = (self._warc.name, self._warc.sync()) if self._warc is not None else None
        crawl_state.record_steps(self.engine, steps, warc_end=warc_end, run_id=self.run_id, actor=self.actor)
        if self._warc is not None and self._warc.end >= self.warc_max_bytes:
            self._close_warc(self._warc)
            self._warc = None

    def _open_warc(self) -> WarcFile:
        """The run's next WARC file, recorded in the case."""
        name = file_name(next_number(self.folder, [row.name for row in crawl_state.warc_files(self.engine)]))
        info = {
            "format": "WARC File Format 1.0",
            "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
            **self.info,
        }
        warc = WarcFile(self.folder / name, info)
        crawl_state.add_warc(self.engine, name, warc.end)
        self.files.append(name)
        return warc

    def _close_warc(self, warc: WarcFile) -> None:
        """Close a WARC file whose records are all committed, and record its size and SHA-256."""
        size, sha256 = warc.close()
        crawl_state.close_warc(self.engine, warc.name, size, sha256, self.actor, self.run_id)

    def _drain(self) -> None:
        """After a failure: close the bodies still handed over, until told to stop."""
        if self._warc is not None:
            self._warc.abandon()
        while (item := self._queue.get()) is not _STOP:
            if isinstance(item, tuple) and item[1] is not None:
                item[1].close()

"""7z archives, read with py7zr, as containers of members.

py7zr decompresses a solid block from its start, so members are extracted in one pass, in archive order,
by a worker thread that hands each member over in a spool (memory, then an anonymous file in the scan's
spool folder) and waits until the walk has read it: one member's bytes exist outside the archive at a
time. py7zr is given numbered names instead of the members' own (it refuses names that climb out of a
folder, which are evidence here), and nothing is written under any name.

Bounds: members that declare more than the limits are not extracted, and neither is anything after them in
the same solid block (skipping a member of a solid block means decompressing it). A solid block keeps no
sizes per member, so the ratio applies to the block: its members are read in order until together they
expand to more than ``ratio`` times the block's packed size; that member is a possible bomb.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, replace
from typing import IO, Any, BinaryIO

import py7zr
import py7zr.io

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import Decoded, Window, cheaply_seekable, spooled_file
from warden.evidence.budget import Budget
from warden.evidence.limits import RAISABLE, exceeded, refusal, refused_by
from warden.evidence.members import ENCRYPTED, RATIO_FLOOR, Members, epoch_time

_MAGIC = b"7z\xbc\xaf\x27\x1c"
_NAME = "warden-7z-member-{}"


class SevenZipContainer:
    """A 7z archive."""

    name = "7z"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The 7z signature."""
        return head.startswith(_MAGIC)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every file in the archive, in archive order; directories are not items.

        Raises:
            ContainerError: not a readable 7z, its file list is encrypted, or its data is damaged or of an
                unsupported method (after the members before the damage).
        """
        with cheaply_seekable(stream) as seekable:
            seekable.seek(0)
            try:
                archive = py7zr.SevenZipFile(seekable, mode="r", max_extract_size=limits.total_bytes)
            except py7zr.PasswordRequired as exc:
                raise ContainerError(f"7z archive with an encrypted file list: {ENCRYPTED}") from exc
            except Exception as exc:
                # py7zr's header parser fails on hostile input in many ways (IndexError, KeyError...):
                # whichever it is, the archive cannot be listed.
                raise ContainerError(f"7z archive cannot be read: {type(exc).__name__}: {exc}") from exc
            with archive:
                yield from _expand(archive, container, limits)


@dataclass(slots=True)
class _Slot:
    """Where an extracted member's bytes are once the worker has handed them over."""

    index: int
    spool: IO[bytes] | None = None


def _expand(archive: py7zr.SevenZipFile, container: Item, limits: Limits) -> Iterator[Item]:
    members = Members(container, "7z", limits)
    items: list[tuple[Item, _Slot | None]] = []
    budgets = _block_budgets(archive, limits)
    blocked: dict[int, tuple[str, str]] = {}
    encrypted = archive.needs_password()
    block_numbers: dict[int, int] = {}
    over_limit = 0
    for index, entry in enumerate(archive.files):
        if entry.is_directory:
            continue
        if members.full:
            over_limit += 1
            continue
        block = id(entry.folder) if entry.folder is not None and not entry.emptystream else None
        detail: dict[str, JsonScalar] = {"crc32": f"{entry.crc32:08x}" if entry.crc32 is not None else None}
        problem: str | None = None
        stops_block = False
        if block is not None:
            detail["block"] = block_numbers.setdefault(block, len(block_numbers))
            detail["compressed_size"] = entry.compressed
            if encrypted:
                problem = ENCRYPTED
            elif block in blocked:
                problem = _follower(limits, *blocked[block])
            elif entry.is_symlink:
                problem = "symbolic link, not followed"
            elif entry.uncompressed > budgets[block]:
                what = (
                    f"possible zip bomb: its block expands over {limits.ratio} times its packed size by the "
                    "end of it; not read"
                )
                problem = refusal(limits, "ratio", what)
                stops_block = True
            else:
                budgets[block] -= entry.uncompressed
        slot = _Slot(index) if block is not None else None
        solid = block is not None and getattr(entry.folder, "solid", False)
        item = members.item(
            entry.filename,
            detail,
            size=entry.uncompressed,
            compressed=None if solid or block is None else entry.compressed,
            decode=_decoder(slot),
            cheap_seek=True,
            metered=False,
            problem=problem,
            times=_times(entry),
        )
        # Skipping a member of a solid block means decompressing it: nothing after a refused one is read.
        if block is not None and (stops_block or (problem is None and item.problem is not None)):
            blocked.setdefault(block, (item.steps[-1].name, item.problem or ""))
        items.append((item, slot if item.problem is None else None))
    for index, entry in enumerate(archive.files):
        # py7zr is never given a member's own name: see the module's docstring.
        entry.file_properties()["filename"] = _NAME.format(index)
    yield from _extracted(archive, items, limits, members.budget)
    if over_limit:
        yield members.overflow(over_limit)


def _follower(limits: Limits, refused: str, why: str) -> str:
    """The problem of a member after ``refused`` in its solid block (refused because ``why``): it names the
    same limit, so that raising it for the exhibit examines the whole block again."""
    what = f"not read: it follows {refused!r} in its solid block, which is over the limits"
    by = refused_by(why)
    return refusal(limits, RAISABLE[by[0]][0], what) if by is not None and by[0] in RAISABLE else what


def _block_budgets(archive: py7zr.SevenZipFile, limits: Limits) -> dict[int, int]:
    """Bytes each block may expand to: ``limits.ratio`` times its packed size, at least the ratio floor."""
    budgets: dict[int, int] = {}
    for entry in archive.files:
        if entry.folder is not None and not entry.emptystream and id(entry.folder) not in budgets:
            # py7zr gives a solid block's packed size with its first member (None with the others).
            budgets[id(entry.folder)] = max(RATIO_FLOOR, limits.ratio * (entry.compressed or 0))
    return budgets


def _decoder(slot: _Slot | None) -> Callable[[], Decoded]:
    def decode() -> Decoded:
        if slot is None:
            return io.BytesIO()
        if slot.spool is None or slot.spool.closed:
            raise OSError("7z member is not available: read an item before asking for the next one")
        return Window.over(slot.spool)

    return decode


def _extracted(
    archive: py7zr.SevenZipFile, items: list[tuple[Item, _Slot | None]], limits: Limits, budget: Budget
) -> Iterator[Item]:
    targets = [_NAME.format(slot.index) for _, slot in items if slot is not None]
    handoff = _Handoff(limits, budget)
    worker = threading.Thread(target=handoff.run, args=(archive, targets), name="warden-7z", daemon=True)
    if targets:
        worker.start()
    damage: str | None = None
    try:
        for item, slot in items:
            if slot is None or damage is not None:
                yield item if damage is None else replace(item, problem=damage, opener=None)
                continue
            kind, index, payload = handoff.next(worker)
            if kind != "member" or index != slot.index:
                if kind == "member":
                    payload.close()
                # The extraction stopped here: this member and those after it are still evidence.
                damage = (
                    f"not read: the 7z data cannot be decompressed from member {item.steps[-1].name!r} on "
                    f"({payload})"
                )
                yield replace(item, problem=damage, opener=None)
                continue
            slot.spool = payload
            yield item
            payload.close()
            handoff.release.release()
        if damage is not None:
            raise ContainerError(damage.removeprefix("not read: "))
    finally:
        handoff.stop.set()
        handoff.release.release()
        if worker.is_alive():
            worker.join()
        for _, slot in items:
            if slot is not None and slot.spool is not None:
                slot.spool.close()


class _Stopped(Exception):
    """The walk stopped reading the archive; the worker ends its extraction."""


class _Handoff(py7zr.io.WriterFactory):
    """Gives py7zr one spool per member and hands each finished member to the walk, then waits for it."""

    def __init__(self, limits: Limits, budget: Budget) -> None:
        self.limits = limits
        self.budget = budget
        self.handed: queue.Queue[tuple[str, int, Any]] = queue.Queue()
        self.release = threading.Semaphore(0)
        self.stop = threading.Event()

    def run(self, archive: py7zr.SevenZipFile, targets: list[str]) -> None:
        try:
            archive.extract(targets=targets, factory=self)
        except _Stopped:
            pass
        except Exception as exc:
            # Whatever py7zr raises is the archive's damage: the walk is told, with the member it was at.
            self.handed.put(("error", -1, f"{type(exc).__name__}: {exc}"))
            return
        self.handed.put(("error", -1, "the archive ended before this member"))

    def next(self, worker: threading.Thread) -> tuple[str, int, Any]:
        """The next member the worker hands over, or an error if it ended without saying why."""
        while True:
            try:
                return self.handed.get(timeout=1)
            except queue.Empty:
                if not worker.is_alive() and self.handed.empty():
                    return ("error", -1, "the extraction ended unexpectedly")

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        if self.stop.is_set():
            raise _Stopped
        return _Writer(self, int(filename.rsplit("-", 1)[-1]))


class _Writer(py7zr.io.Py7zIO):
    def __init__(self, handoff: _Handoff, index: int) -> None:
        self._handoff = handoff
        self._index = index
        self._spool: IO[bytes] = spooled_file()
        self._size = 0
        # Time between writes is py7zr decompressing (the wait for the walk comes after the last one).
        self._since = handoff.budget.clock()

    def write(self, s: bytes | bytearray) -> int:
        handoff = self._handoff
        if handoff.stop.is_set():
            raise _Stopped
        self._size += len(s)
        if self._size > handoff.limits.member_bytes:
            raise exceeded(
                handoff.limits,
                "member_bytes",
                f"7z member goes past {handoff.limits.member_bytes} bytes: over the limit, possible "
                "decompression bomb",
            )
        # The member's bytes are charged here, where they are decompressed (the walk reads them from the
        # spool, which costs nothing more).
        handoff.budget.charge(len(s), handoff.budget.clock() - self._since)
        written = self._spool.write(s)
        self._since = handoff.budget.clock()
        return written

    def read(self, size: int | None = None) -> bytes:
        return self._spool.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._spool.seek(offset, whence)

    def flush(self) -> None:
        self._spool.flush()

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        # py7zr calls this when the member is complete: hand it over and wait until the walk has read it.
        self._handoff.handed.put(("member", self._index, self._spool))
        self._handoff.release.acquire()
        if self._handoff.stop.is_set():
            raise _Stopped


def _times(entry: py7zr.py7zr.ArchiveFile) -> dict[str, str | None]:
    times: dict[str, str | None] = {}
    properties: dict[str, Any] = dict(entry.file_properties())
    for key, field in (("mtime", "lastwritetime"), ("atime", "lastaccesstime"), ("crtime", "creationtime")):
        stamp = properties.get(field)
        times[key] = epoch_time(stamp.totimestamp()) if stamp is not None else None
    return times

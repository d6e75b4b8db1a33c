"""UDF disc images without an ISO 9660 bridge (Blu-ray, many data discs burnt on Windows), read with 7-Zip.

No maintained Python reader takes a UDF-only image (pycdlib needs an ISO 9660 primary descriptor, The Sleuth
Kit has no UDF), so 7-Zip does the reading (Debian package ``7zip``, command ``7zz``; ``7z`` where that is
what is installed), as ``unar`` does for RAR archives: ``7zz l -slt -tUdf`` lists the disc once, and each
file is read by its own ``7zz x -so`` into a pipe, never to a file, bounded like any archive member. The
image is handed over as an open descriptor (``/proc/self/fd/N``): the evidence file itself, read-only, or,
for a disc found inside another container, an anonymous copy in the scan's spool folder.

7-Zip's UDF reader gives each entry's path, size, recorded size, times and link count; it does not say
whether an entry is a symbolic link, a device or a FIFO, so those come out as files (a link's bytes are its
target's path components). Directories are walked (7-Zip lists their files), not items. A damaged volume
structure is a "not examined" fact with 7-Zip's own words, after whatever files it still lists.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, BinaryIO

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.bounded import Decoded, current_spool_folder
from warden.evidence.budget import Budget
from warden.evidence.limits import refusal
from warden.evidence.members import Members, iso_utc
from warden.evidence.unopened import UDF

PROGRAMS = ("7zz", "7z")
"""7-Zip's command as Debian 12 names it, then as other systems do."""

NO_TOOL = "it needs 7-Zip, which is not installed (apt-get install 7zip)"

LISTING_BYTES = 4096
"""Bytes of 7-Zip's listing read per member the limits allow (a record is ~300 bytes and a path), and at
least :data:`LISTING_FLOOR`: a bound on what a hostile disc's listing costs to read."""

LISTING_FLOOR = 16 << 20

_STDERR_KEPT = 4000
_ERRORS_KEPT = 20
_FATAL = 2
"""7-Zip's exit status for a fatal error (1 is a warning)."""
_CHUNK = 1 << 20
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9
_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$")
_TIMES = {"Modified": "mtime", "Accessed": "atime", "Created": "crtime", "Metadata Changed": "ctime"}
_ENVIRONMENT = {"TZ": "UTC", "LC_ALL": "C.UTF-8"}
"""7-Zip writes times in local time (so: UTC) and names in the locale's encoding (so: UTF-8)."""


def program() -> str | None:
    """The 7-Zip command on ``PATH``, or None."""
    for name in PROGRAMS:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


@dataclass(slots=True)
class Entry:
    """One file in 7-Zip's listing of the disc."""

    path: str
    size: int | None = None
    packed: int | None = None
    links: int | None = None
    times: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class Listing:
    """What 7-Zip says about the disc: its entries, the volume's facts and any damage it reports."""

    files: list[Entry] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)
    volume: dict[str, JsonScalar] = field(default_factory=dict)
    opened: bool = False
    problem: str | None = None
    more: bool = False
    """The listing was cut short (too many bytes or files), so more entries follow."""
    errors: list[str] = field(default_factory=list)
    """What 7-Zip lists under ``ERRORS:`` (``Headers Error``, ``Unexpected end of archive``...)."""


class UdfContainer:
    """A UDF disc image with no ISO 9660 bridge (a bridge disc is read as ISO 9660)."""

    name = "udf"
    label = UDF.label

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A UDF volume recognition sequence (``BEA01`` then ``NSR02``/``NSR03``) from sector 16."""
        return UDF.sniff(head, size)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every file on the disc, in 7-Zip's order (folder by folder); directories are not items.

        Raises:
            ContainerError: 7-Zip is not installed, cannot open the disc as UDF, or reports it damaged
                (after the files it still lists).
        """
        command = program()
        if command is None:
            raise ContainerError(f"{self.label} is recognised but not opened: {NO_TOOL}")
        members = Members(container, "udf", limits)
        with ExitStack() as stack:
            descriptor = _descriptor(stack, stream, limits)
            listing = _list(command, descriptor, limits, members.budget)
            if not listing.opened:
                raise ContainerError(f"{self.label} cannot be opened: {listing.problem}")
            files = listing.files
            copies = Counter(entry.path for entry in files)
            for count, entry in enumerate(files):
                if members.full:
                    yield members.overflow(None if listing.more else len(files) - count)
                    break
                problem = None
                same = copies[entry.path] + (entry.path in listing.folders)
                if same > 1:
                    problem = (
                        f"{same} entries on the disc have this path: 7-Zip cannot read one apart from the "
                        "others; not read"
                    )
                detail: dict[str, JsonScalar] = {"file_system": "udf", "recorded_size": entry.packed}
                if entry.links is not None:
                    detail["links"] = entry.links
                detail.update(listing.volume)
                yield members.item(
                    entry.path,
                    detail,
                    size=entry.size,
                    decode=_reader(command, descriptor, entry, members.budget),
                    problem=problem,
                    times=entry.times,
                )
            if listing.more and not members.full:
                what = (
                    f"7-Zip's listing of the disc goes past {_listing_cap(limits)} bytes: the rest not listed"
                )
                yield _cut_short(members, refusal(limits, "members", what))
        if listing.problem:
            raise ContainerError(f"{self.label}, after {members.listed} files: {listing.problem}")


def _cut_short(members: Members, problem: str) -> Item:
    """The one item standing for the entries past the listing's size cap."""
    item = members.overflow(None)
    return Item(steps=item.steps, state=item.state, problem=problem)


def _listing_cap(limits: Limits) -> int:
    return max(limits.members * LISTING_BYTES, LISTING_FLOOR)


def _descriptor(stack: ExitStack, stream: BinaryIO, limits: Limits) -> int:
    """A descriptor of a regular file holding exactly the image, for 7-Zip to open: the stream's own file,
    else an anonymous copy in the spool folder (evidence bytes go nowhere else), bounded by ``member_bytes``.

    Raises:
        ContainerError: the copy would be over the limit.
    """
    size = stream.seek(0, os.SEEK_END)
    try:
        own = stream.fileno()
        facts = os.fstat(own)
        if stat.S_ISREG(facts.st_mode) and facts.st_size == size:
            return own
    except (OSError, ValueError, AttributeError):
        pass
    if size > limits.member_bytes:
        what = f"a UDF disc of {size} bytes inside another container is over the limit to copy: not opened"
        raise ContainerError(refusal(limits, "member_bytes", what))
    copy = stack.enter_context(tempfile.TemporaryFile(dir=current_spool_folder()))  # noqa: SIM115
    stream.seek(0)
    while block := stream.read(_CHUNK):
        copy.write(block)
    copy.flush()
    return copy.fileno()


def _run(
    command: str, descriptor: int, switches: Sequence[str], names: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """7-Zip (``switches`` start with its command letter) on the image behind ``descriptor``: its output
    piped, its messages to an anonymous file; it dies with this process."""
    said = tempfile.TemporaryFile(dir=current_spool_folder())  # noqa: SIM115 - the caller closes it
    arguments = [command, *switches, "-tUdf", "-sccUTF-8", "-bd", "--", _image(descriptor), *names]
    try:
        process = subprocess.Popen(
            arguments,
            stdout=subprocess.PIPE,
            stderr=said,
            stdin=subprocess.DEVNULL,
            pass_fds=(descriptor,),
            env={**os.environ, **_ENVIRONMENT},
            preexec_fn=_die_with_parent,
        )
    except OSError:
        said.close()
        raise
    return process, said


def _image(descriptor: int) -> str:
    return f"/proc/self/fd/{descriptor}"


def _messages(said: IO[bytes], descriptor: int) -> str:
    """7-Zip's error messages, on one line, without its echo of the image's name."""
    said.seek(0)
    text = said.read(_STDERR_KEPT).decode("utf-8", "replace")
    image = _image(descriptor)
    lines = [line.strip() for line in text.splitlines()]
    kept = [
        line.replace(image, "the image")
        for line in lines
        if line and line not in ("ERRORS:", "WARNINGS:") and line != f"ERROR: {image} : {image}"
    ]
    return "; ".join(dict.fromkeys(kept))


def _list(command: str, descriptor: int, limits: Limits, budget: Budget) -> Listing:
    """7-Zip's listing of the disc, read as it comes, bounded in bytes and in the budget's seconds."""
    process, said = _run(command, descriptor, ["l", "-slt"])
    seconds = _seconds_left(budget)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        with contextlib.suppress(OSError):
            process.kill()

    timer = threading.Timer(seconds, stop)
    started = budget.clock()
    timer.start()
    listing = Listing()
    header: dict[str, str] = {}
    try:
        listing.more = _read_listing(process, _listing_cap(limits), limits.members, header, listing)
    finally:
        timer.cancel()
        with contextlib.suppress(OSError):
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        with said:
            messages = _messages(said, descriptor)
    budget.charge(0, budget.clock() - started)
    listing.opened = header.get("Type") == "Udf"
    if timed_out.is_set():
        what = f"7-Zip took more than {seconds:.0f} seconds to list the disc"
        listing.problem = refusal(limits, "seconds", what)
    elif listing.errors or ((process.returncode or 0) >= _FATAL and not listing.more):
        said_all = "; ".join(dict.fromkeys([*listing.errors, *filter(None, [messages])]))
        listing.problem = f"7-Zip says: {said_all or f'exit status {process.returncode}'}"
    for key, name in (("Version", "udf_version"), ("VolumeId", "volume")):
        if header.get(key):
            listing.volume[name] = header[key]
    return listing


def _read_listing(
    process: subprocess.Popen[bytes], cap: int, most: int, header: dict[str, str], listing: Listing
) -> bool:
    """Read ``7zz l -slt`` output into ``header`` (the disc's facts) and ``listing``, at most ``cap`` bytes
    and one file more than ``most``; True when it stopped there."""
    stdout = process.stdout
    assert stdout is not None
    read = 0
    record: dict[str, str] | None = None
    errors = False
    while raw := stdout.readline(cap - read + 1):
        read += len(raw)
        if read > cap:
            return True
        # 7-Zip writes a line feed in a name as "_", so each line is one fact (split on line feeds only:
        # a carriage return or another Unicode line break in a name stays in it).
        line = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
        if line == "----------":
            record = {}
            continue
        key, equals, value = line.partition(" = ")
        if equals:
            (header if record is None else record)[key] = value
            errors = False
        elif record is None:
            # The volume's facts: damage under "ERRORS:", and its identifier inside the comment's braces.
            errors = line == "ERRORS:" or (errors and bool(line))
            if errors and line != "ERRORS:" and len(listing.errors) < _ERRORS_KEPT:
                listing.errors.append(line.strip())
            name, colon, identifier = line.strip().partition(": ")
            if colon and name == "VolumeId" and "VolumeId" not in header:
                header["VolumeId"] = identifier
        elif not line:
            _add(listing, record)
            record = {}
            if len(listing.files) > most:
                return True
    if record:
        _add(listing, record)
    return False


def _add(listing: Listing, record: dict[str, str]) -> None:
    path = record.get("Path")
    if path is None:
        return
    if record.get("Folder") == "+":
        listing.folders.add(path)
        return
    listing.files.append(
        Entry(
            path=path,
            size=_number(record.get("Size")),
            packed=_number(record.get("Packed Size")),
            links=_number(record.get("Links")),
            times={name: _time(record.get(key)) for key, name in _TIMES.items() if record.get(key)},
        )
    )


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _time(text: str | None) -> str | None:
    """A time as 7-Zip lists it (in UTC, as it is run) in the case's form; None when absent or odd."""
    match = _TIME.match(text or "")
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
    except ValueError:
        return None
    return iso_utc(moment)


def _seconds_left(budget: Budget) -> float:
    return max(budget.limits.seconds - budget.seconds, 1.0)


def _reader(command: str, descriptor: int, entry: Entry, budget: Budget) -> Callable[[], Decoded]:
    def decode() -> Decoded:
        return _Extraction(command, descriptor, entry, budget)

    return decode


class _Extraction(io.RawIOBase):
    """One file's bytes as ``7zz x -so`` writes them to a pipe, checked against the size the disc declares;
    the process is killed when the stream is closed or the budget's seconds run out."""

    def __init__(self, command: str, descriptor: int, entry: Entry, budget: Budget) -> None:
        super().__init__()
        self._descriptor = descriptor
        self._entry = entry
        self._seconds = _seconds_left(budget)
        # -spd: the path is a name, never a wildcard; only this entry is written, with no other.
        self._process, self._said = _run(command, descriptor, ["x", "-so", "-spd"], [entry.path])
        self._timed_out = threading.Event()
        self._timer = threading.Timer(self._seconds, self._stop)
        self._timer.start()
        self._position = 0

    def _stop(self) -> None:
        self._timed_out.set()
        with contextlib.suppress(OSError):
            self._process.kill()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        stdout = self._process.stdout
        assert isinstance(stdout, io.BufferedReader)
        data = stdout.read1(len(buffer))
        expected = self._entry.size
        if data:
            self._position += len(data)
            if expected is not None and self._position > expected:
                raise OSError(f"7-Zip gives more than the {expected} bytes the disc declares for it")
            memoryview(buffer).cast("B")[: len(data)] = data
            return len(data)
        self._process.wait()
        if self._timed_out.is_set():
            raise OSError(f"7-Zip took more than {self._seconds:.0f} seconds to read it")
        if self._process.returncode != 0:
            messages = _messages(self._said, self._descriptor)
            raise OSError(f"7-Zip cannot read it: {messages or f'exit status {self._process.returncode}'}")
        if expected is not None and self._position != expected:
            raise OSError(f"7-Zip gives {self._position} of the {expected} bytes the disc declares for it")
        return 0

    def close(self) -> None:
        if not self.closed:
            self._timer.cancel()
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._said.close()
        super().close()


def _prctl() -> Callable[[int, int], int] | None:
    """The C library's ``prctl``, looked up in this process (never in a child between fork and exec)."""
    try:
        function: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


_PRCTL = _prctl()


def _die_with_parent() -> None:
    """In the 7-Zip child, before it runs: be killed when the scanning process dies (Linux)."""
    if _PRCTL is not None:
        with contextlib.suppress(Exception):
            _PRCTL(_PR_SET_PDEATHSIG, _SIGKILL)

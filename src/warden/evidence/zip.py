"""Zip archives (and what is built on zip: docx, odt, epub, jar, apk) as containers of members.

Python's ``zipfile`` decodes the members; :mod:`warden.evidence.zip_directory` decides which central
directory it sees (cut at the member limit, or rebuilt from local headers when the archive's own is missing
or damaged, in which case the members found are listed and then the damage is raised as a
:class:`ContainerError`).
"""

from __future__ import annotations

import stat
import struct
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from warden.evidence import ufdr
from warden.evidence.base import ContainerError, Item, JsonScalar, Limits, Step
from warden.evidence.bounded import Decoded, cheaply_seekable
from warden.evidence.members import ENCRYPTED, Members, dos_time, epoch_time, iso_utc, safe_name
from warden.evidence.names import zip_name
from warden.evidence.zip_directory import (
    SPANNED,
    extra_fields,
    open_listing,
    valid_extra,
)
from warden.evidence.zip_streams import BZIP2, LZMA, BoundedMember, overlapping

_LOCAL = b"PK\x03\x04"
_END = b"PK\x05\x06"

METHODS = {
    0: "stored",
    1: "shrink",
    6: "implode",
    8: "deflate",
    9: "deflate64",
    12: "bzip2",
    14: "lzma",
    93: "zstd",
    95: "xz",
    98: "ppmd",
    99: "aes",
}
"""Zip compression method numbers (APPNOTE 4.4.5) and the names the step's detail gives them."""

_DECODED = {0, 8, 12, 14}
_SYMLINK_TARGET_BYTES = 4096


class ZipContainer:
    """A zip archive, recognised by a local file header (or the end record of an empty one) at its start."""

    name = "zip"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """A local file header, a spanned archive's marker before one, or an empty archive's end record."""
        return (
            head.startswith(_LOCAL) or head.startswith(SPANNED) or (head.startswith(_END) and len(head) >= 22)
        )

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Generator[Item, None, None]:
        """Every file in the archive, in central directory order; directories are not items.

        Raises:
            ContainerError: not a readable zip, or its central directory is damaged (after the members that
                could be recovered from local headers).
        """
        with cheaply_seekable(stream) as seekable:
            yield from _expand(seekable, container, limits)


def _expand(stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
    members = Members(container, "zip", limits)
    try:
        listing = open_listing(stream, limits)
    except (OSError, EOFError, struct.error, ValueError, zipfile.BadZipFile, NotImplementedError) as exc:
        raise ContainerError(f"zip archive cannot be read: {exc}") from exc
    with listing.archive:
        infos = listing.archive.infolist()
        shared = overlapping(infos)
        # A UFDR (a phone extraction's reader package) names each member's path on the phone.
        report = ufdr.report_for(listing.archive, limits)
        if report is not None and report.problem is not None:
            yield _ufdr_fact(container, report.problem)
        for index, info in enumerate(infos):
            if info.orig_filename.endswith(("/", "\\")) and info.file_size == 0:
                continue
            if members.full:
                rest: int | None = len(infos) - index
                if listing.over_limit:
                    rest = None if listing.skipped is None or rest is None else rest + listing.skipped
                yield members.overflow(rest)
                break
            overlap = shared.get(index)
            item = _member(
                listing.archive, info, members, recovered=listing.damage is not None, overlap=overlap
            )
            yield item if report is None else report.annotate(item, info.orig_filename)
        else:
            if listing.over_limit:
                yield members.overflow(listing.skipped)
            elif report is not None:
                yield from _not_in_archive(report, members)
        if listing.truncated is not None:
            name, offset, size = listing.truncated
            if name is not None:
                detail: dict[str, JsonScalar] = {"offset": offset, "recovered": True}
                problem = "truncated: the archive ends inside it; not read"
                yield members.item(name, detail, size=size, problem=problem)
    if listing.damage is not None:
        found = len(listing.archive.infolist())
        ends = ""
        if listing.truncated is not None:
            name, offset, _ = listing.truncated
            inside = "a local header" if name is None else f"member {safe_name(name)[0]!r}"
            ends = f"; the archive ends inside {inside} at byte {offset}"
        raise ContainerError(
            f"zip central directory {listing.damage}: {found} entries recovered from local headers{ends}"
        )


def _ufdr_fact(container: Item, problem: str) -> Item:
    step = Step("error", f"({ufdr.FORMAT} report)", {"container": ufdr.FORMAT})
    return Item(steps=(*container.steps, step), state=container.state, problem=problem, not_examined=True)


def _not_in_archive(report: ufdr.Report, members: Members) -> Iterator[Item]:
    """A fact for each file the UFDR's report names whose member the archive does not hold."""
    for phone in report.unseen():
        if members.full:
            yield members.overflow(None)
            return
        problem = f"named in the UFDR's {ufdr.REPORT} but not in the archive: nothing to read"
        item = members.item(phone.local_path, phone.detail, size=None, problem=problem)
        yield replace(item, not_examined=True)


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    members: Members,
    *,
    recovered: bool,
    overlap: tuple[str, int, int] | None = None,
) -> Item:
    method = METHODS.get(info.compress_type, f"method {info.compress_type}")
    times, zone = _times(info)
    detail: dict[str, JsonScalar] = {
        "offset": info.header_offset,
        "compressed_size": info.compress_size,
        "method": method,
        "crc32": f"{info.CRC:08x}",
        "mtime_zone": zone,
    }
    if recovered:
        detail["recovered"] = True
    problem: str | None = None
    if info.flag_bits & 0x41 or info.compress_type == 99:
        detail["encryption"] = (
            "aes" if info.compress_type == 99 else "strong" if info.flag_bits & 0x40 else "zipcrypto"
        )
        problem = ENCRYPTED
    elif info.compress_type not in _DECODED:
        problem = f"compression method {method} is not supported; not read"
    elif info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        problem = f"symbolic link to {_link_target(archive, info)!r}, not followed"
    if overlap is not None:
        other, start, end = overlap
        detail["overlaps"] = safe_name(other)[0]
        problem = (
            f"possible zip bomb: its bytes overlap those of member {safe_name(other)[0]!r} (bytes {start} to "
            f"{end}), which no honest archive does; not read"
        )

    def decode() -> Decoded:
        if info.compress_type in (BZIP2, LZMA):
            # zipfile decodes these without a bound on each call's output: see warden.evidence.zip_streams.
            return BoundedMember(archive, info)
        return archive.open(info)

    name, name_detail = zip_name(info.orig_filename, info.flag_bits)
    detail.update(name_detail)
    return members.item(
        name,
        detail,
        size=info.file_size,
        compressed=info.compress_size if info.compress_type != 0 else None,
        decode=decode,
        problem=problem,
        times=times,
    )


def _link_target(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        with archive.open(info) as link:
            return link.read(_SYMLINK_TARGET_BYTES).decode("utf-8", "backslashreplace")
    except Exception as exc:  # any decoder failure only means the target is unknown
        return f"<unreadable: {exc}>"


_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def _times(info: zipfile.ZipInfo) -> tuple[dict[str, str | None], str]:
    """The member's times and their zone: UTC from an NTFS or Unix extra field, else the DOS local time."""
    fields = extra_fields(valid_extra(info.extra))
    ntfs = fields.get(0x000A, b"")
    if len(ntfs) >= 32 and ntfs[4:8] == b"\x01\x00\x18\x00":
        mtime, atime, crtime = (_filetime(value) for value in struct.unpack("<3Q", ntfs[8:32]))
        return {"mtime": mtime, "atime": atime, "crtime": crtime}, "UTC"
    unix = fields.get(0x5455, b"")
    if len(unix) >= 5 and unix[0] & 1:
        stamps = struct.unpack(f"<{(len(unix) - 1) // 4}l", unix[1 : 1 + (len(unix) - 1) // 4 * 4])
        times = {"mtime": epoch_time(stamps[0])}
        if unix[0] & 2 and len(stamps) > 1:
            times["atime"] = epoch_time(stamps[1])
        return times, "UTC"
    return {"mtime": dos_time(info.date_time)}, "unknown"


def _filetime(value: int) -> str | None:
    if value == 0:
        return None
    try:
        return iso_utc(_FILETIME_EPOCH + timedelta(microseconds=value // 10))
    except OverflowError:
        return None

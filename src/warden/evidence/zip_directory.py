"""The central directory zipfile sees: the archive's own, cut at the member limit, or one rebuilt.

zipfile reads a whole central directory into memory and trusts it. Here it reads a spliced view of the
evidence (never a modified copy) whose end records say what we chose:

- At most ``limits.members`` entries: the directory is cut after them, so an archive of millions of empty
  entries costs no more memory than the limit allows.
- When the central directory is missing or damaged (a truncated download, a carved fragment, the first part
  of a split archive), one is rebuilt in memory from the local headers, as ``zip -FF`` does. Members whose
  sizes follow their data (bit 3) are measured by finding their data descriptor.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, BinaryIO

from warden.evidence.base import ContainerError, Limits
from warden.evidence.positional import PositionalReader

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_LOCATOR64 = b"PK\x06\x07"
_DESCRIPTOR = b"PK\x07\x08"
SPANNED = (b"PK\x07\x08PK\x03\x04", b"PK00PK\x03\x04")
_MAX32 = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class _Directory:
    start: int  # where the central directory is in the stream
    size: int
    offset: int  # where the archive says it is (differs when something is prepended, e.g. a self-extractor)
    declared: int  # how many entries the end record declares


@dataclass(slots=True)
class Listing:
    """The archive as zipfile reads it, and what the listing had to leave out or rebuild."""

    archive: zipfile.ZipFile
    skipped: int | None = None  # entries past the member limit (None: unknown)
    over_limit: bool = False
    damage: str | None = None  # why the directory had to be rebuilt
    truncated: tuple[str | None, int, int] | None = None  # name, offset, size of what the archive ends inside


def open_listing(stream: BinaryIO, limits: Limits) -> Listing:
    """Open the archive for zipfile through the central directory it should see.

    Raises:
        ContainerError: neither a central directory nor a whole local header was found.
        OSError, EOFError, struct.error: the stream cannot be read.
    """
    size = stream.seek(0, os.SEEK_END)
    directory = _find_directory(stream, size)
    if directory is None:
        damage = "is missing"
    else:
        try:
            return _from_directory(stream, directory, limits)
        except (zipfile.BadZipFile, NotImplementedError, ValueError, struct.error) as exc:
            damage = f"is damaged ({exc})"
    listing = _from_local_headers(stream, size, limits)
    if not listing.archive.infolist() and (listing.truncated is None or listing.truncated[0] is None):
        raise ContainerError(
            f"not a readable zip archive: the central directory {damage} and no local header is whole"
        )
    listing.damage = damage
    return listing


def _find_directory(stream: BinaryIO, size: int) -> _Directory | None:
    tail_start = max(0, size - (0xFFFF + 22))
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        return None
    disk, _, _, declared, cd_size, cd_offset, _ = struct.unpack("<4H2LH", tail[at + 4 : at + 22])
    end = tail_start + at
    records_end = end
    if end >= 76:
        stream.seek(end - 76)
        zip64 = stream.read(76)
        if zip64[56:60] == _LOCATOR64 and zip64[:4] == _END64:
            _, _, _, _, disk, _, _, declared, cd_size, cd_offset = struct.unpack("<4sQ2H2L4Q", zip64[:56])
            records_end = end - 76
    start = records_end - cd_size
    if disk != 0 or start < 0:
        return None
    return _Directory(start=start, size=cd_size, offset=cd_offset, declared=declared)


def _from_directory(stream: BinaryIO, directory: _Directory, limits: Limits) -> Listing:
    stream.seek(directory.start)
    count = length = 0
    while length < directory.size and count < limits.members:
        record = stream.read(46)
        if len(record) < 46 or not record.startswith(_CENTRAL):
            raise zipfile.BadZipFile(f"entry {count} is not a central directory record")
        variable = sum(struct.unpack("<3H", record[28:34]))
        stream.seek(variable, os.SEEK_CUR)
        length += 46 + variable
        count += 1
    if length > directory.size:
        raise zipfile.BadZipFile("the last entry runs past the directory's end")
    if length == directory.size:
        return Listing(zipfile.ZipFile(stream))
    # Cut after the limit: zipfile sees the first entries and end records that say so.
    view = _spliced(stream, directory.start + length, _end_records(count, length, directory.offset))
    skipped = directory.declared - count if directory.declared > count else None
    return Listing(zipfile.ZipFile(view), skipped=skipped, over_limit=True)


def _from_local_headers(stream: BinaryIO, size: int, limits: Limits) -> Listing:
    records: list[bytes] = []
    stream.seek(0)
    position = 4 if stream.read(8) in SPANNED else 0
    truncated: tuple[str | None, int, int] | None = None
    over_limit = False
    while True:
        stream.seek(position)
        header = stream.read(30)
        if len(header) < 30 or not header.startswith(_LOCAL):
            if _LOCAL.startswith(header[:4]) and header and len(header) < 30:
                truncated = (None, position, 0)
            break
        if len(records) >= limits.members:
            over_limit = True
            break
        _, need, flags, method, time, date, crc, csize, usize, name_len, extra_len = struct.unpack(
            "<4s5H3L2H", header
        )
        name = stream.read(name_len)
        extra = valid_extra(stream.read(extra_len))
        data_start = position + 30 + name_len + extra_len
        zip64 = extra_fields(extra).get(0x0001, b"")
        if _MAX32 in (csize, usize) and len(zip64) >= 16:
            usize, csize = struct.unpack("<2Q", zip64[:16])
        tail = 0
        if flags & 0x08:
            found = _find_descriptor(stream, data_start, size)
            if found is not None:
                crc, csize, usize, tail = found
        if len(name) < name_len or data_start + csize > size or (flags & 0x08 and not tail):
            truncated = (name.decode("utf-8" if flags & 0x800 else "cp437", "replace"), position, usize)
            break
        records.append(
            _central_record(need, flags, method, time, date, crc, csize, usize, name, extra, position)
        )
        position = data_start + csize + tail
    directory = b"".join(records)
    view = _spliced(stream, position, directory + _end_records(len(records), len(directory), position))
    return Listing(zipfile.ZipFile(view), over_limit=over_limit, truncated=truncated)


def _find_descriptor(stream: BinaryIO, data_start: int, size: int) -> tuple[int, int, int, int] | None:
    """The data descriptor after a member whose sizes follow its data: (crc, csize, usize, length)."""
    chunk_start = data_start
    while chunk_start < size:
        stream.seek(chunk_start)
        chunk = stream.read(1 << 20)
        at = chunk.find(_DESCRIPTOR)
        while at >= 0:
            where = chunk_start + at
            stream.seek(where + 4)
            fields = stream.read(20)
            if len(fields) >= 12:
                crc, csize, usize = struct.unpack("<3L", fields[:12])
                if csize == where - data_start:
                    return crc, csize, usize, 16
            if len(fields) == 20:
                crc, csize, usize = struct.unpack("<L2Q", fields)
                if csize == where - data_start:
                    return crc, csize, usize, 24
            at = chunk.find(_DESCRIPTOR, at + 1)
        if len(chunk) < 1 << 20:
            break
        chunk_start += len(chunk) - 3
    return None


def _central_record(
    need: int,
    flags: int,
    method: int,
    time: int,
    date: int,
    crc: int,
    csize: int,
    usize: int,
    name: bytes,
    extra: bytes,
    offset: int,
) -> bytes:
    large = [value for value in (usize, csize, offset) if value >= _MAX32]
    fields = extra_fields(extra)
    fields.pop(0x0001, None)
    if large:
        fields[0x0001] = struct.pack(f"<{len(large)}Q", *large)
    packed = b"".join(struct.pack("<2H", key, len(value)) + value for key, value in fields.items())
    # zipfile refuses a directory that asks for a newer version than it knows: let each member fail alone.
    version = min(need & 0xFF, 63)
    if flags & 0x800 and not _is_utf8(name):
        # zipfile would refuse the whole directory over one name that is not the UTF-8 it claims to be.
        flags &= ~0x800
    return (
        struct.pack(
            "<4s4B4HL2L5H2L",
            _CENTRAL,
            20,
            0,
            version,
            0,
            flags,
            method,
            time,
            date,
            crc,
            min(csize, _MAX32),
            min(usize, _MAX32),
            len(name),
            len(packed),
            0,
            0,
            0,
            0,
            min(offset, _MAX32),
        )
        + name
        + packed
    )


def _is_utf8(name: bytes) -> bool:
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _end_records(count: int, cd_size: int, cd_offset: int) -> bytes:
    records = b""
    if count >= 0xFFFF or cd_size >= _MAX32 or cd_offset >= _MAX32:
        records = struct.pack("<4sQ2H2L4Q", _END64, 44, 45, 45, 0, 0, count, count, cd_size, cd_offset)
        records += struct.pack("<4sLQL", _LOCATOR64, 0, cd_offset + cd_size, 1)
    short = min(count, 0xFFFF)
    return records + struct.pack(
        "<4s4H2LH", _END, 0, 0, short, short, min(cd_size, _MAX32), min(cd_offset, _MAX32), 0
    )


def valid_extra(extra: bytes) -> bytes:
    """The extra field up to its first malformed record (zipfile refuses a whole archive over one)."""
    at = 0
    while at + 4 <= len(extra):
        _, length = struct.unpack("<2H", extra[at : at + 4])
        if at + 4 + length > len(extra):
            break
        at += 4 + length
    return extra[:at]


def extra_fields(extra: bytes) -> dict[int, bytes]:
    """An extra field's records by header ID (the first of each)."""
    fields: dict[int, bytes] = {}
    at = 0
    while at + 4 <= len(extra):
        key, length = struct.unpack("<2H", extra[at : at + 4])
        fields.setdefault(key, extra[at + 4 : at + 4 + length])
        at += 4 + length
    return fields


def _spliced(base: BinaryIO, cut: int, tail: bytes) -> BinaryIO:
    return io.BufferedReader(_Spliced(base, cut, tail))


class _Spliced(PositionalReader):
    """The first ``cut`` bytes of ``base``, then ``tail``: the archive with a central directory we chose."""

    def __init__(self, base: IO[bytes], cut: int, tail: bytes) -> None:
        super().__init__()
        self._base = base
        self._cut = cut
        self._tail = tail

    def read_at(self, position: int, count: int) -> bytes:
        if position < self._cut:
            self._base.seek(position)
            return self._base.read(min(count, self._cut - position))
        start = position - self._cut
        return self._tail[start : start + count]

    def end(self) -> int:
        return self._cut + len(self._tail)

"""Zip members compressed with bzip2 or LZMA, decoded a buffer at a time, and entries that share bytes.

zipfile decodes these two methods with one ``decompress(data)`` call per block of compressed input and no
bound on what that call gives out: 838 bytes of bzip2 that declare a small size expand to gigabytes in one
call, all in memory. Here every call is bounded (``max_length``), the output stops at the declared size as
zipfile's does, and the CRC-32 is checked at the end: a member that lies about its size ends in a CRC
error, never in memory. (zipfile's own deflate reader is bounded already.)

Entries whose bytes overlap (one entry's local header inside another's data) are how a 41 KB zip makes
gigabytes out of one shared compressed block: :func:`overlapping` finds them from the central directory.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO, Any

from warden.evidence.positional import PositionalReader

BZIP2 = 12
LZMA = 14

_LOCAL = b"PK\x03\x04"
_INPUT = 64 << 10


class _Window(PositionalReader):
    """The member's compressed bytes in the archive (which may be shorter than declared)."""

    def __init__(self, base: IO[bytes], start: int, length: int) -> None:
        super().__init__()
        self._base = base
        self._start = start
        self._length = length

    def read_at(self, position: int, count: int) -> bytes:
        count = min(count, self._length - position)
        if count <= 0:
            return b""
        self._base.seek(self._start + position)
        return self._base.read(count)

    def end(self) -> int:
        return self._length


class BoundedMember(io.RawIOBase):
    """The decoded bytes of one bzip2 or LZMA zip member, never more than asked for per read.

    Args:
        archive: the open zip (its ``fp`` is read, with a seek before every read, like zipfile's members).
        info: the member's central directory entry.

    Raises:
        OSError: its local header is missing or does not match the central directory.
    """

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        super().__init__()
        base = archive.fp
        if base is None:
            raise OSError("the zip archive is closed")
        start = _data_start(base, info)
        self._input = _Window(base, start, info.compress_size)
        self._read_at = 0
        self._name = info.filename
        self._left = info.file_size
        self._expected_crc = info.CRC
        self._crc = 0
        self._decompressor: Any = bz2.BZ2Decompressor() if info.compress_type == BZIP2 else None
        self._lzma_header = info.compress_type == LZMA

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._left)
        while wanted > 0:
            decompressor = self._decoder()
            if decompressor.eof:
                break
            data = b""
            if decompressor.needs_input:
                data = self._compressed()
                if not data:
                    break
            out = decompressor.decompress(data, wanted)
            if out:
                count = len(out)
                view[:count] = out
                self._left -= count
                self._crc = zlib.crc32(out, self._crc)
                if self._left == 0:
                    self._check_crc()
                return count
        if self._left > 0 and wanted > 0:
            raise OSError(f"zip member {self._name!r} ends {self._left} bytes short of the size it declares")
        return 0

    def _compressed(self) -> bytes:
        data = self._input.read_at(self._read_at, _INPUT)
        self._read_at += len(data)
        return data

    def _decoder(self) -> Any:
        if self._decompressor is None:
            self._decompressor = _lzma_decompressor(self._compressed_exactly(4))
        return self._decompressor

    def _compressed_exactly(self, count: int) -> bytes:
        data = self._input.read_at(self._read_at, count)
        self._read_at += len(data)
        if len(data) < count:
            raise OSError(f"zip member {self._name!r}: its LZMA header is cut short")
        if count == 4:
            (props_size,) = struct.unpack("<H", data[2:4])
            return data + self._compressed_exactly(props_size)
        return data

    def _check_crc(self) -> None:
        if self._crc != self._expected_crc:
            raise OSError(f"Bad CRC-32 for zip member {self._name!r}: it is not what the archive declares")


def _lzma_decompressor(header: bytes) -> lzma.LZMADecompressor:
    """A raw LZMA1 decoder from a zip LZMA header: version (2 bytes), properties size, properties."""
    properties = header[4:]
    if len(properties) < 5 or properties[0] >= 9 * 5 * 5:
        raise OSError("zip LZMA properties are invalid")
    lc_lp_pb = properties[0]
    pb, rest = divmod(lc_lp_pb, 45)
    lp, lc = divmod(rest, 9)
    (dict_size,) = struct.unpack("<L", properties[1:5])
    lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}
    try:
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])
    except lzma.LZMAError as exc:
        raise OSError(f"zip LZMA properties are invalid: {exc}") from exc


def _data_start(base: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the member's data starts: after its local header, checked as zipfile checks it."""
    base.seek(info.header_offset)
    header = base.read(30)
    if len(header) < 30 or not header.startswith(_LOCAL):
        raise OSError(f"zip member {info.filename!r}: no local header at byte {info.header_offset}")
    flags = struct.unpack("<H", header[6:8])[0]
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    name = base.read(name_length)
    shown = {name.decode("cp437")}
    if flags & 0x800:
        shown.add(name.decode("utf-8", "replace"))
    if info.orig_filename not in shown:
        raise OSError(
            f"zip member {info.filename!r}: the name in its local header ({name!r}) is not the directory's"
        )
    start: int = info.header_offset + 30 + name_length + extra_length
    return start


def overlapping(infos: Sequence[zipfile.ZipInfo]) -> dict[int, tuple[str, int, int]]:
    """Entries whose local header lies inside an earlier entry's bytes, by index in ``infos``: the entry they
    overlap, and where its bytes start and end.

    An entry's bytes are taken to run from its local header over a minimal header (30 bytes and its name)
    and its compressed size: never longer than they really are, so an honest archive is never flagged.
    """
    order = sorted(range(len(infos)), key=lambda index: (infos[index].header_offset, index))
    found: dict[int, tuple[str, int, int]] = {}
    reach = -1
    owner: zipfile.ZipInfo | None = None
    for index in order:
        info = infos[index]
        start = info.header_offset
        if owner is not None and start < reach:
            found[index] = (owner.filename, owner.header_offset, reach)
            continue
        end = start + 30 + _name_bytes(info) + info.compress_size
        if end > reach:
            reach, owner = end, info
    return found


def _name_bytes(info: zipfile.ZipInfo) -> int:
    """The length of the entry's name as stored (one byte per character unless the name is UTF-8)."""
    if info.flag_bits & 0x800:
        return len(info.orig_filename.encode("utf-8", "surrogateescape"))
    return len(info.orig_filename)

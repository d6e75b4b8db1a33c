"""WARC records (ISO 28500) read front to back, every read bounded: ``.warc``, and ``.warc.gz`` gzipped per
record (as the standard asks) or as one stream.

``warcio`` parses each record's header block; the framing around it (where a record starts, its
``Content-Length`` bytes, the two line ends after them) is read here, because ``warcio``'s ``ArchiveIterator``
reads a header line however long it is, writes its warnings to standard error, gives out nothing more after a
damaged gzip member without raising, and refuses a WARC gzipped as one stream. Here:

- a header line longer than :data:`HEADER_LINE`, or a header block longer than :data:`HEADER_BLOCK`, is
  damage, not a reason to read on;
- gzip members are decompressed one bounded step at a time, and each record is placed by the offset in the
  file of the gzip member it starts (what ``warcio index`` and CDX files give), with its offset in the
  decompressed stream as well when it does not start a member of its own;
- a record cut short, a record not followed by its two line ends (its ``Content-Length`` lies, or there is
  garbage between records), a damaged gzip member or bytes after the last one raise :class:`OSError` with
  the offset, after the records before it.
"""

from __future__ import annotations

import io
import os
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from warcio.recordloader import ArcWarcRecordLoader

from warden.evidence.bounded import Window
from warden.evidence.limits import LimitExceeded
from warden.evidence.pieces import PieceReader

HEADER_LINE = 64 * 1024
"""Longest header line read (a WARC or an HTTP head's); real ones are well under 8 KiB."""

HEADER_BLOCK = 1 << 20
"""Most bytes of one header block (a WARC record's, or the HTTP head inside a response record)."""

BLANK_LINES = 16
"""Most empty lines tolerated between records (the standard has exactly two line ends)."""

_GZIP = b"\x1f\x8b\x08"
_STEP = 64 * 1024
_MAGIC = b"WARC/1."

LOADER = ArcWarcRecordLoader(verify_http=False, arc2warc=False)
"""warcio's parsers: ``warc_parser`` for a WARC header block, ``load_http_headers`` for an HTTP head (any
``HTTP/`` version, checked by the caller: some tools write ``HTTP/2 200``, which warcio's check refuses)."""


def is_warc(head: bytes) -> bool:
    """Whether ``head`` starts a WARC file: ``WARC/1.`` at once, or as the first bytes of a gzip stream."""
    if head.startswith(_MAGIC):
        return True
    if not head.startswith(_GZIP):
        return False
    try:
        return bool(zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, len(_MAGIC)) == _MAGIC)
    except zlib.error:
        return False


@dataclass(frozen=True, slots=True)
class RecordHead:
    """One record's WARC header block and where the record is.

    Attributes:
        headers: warcio's ``StatusAndHeaders`` of the header block (``protocol`` is ``WARC/1.1``...).
        offset: where the record starts in the file; in a ``.warc.gz``, where the gzip member it starts in
            starts.
        decompressed_offset: where the record starts in the decompressed stream, when that is not where its
            gzip member starts (a WARC gzipped as one stream); None otherwise.
        block_length: the record's ``Content-Length``: the bytes of its block (an HTTP message, a file).
    """

    headers: Any
    offset: int
    decompressed_offset: int | None
    block_length: int

    def get(self, name: str) -> str | None:
        """A WARC header's value, or None."""
        value = self.headers.get_header(name)
        return None if value is None else str(value)

    @property
    def where(self) -> str:
        """The record's place, for messages."""
        if self.decompressed_offset is None:
            return f"at offset {self.offset}"
        return f"at offset {self.decompressed_offset} of the gzip stream starting at offset {self.offset}"


class HeadLines:
    """A stream that gives ``warcio``'s header parser its lines, refusing an endless line or header block.

    Attributes:
        consumed: bytes read so far.
    """

    def __init__(self, source: IO[bytes], what: str) -> None:
        self._source = source
        self._what = what
        self.consumed = 0

    def readline(self, size: int | None = -1) -> bytes:
        wanted = HEADER_LINE + 1 if size is None or size < 0 else min(size, HEADER_LINE + 1)
        line = self._source.readline(wanted)
        self.consumed += len(line)
        if len(line) > HEADER_LINE:
            raise OSError(f"{self._what} has a line longer than {HEADER_LINE} bytes")
        if self.consumed > HEADER_BLOCK:
            raise OSError(f"{self._what} is longer than {HEADER_BLOCK} bytes")
        return line


class WarcReader:
    """The records of one WARC file, in file order.

    Iterate for each record's :class:`RecordHead`; before asking for the next, read its block with
    :meth:`copy_block` or :meth:`skip_block`, then :meth:`finish` it.

    Args:
        stream: the WARC file, seekable.
        cap: most decompressed bytes a ``.warc.gz`` may give out, and the error past it.
    """

    def __init__(self, stream: BinaryIO, cap: tuple[int, LimitExceeded]) -> None:
        stream.seek(0)
        self._members: _GzipMembers | None = None
        self.gzip = stream.read(len(_GZIP)) == _GZIP
        if self.gzip:
            self._members = _GzipMembers(stream, *cap)
            self._source: io.BufferedReader = io.BufferedReader(self._members, _STEP)
        else:
            self._source = io.BufferedReader(Window(stream), _STEP)
        self._position = 0
        self._pending: bytes | None = None  # the line after the last record, read while looking for it

    def __iter__(self) -> Iterator[RecordHead]:
        while True:
            line = self._first_line()
            start = self._position - len(line)
            if not line:
                return
            lines = HeadLines(self._source, "the WARC header")
            try:
                headers = LOADER.warc_parser.parse(lines, line)
            except OSError as exc:
                raise OSError(f"record at offset {start}: {exc}") from exc
            except Exception as exc:  # warcio's parser signals a malformed block in several ways
                raise OSError(f"no WARC record {self._place(start)}: {exc}") from exc
            self._position += lines.consumed
            length = headers.get_header("Content-Length")
            try:
                block_length = int(length)
            except (TypeError, ValueError):
                block_length = -1
            if block_length < 0:
                raise OSError(f"the record {self._place(start)} has no valid Content-Length ({length!r})")
            offset, decompressed = self._locate(start)
            yield RecordHead(headers, offset, decompressed, block_length)

    def copy_block(self, record: RecordHead, target: IO[bytes]) -> int:
        """Copy the record's block into ``target``; returns how many bytes there were (fewer than its
        ``Content-Length`` when the file is cut short)."""
        return self._through(record.block_length, target)

    def skip_block(self, record: RecordHead) -> int:
        """Read past the record's block; returns how many bytes there were."""
        return self._through(record.block_length, None)

    def finish(self, record: RecordHead) -> str | None:
        """Read the line end after a record's block: None when it is there (or the file ends), else why the
        record does not end where its ``Content-Length`` says. The empty lines after it are left to the next
        record, so that damage after an intact record is met when that record is read."""
        line = self._line()
        if not line or not line.strip():
            return None
        self._pending = line
        return (
            f"the record {record.where} does not end where its Content-Length ({record.block_length}) says: "
            f"{bytes(line[:40])!r} follows its block, not an empty line"
        )

    def _first_line(self) -> bytes:
        """The next record's first line (empty at the end of the file), past the empty lines before it."""
        line, self._pending = self._pending, None
        for _ in range(BLANK_LINES + 1):
            if line is None or (line and not line.strip()):
                line = self._line()
                continue
            return line
        raise OSError(f"more than {BLANK_LINES} empty lines before offset {self._position}")

    def _line(self) -> bytes:
        line = self._source.readline(HEADER_LINE + 1)
        self._position += len(line)
        if len(line) > HEADER_LINE:
            raise OSError(f"{len(line)} bytes without a line end at offset {self._position - len(line)}")
        return line

    def _through(self, count: int, target: IO[bytes] | None) -> int:
        done = 0
        while done < count:
            chunk = self._source.read(min(_STEP, count - done))
            if not chunk:
                break
            done += len(chunk)
            if target is not None:
                target.write(chunk)
        self._position += done
        return done

    def _locate(self, position: int) -> tuple[int, int | None]:
        if self._members is None:
            return position, None
        return self._members.locate(position)

    def _place(self, position: int) -> str:
        offset, decompressed = self._locate(position)
        if decompressed is None:
            return f"at offset {offset}"
        return f"at offset {decompressed} of the gzip stream starting at offset {offset}"


class _GzipMembers(PieceReader):
    """The decompressed bytes of a file of gzip members in a row, remembering where each member starts.

    Args:
        base: the file, seekable; read from offset 0.
        cap: most decompressed bytes given out.
        over: the error raised past ``cap``.
    """

    def __init__(self, base: BinaryIO, cap: int, over: LimitExceeded) -> None:
        super().__init__()
        self._base = base
        base.seek(0)
        self._cap = cap
        self._over = over
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = b""
        self._input_at = 0  # the file offset of self._input[0]
        self._given = 0
        self._member_at = 0
        # (decompressed position, file offset) of each member start not yet passed by the records.
        self._starts: deque[tuple[int, int]] = deque([(0, 0)])

    def locate(self, position: int) -> tuple[int, int | None]:
        """The file offset of the gzip member holding decompressed ``position``, and ``position`` when the
        member does not start there."""
        while len(self._starts) > 1 and self._starts[1][0] <= position:
            self._starts.popleft()
        start, offset = self._starts[0]
        return offset, None if start == position else position

    def _next(self, wanted: int) -> bytes:
        data = self._decompressed(wanted)
        self._given += len(data)
        if self._given > self._cap:
            raise self._over
        return data

    def _decompressed(self, wanted: int) -> bytes:
        while True:
            decompressor = self._decompressor
            if decompressor.eof:
                if not self._next_member():
                    return b""
                continue
            if not self._input:
                self._input = self._base.read(_STEP)
                if not self._input:
                    out = decompressor.decompress(b"", wanted)
                    if out or decompressor.eof:
                        return bytes(out)
                    raise OSError(f"the gzip member at offset {self._member_at} is cut short")
            try:
                out = decompressor.decompress(self._input, wanted)
            except zlib.error as exc:
                raise OSError(f"the gzip member at offset {self._member_at} is damaged: {exc}") from exc
            rest = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
            self._input_at += len(self._input) - len(rest)
            self._input = rest
            if out:
                return bytes(out)

    def _next_member(self) -> bool:
        """Start the next member; False at the end of the file."""
        while len(self._input) < len(_GZIP):
            more = self._base.read(_STEP)
            if not more:
                break
            self._input += more
        if not self._input:
            return False
        if not self._input.startswith(_GZIP):
            raise OSError(f"bytes at offset {self._input_at} after a gzip member are not gzip")
        self._member_at = self._input_at
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._starts.append((self._given, self._input_at))
        return True


def file_size(stream: BinaryIO) -> int:
    """The size of a seekable stream (its position is left at the start)."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    return size

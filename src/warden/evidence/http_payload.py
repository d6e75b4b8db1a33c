"""An HTTP message body as its sender meant it: chunked transfer coding and gzip, deflate and br undone.

A WARC response record keeps the body as it went over the wire. What a scan must hash is the entity the
server meant (the JPEG, not its gzip), so :func:`entity_body` undoes ``Transfer-Encoding: chunked`` and the
content codings of ``Content-Encoding`` (and any transfer coding before ``chunked``), last applied first.

Every step is pulled by the reader and gives out at most what it asked for: a decompressor is asked for so
many bytes of output (zlib's ``max_length``, brotli's ``output_buffer_limit``), never for all of it, so a
decompression bomb costs a buffer of memory and stops where the reader's limit is
(:class:`~warden.evidence.bounded.BoundedReader`). Damage (a bad chunk size, a corrupt or cut gzip stream) is
an :class:`OSError`, which the walk records against the item.

The content codings are undone by one :class:`Inflater` per coding, which serves both ways a body is read:
pulled from a WARC record by a scan (:func:`entity_body`), and pushed as it comes off the wire by the crawl
(:class:`ContentDecoder`, behind the crawl's bomb guard in ``warden.crawl.decode``), so a page is read by
the crawl exactly as the scan later reads it back from the capture.

Like ``warcio``, a body that does not begin as its coding says (a crawler that stored the body already
decoded but kept the header) is given out as it is: a "chunked" body whose first line is no chunk size, a
"gzip" body without gzip's signature. A "deflate" body is read as the zlib format when it starts with a zlib
header, else as raw deflate (servers send both under that name).

``br`` needs the ``brotli`` package (1.2 or later, whose decompressor takes an output limit); without it a
brotli body is not read and :func:`unsupported` says why.
"""

from __future__ import annotations

import importlib
import io
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from warden.evidence.pieces import PieceReader

CHUNK_LINE = 4096
"""Longest chunk-size line (with its extensions) or trailer line accepted."""

TRAILER_LINES = 256
"""Most trailer lines after the last chunk."""

_INPUT = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def codings(header: str | None) -> list[str]:
    """The codings a ``Content-Encoding`` or ``Transfer-Encoding`` header lists, in the order applied,
    lower-case, ``identity`` left out."""
    if not header:
        return []
    return [
        part.strip().lower() for part in header.split(",") if part.strip().lower() not in ("", "identity")
    ]


def _brotli() -> Any | None:
    """brotli's decompressor class, when a version that bounds its output is installed."""
    try:
        brotli = importlib.import_module("brotli")  # optional, and without type hints
    except ImportError:
        return None
    decompressor = getattr(brotli, "Decompressor", None)
    if decompressor is None or not hasattr(decompressor, "can_accept_more_data"):
        return None
    return decompressor


def unsupported(transfer: str | None, content: str | None) -> str | None:
    """Why a body with these headers cannot be read (a coding Warden cannot undo), or None."""
    for coding in _layers(transfer, content)[1]:
        if coding in ("gzip", "x-gzip", "deflate"):
            continue
        if coding == "br":
            if _brotli() is None:
                return (
                    "its body is brotli-compressed (br), which needs brotli 1.2 or later: pip install brotli"
                )
            continue
        return f"its body is in the coding {coding!r}, which Warden cannot undo (gzip, deflate and br only)"
    return None


def _layers(transfer: str | None, content: str | None) -> tuple[bool, list[str]]:
    """Whether the body is chunked, and the other codings in the order they were applied."""
    transfers = codings(transfer)
    chunked = bool(transfers) and transfers[-1] == "chunked"
    if chunked:
        transfers = transfers[:-1]
    return chunked, codings(content) + transfers


def entity_body(raw: BinaryIO, transfer: str | None, content: str | None) -> BinaryIO:
    """The decoded body of ``raw`` (the bytes after the HTTP head), read lazily.

    Args:
        raw: the body as sent; closed with the result.
        transfer: the ``Transfer-Encoding`` header, or None.
        content: the ``Content-Encoding`` header, or None.

    Raises:
        ValueError: a coding :func:`unsupported` names.
    """
    problem = unsupported(transfer, content)
    if problem is not None:
        raise ValueError(problem)
    chunked, layers = _layers(transfer, content)
    stream: BinaryIO = raw
    if chunked:
        stream = io.BufferedReader(_Dechunked(stream))
    for coding in reversed(layers):
        stream = io.BufferedReader(_Decompressed(stream, coding))
    return stream


class _Dechunked(PieceReader):
    """The data of a chunked body (RFC 9112 section 7.1), chunk by chunk."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self._left = 0  # bytes left in the current chunk
        self._started = False
        self._passthrough = b""  # set when the body turns out not to be chunked at all
        self._plain = False
        self._done = False

    def _next(self, wanted: int) -> bytes:
        if self._plain:
            if self._passthrough:
                data, self._passthrough = self._passthrough[:wanted], self._passthrough[wanted:]
                return data
            return self._source.read(wanted)
        if self._done:
            return b""
        if self._left == 0 and not self._chunk_start():
            return self._next(wanted) if self._plain else b""
        data = self._source.read(min(wanted, self._left))
        if not data:
            raise OSError(f"chunked body cut short: {self._left} bytes of a chunk missing")
        self._left -= len(data)
        if self._left == 0:
            self._line_end("after a chunk")
        return data

    def _chunk_start(self) -> bool:
        """Read a chunk-size line; False at the last chunk (or a body found not to be chunked)."""
        line = self._source.readline(CHUNK_LINE + 1)
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16) if size_text and len(line) <= CHUNK_LINE else -1
        except ValueError:
            size = -1
        if size < 0:
            if not self._started:
                # Not chunked after all (stored decoded, header kept): give it out as it is.
                self._plain, self._passthrough = True, line
                return False
            if not line:
                raise OSError("chunked body cut short: no last chunk")
            raise OSError(f"chunked body damaged: {bytes(line[:40])!r} is not a chunk size")
        self._started = True
        if size == 0:
            self._trailers()
            return False
        self._left = size
        return True

    def _line_end(self, where: str) -> None:
        first = self._source.read(1)
        if first == b"\n":
            return  # a bare LF, tolerated as by most readers
        second = self._source.read(1) if first == b"\r" else b""
        if second != b"\n":
            raise OSError(f"chunked body damaged: {first + second!r} where a line end should be {where}")

    def _trailers(self) -> None:
        for _ in range(TRAILER_LINES):
            line = self._source.readline(CHUNK_LINE + 1)
            if not line.strip():
                self._done = True
                return
        raise OSError(f"chunked body damaged: more than {TRAILER_LINES} trailer lines")


def _zlib_for(coding: str, head: bytes) -> Callable[[], Any]:
    if coding in ("gzip", "x-gzip"):
        return lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)
    # "deflate" means the zlib format, but servers send raw deflate under it about as often.
    zlib_header = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    bits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
    return lambda: zlib.decompressobj(bits)


class CutShort(OSError):
    """A coded body ended before its coding's end (a cut gzip stream)."""


class Inflater:
    """One content coding undone as its bytes come: :meth:`feed` it coded bytes, :meth:`take` decoded ones,
    never more than asked for at a time. The one decoder of both sides: :class:`_Decompressed` pulls a
    WARC record's body through it, :class:`ContentDecoder` pushes a body through it as it arrives (the crawl).

    Args:
        coding: ``gzip``, ``x-gzip``, ``deflate`` or ``br`` (checked by :func:`unsupported` before).
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.ended = False
        """Whether the coded stream has ended (bytes fed after its end are not part of it)."""
        self._input = b""
        self._decompressor: Any = None
        self._new: Callable[[], Any] | None = None
        self._plain = False
        self._between = False  # a gzip member has ended; another may follow
        self._pending = b""  # output past what was asked for (brotli's limit is on its buffer, not exact)

    def feed(self, data: bytes) -> None:
        """Give the next coded bytes (after :meth:`take` asked for more: see :meth:`wants_input`)."""
        if not self.ended:
            self._input += data

    def wants_input(self) -> bool:
        """Whether :meth:`take` has nothing to work on until more coded bytes are fed."""
        if self.ended or self._pending:
            return False
        if self._plain:
            return not self._input
        if self._decompressor is None:
            return len(self._input) < 2  # the first bytes tell how the body is coded
        if self.coding == "br":
            return not self._input and bool(self._decompressor.can_accept_more_data())
        return not self._input

    def take(self, wanted: int, *, at_end: bool = False) -> bytes:
        """At most ``wanted`` decoded bytes; ``b""`` when it needs more input, or when the stream has ended.

        Args:
            at_end: no more input will come: ``b""`` is then returned only once the stream has ended.

        Raises:
            CutShort: ``at_end`` and the stream stops before its end.
            OSError: the bytes are not in their coding.
        """
        if self._pending:
            data, self._pending = self._pending[:wanted], self._pending[wanted:]
            return data
        while not self.ended:
            if self._decompressor is None and not self._plain:
                if len(self._input) < 2 and not at_end:
                    return b""
                self._start()
                continue
            if self._plain:
                data, self._input = self._input[:wanted], self._input[wanted:]
                self.ended = at_end and not data
                return data
            try:
                data = self._step(wanted)
            except Exception as exc:  # zlib.error, brotli.error: the decompressors' own kinds of damage
                raise OSError(f"{self.coding} body damaged: {exc}") from exc
            if data:
                data, self._pending = data[:wanted], data[wanted:]
                return data
            if at_end and not self.ended and not self._between:
                raise CutShort(f"{self.coding} body cut short")
            if not at_end and self.wants_input():
                return b""
        return b""

    def _start(self) -> None:
        """Make the decompressor for the body's first bytes, or give the body out as it is (see the module's
        docstring); after a gzip member, another member or the end."""
        if self._between or not self._input:
            if self._between and self._input.startswith(_GZIP_MAGIC) and self._new is not None:
                self._between, self._decompressor = False, self._new()  # gzip members in a row
            else:
                self.ended, self._input = True, b""  # bytes after the stream's end are not part of it
            return
        if self.coding in ("gzip", "x-gzip") and not self._input.startswith(_GZIP_MAGIC):
            self._plain = True
            return
        if self.coding == "br":
            self._new = _brotli()
            assert self._new is not None  # checked by unsupported() before
        else:
            self._new = _zlib_for(self.coding, self._input)
        self._decompressor = self._new()

    def _step(self, wanted: int) -> bytes:
        decompressor = self._decompressor
        if self.coding == "br":
            data = self._input if decompressor.can_accept_more_data() else b""
            self._input = self._input[len(data) :]
            out: bytes = decompressor.process(data, output_buffer_limit=wanted)
            if decompressor.is_finished():
                self.ended, self._input = True, b""
            return out
        out = decompressor.decompress(self._input, wanted)
        if decompressor.eof:
            if self.coding == "deflate":
                self.ended, self._input = True, b""
            else:
                self._decompressor, self._input, self._between = None, decompressor.unused_data, True
        else:
            self._input = decompressor.unconsumed_tail
        return bytes(out)


class _Decompressed(PieceReader):
    """One content coding undone, asking the decompressor for no more than the reader wants."""

    def __init__(self, source: BinaryIO, coding: str) -> None:
        super().__init__()
        self._source = source
        self._inflater = Inflater(coding)
        self._at_end = False

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()

    def _next(self, wanted: int) -> bytes:
        inflater = self._inflater
        while True:
            if not self._at_end and inflater.wants_input():
                data = self._source.read(_INPUT)
                self._at_end = not data
                inflater.feed(data)
            data = inflater.take(wanted, at_end=self._at_end)
            if data or inflater.ended:
                return data


class ContentDecoder:
    """A body's content codings undone as its bytes arrive (the crawl reads a page as it comes off the wire):
    what :meth:`feed` and :meth:`finish` give out is a lazy run of decoded pieces of at most ``step`` bytes
    each, so a caller that stops taking them (a bomb) has cost one piece of memory.

    Args:
        codings: the ``Content-Encoding`` codings in the order applied (:func:`codings`).
        step: most bytes in one piece.

    Raises:
        ValueError: a coding :func:`unsupported` names.
    """

    def __init__(self, codings: list[str], *, step: int = _INPUT) -> None:
        problem = unsupported(None, ", ".join(codings))
        if problem is not None:
            raise ValueError(problem)
        self._stages = [Inflater(coding) for coding in reversed(codings)]
        self._step = step

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces the next coded bytes give (an :class:`OSError` when they are damaged)."""
        return self._through(0, data, at_end=False)

    def finish(self) -> Iterator[bytes]:
        """The decoded pieces left once the body has ended (:class:`CutShort` when it stopped early)."""
        return self._through(0, b"", at_end=True)

    def _through(self, stage: int, data: bytes, *, at_end: bool) -> Iterator[bytes]:
        if stage == len(self._stages):
            if data:
                yield data
            return
        inflater = self._stages[stage]
        inflater.feed(data)
        while out := inflater.take(self._step):
            yield from self._through(stage + 1, out, at_end=False)
        if at_end:
            while out := inflater.take(self._step, at_end=True):
                yield from self._through(stage + 1, out, at_end=False)
            yield from self._through(stage + 1, b"", at_end=True)

"""The crawl's bomb guard: a response body's ``Content-Encoding`` undone as it arrives, bounded. The WARC
keeps the bytes as sent; this reads them for the crawl (links of a page, robots.txt) and stops a
decompression bomb early. The decoding itself is :mod:`warden.evidence.http_payload`'s, the one a scan of
the capture uses, so the crawl reads a page as the scan later reads it back.

A body that decodes to more than the per-response limit, or to more than ``max_ratio`` times its size once
past 1 MiB, is a bomb; decoding stops there, after at most one 64 KiB step more, so no bomb costs memory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from warden.evidence.http_payload import ContentDecoder, CutShort, codings, unsupported

STEP = 64 * 1024
RATIO_FLOOR = 1024 * 1024
"""Decoded sizes under this are never called a bomb by their ratio (a small page of repeated markup)."""
DECODED = {"gzip", "x-gzip", "deflate"}
"""The encodings a crawl asks for (``Accept-Encoding``); it also undoes ``br`` sent unasked when ``brotli`` is
installed."""


class BodyProblem(Exception):
    """The body is a bomb or does not decode; ``str()`` is the per-URL reason. Never reaches a user: it
    becomes the URL's error row."""


class BodyDecoder:
    """Undoes one body's content encoding chunk by chunk, keeping the first ``keep`` decoded bytes.

    Args:
        encoding: the response's ``Content-Encoding`` (empty for none).
        keep: decoded bytes to keep (0 when the crawl does not read this body).
        max_bytes: most decoded bytes allowed.
        max_ratio: most decoded bytes per raw byte allowed, past :data:`RATIO_FLOOR`.
    """

    def __init__(self, encoding: str, *, keep: int, max_bytes: int, max_ratio: int) -> None:
        self.encodings = codings(encoding)
        self.unknown = next((e for e in self.encodings if unsupported(None, e) is not None), None)
        """The first coding the crawl cannot undo (the body is then only preserved), or None."""
        self.keep = keep
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.kept = bytearray()
        self.raw = 0
        self.decoded = 0
        self._decoder = ContentDecoder(self.encodings, step=STEP) if self.unknown is None else None

    @property
    def decodes(self) -> bool:
        """Whether the body is encoded, in codings this undoes."""
        return bool(self.encodings) and self.unknown is None

    def feed(self, chunk: bytes) -> None:
        """Take the next raw bytes.

        Raises:
            BodyProblem: the body is a bomb or is not in its declared encoding.
        """
        self.raw += len(chunk)
        if self._decoder is not None:
            self._take_all(self._decoder.feed(chunk))

    def finish(self) -> None:
        """The body has ended: decode what is left. A coded stream cut short keeps what came before the cut.

        Raises:
            BodyProblem: as :meth:`feed`.
        """
        if self._decoder is not None:
            with contextlib.suppress(CutShort):  # what decoded before the cut is still the page's start
                self._take_all(self._decoder.finish())

    def _take_all(self, pieces: Iterator[bytes]) -> None:
        try:
            for out in pieces:
                self._take(out)
        except CutShort:
            raise
        except OSError as error:
            raise BodyProblem(f"encoding: {error}") from None

    def _take(self, out: bytes) -> None:
        self.decoded += len(out)
        if self.decoded > self.max_bytes:
            raise BodyProblem(f"bomb: it decodes to more than {self.max_bytes} bytes")
        if self.decoded > RATIO_FLOOR and self.decoded > self.max_ratio * max(self.raw, 1):
            raise BodyProblem(
                f"bomb: {self.raw} bytes decode to over {self.decoded} (more than {self.max_ratio} times)"
            )
        if len(self.kept) < self.keep:
            self.kept += out[: self.keep - len(self.kept)]

"""A response body's ``Content-Encoding`` undone as it arrives, bounded: the WARC keeps the bytes as sent,
and this reads them for the crawl (links of a page, robots.txt) and stops a decompression bomb early.

A body that decodes to more than the per-response limit, or to more than ``max_ratio`` times its size once
past 1 MiB, is a bomb; decoding stops there, after at most one 64 KiB step more, so no bomb costs memory.
"""

from __future__ import annotations

import zlib

STEP = 64 * 1024
RATIO_FLOOR = 1024 * 1024
"""Decoded sizes under this are never called a bomb by their ratio (a small page of repeated markup)."""
DECODED = {"gzip", "x-gzip", "deflate"}
"""The encodings a crawl asks for (``Accept-Encoding``) and undoes."""


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
        self.encodings = [e.strip().lower() for e in encoding.split(",") if e.strip()]
        self.encodings = [e for e in self.encodings if e != "identity"]
        self.unknown = next((e for e in self.encodings if e not in DECODED), None)
        self.keep = keep
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.kept = bytearray()
        self.raw = 0
        self.decoded = 0
        self._zlib: zlib._Decompress | None = None
        self._first = True
        self._deflate_raw = False

    @property
    def decodes(self) -> bool:
        """Whether the body is encoded in one encoding this decodes (two in a row are not undone)."""
        return len(self.encodings) == 1 and self.unknown is None

    def feed(self, chunk: bytes) -> None:
        """Take the next raw bytes.

        Raises:
            BodyProblem: the body is a bomb or is not in its declared encoding.
        """
        self.raw += len(chunk)
        if not self.encodings:
            self._take(chunk)
        elif self.decodes:
            self._inflate(chunk)

    def _new(self) -> zlib._Decompress:
        if self.encodings[0] in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._deflate_raw else zlib.MAX_WBITS)

    def _inflate(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._zlib = self._new()
        data = chunk
        while data:
            try:
                out = self._zlib.decompress(data, STEP)
            except zlib.error as error:
                if self._first and self.encodings[0] == "deflate" and not self._deflate_raw:
                    # Servers send raw deflate under "deflate" as often as the zlib format.
                    self._deflate_raw, self._zlib = True, self._new()
                    continue
                raise BodyProblem(f"encoding: the body is not valid {self.encodings[0]} ({error})") from None
            self._first = False
            self._take(out)
            if self._zlib.unconsumed_tail:
                data = self._zlib.unconsumed_tail
            elif self._zlib.eof and self._zlib.unused_data:
                data, self._zlib = self._zlib.unused_data, self._new()  # gzip members in a row
            else:
                data = b""

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

"""A raw binary stream whose bytes come in pieces: the one ``readinto`` of every reader that makes its bytes
as they are asked for (a chunked or compressed body, a gzipped WARC, a window on something else)."""

from __future__ import annotations

import io


class PieceReader(io.RawIOBase):
    """A readable raw stream; subclasses say what the next piece is (:meth:`_next`)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self._next(len(view))
        view[: len(data)] = data
        return len(data)

    def _next(self, wanted: int) -> bytes:
        """The next at most ``wanted`` bytes; empty at the end.

        Raises:
            OSError: the bytes cannot be read.
        """
        raise NotImplementedError

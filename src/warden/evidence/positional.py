"""A read-only, seekable stream over a "bytes at this position" source: the one shape of every reader that
serves part of something else (a window on a shared archive, a spooled copy, a file inside a disk image)."""

from __future__ import annotations

import os

from warden.evidence.pieces import PieceReader


class PositionalReader(PieceReader):
    """A binary stream with a position of its own; subclasses say what the bytes at a position are.

    Attributes:
        cheap_seek: seeking costs nothing (the walk then reads the stream in place rather than copying it).
    """

    cheap_seek = True

    def __init__(self) -> None:
        super().__init__()
        self._position = 0

    def read_at(self, position: int, count: int) -> bytes:
        """Up to ``count`` bytes at ``position`` (fewer, or none, at the end).

        Raises:
            OSError: the bytes cannot be read.
        """
        raise NotImplementedError

    def end(self) -> int:
        """The stream's length, for seeking from its end."""
        raise NotImplementedError

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def _next(self, wanted: int) -> bytes:
        data = self.read_at(self._position, wanted)
        self._position += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            position = offset
        elif whence == os.SEEK_CUR:
            position = self._position + offset
        elif whence == os.SEEK_END:
            position = self.end() + offset
        else:
            raise ValueError(f"invalid whence: {whence}")
        if position < 0:
            raise OSError("negative seek position")
        self._position = position
        return position

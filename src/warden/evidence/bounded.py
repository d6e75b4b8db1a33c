"""Reading archive members safely: streams that stop at a byte limit, spools that make slow streams seekable.

Declared sizes in an archive are the archive's word, and a hostile archive lies. Every member stream an
archive container gives out is a :class:`BoundedReader`: it asks its decoder for at most a buffer's worth at
a time, counts what the decoder really produces, charges it to the outermost archive's
:class:`~warden.evidence.budget.Budget`, and raises :class:`OSError` the moment that passes the limit, so a
decompression bomb costs at most the limit in time and a buffer in memory. Decoder failures (a bad CRC, a
truncated stream, a corrupt block) come out as :class:`OSError` too, which the walk records as a per-item
read error.

Containers need cheap seeks (a zip's directory is at its end). A stream that seeks slowly, such as a
member of a compressed archive (seeking back means decompressing again from the start), is copied into a
:class:`Spool` as it is read: memory up to a few MiB, then an anonymous file that is deleted when closed and
never named after anything in the evidence. Evidence bytes are written only to the scan's spool folder
(:func:`spool_folder`), never to the system's temporary folder unless no spool folder is set.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, BinaryIO, ParamSpec, Protocol, TypeVar

from warden.evidence.budget import Meter
from warden.evidence.positional import PositionalReader

_P = ParamSpec("_P")
_T = TypeVar("_T")

SPOOL_MEMORY = 16 << 20
"""Bytes a spool keeps in memory before it moves to an anonymous temporary file."""

_CHUNK = 1 << 20

_FOLDER: list[str] = []


@contextmanager
def spool_folder(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Write every temporary copy of evidence bytes (spools, 7z and RAR members) under ``folder`` while the
    block runs: the scan's private spool, so that nothing of the evidence lands in the system's temporary
    folder. Without one, temporary copies go to the system's temporary folder."""
    _FOLDER.append(os.fspath(folder))
    try:
        yield
    finally:
        _FOLDER.pop()


def current_spool_folder() -> str | None:
    """The folder temporary copies of evidence bytes go to now (None: the system's temporary folder)."""
    return _FOLDER[-1] if _FOLDER else None


def spooled_file(memory: int = SPOOL_MEMORY, *, folder: str | None = None) -> IO[bytes]:
    """An anonymous file for evidence bytes: ``memory`` bytes in memory, then a file in ``folder`` (the spool
    folder of :func:`spool_folder` when None), deleted when closed."""
    return tempfile.SpooledTemporaryFile(max_size=memory, dir=folder or current_spool_folder())


class Decoded(Protocol):
    """What a decoder gives out: a zip member, a tar member, a gzip stream... (they share no base class)."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def seekable(self) -> bool: ...

    def close(self) -> None: ...


class BoundedReader(io.RawIOBase):
    """A read-only view of a decoder's output that refuses to give out any byte past offset ``limit``.

    The limit is on the position in the stream, not on the bytes read, so reading the start again after
    a seek back costs nothing.

    Args:
        inner: the decoded stream (a zip member, a decompressor...), closed with this reader.
        limit: most bytes the stream may produce.
        label: what the stream is, for the error message (``"member 'a.jpg'"``).
        cheap_seek: whether seeking ``inner`` is cheap (an uncompressed slice of a file), so containers
            nested in it need no spool.
        over: the error to raise past ``limit`` (one that names the limit and how to raise it); a plain
            :class:`OSError` when None.
        meter: charges the outermost archive's budget for the bytes and the time, when there is one.
    """

    def __init__(
        self,
        inner: Decoded,
        limit: int,
        label: str,
        *,
        cheap_seek: bool = False,
        over: OSError | None = None,
        meter: Meter | None = None,
    ) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self._label = label
        self._position = 0
        self._over_error = over
        self._meter = meter
        self.cheap_seek = cheap_seek
        read1 = getattr(inner, "read1", None)
        self._read: Callable[[int], bytes] = read1 if callable(read1) else inner.read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._call(self._inner.seekable)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        # Ask for one byte more than the limit allows, so that passing the limit is seen, not assumed.
        wanted = min(len(view), self._limit + 1 - self._position)
        if wanted <= 0:
            raise self._over()
        # read1 where the decoder has it: one decompression step, so the bytes before a truncation
        # are given out before the error (a buffered read of a whole chunk would drop them).
        meter = self._meter
        started = meter.budget.start() if meter is not None else None
        try:
            data = self._call(self._read, wanted)
        finally:
            seconds = meter.budget.stop(started) if meter is not None else 0.0
        count = len(data)
        view[:count] = data
        self._position += count
        if self._position > self._limit:
            raise self._over()
        if meter is not None:
            meter.read_to(self._position, seconds)
        return count

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._call(self._inner.seek, offset, whence)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                super().close()

    def _over(self) -> OSError:
        if self._over_error is not None:
            return self._over_error
        return OSError(
            f"{self._label} goes past {self._limit} bytes: over the limit, possible decompression bomb"
        )

    def _call(self, method: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        # Decoders signal damage in their own ways (zipfile.BadZipFile for a bad CRC, EOFError for a
        # truncated stream, lzma.LZMAError, tarfile.ReadError...); the walk records any OSError against
        # the item and carries on, so every one of them becomes an OSError here.
        try:
            return method(*args, **kwargs)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{self._label} cannot be read: {type(exc).__name__}: {exc}") from exc


def open_bounded(
    decode: Callable[[], Decoded],
    limit: int,
    label: str,
    *,
    cheap_seek: bool = False,
    over: OSError | None = None,
    meter: Meter | None = None,
) -> BinaryIO:
    """Open a decoder with ``decode`` and give its output through a :class:`BoundedReader`, buffered.

    Raises:
        OSError: the decoder cannot be opened (its own error, whatever its type, is the cause).
    """
    try:
        inner = decode()
    except OSError:
        raise
    except Exception as exc:
        raise OSError(f"{label} cannot be opened: {type(exc).__name__}: {exc}") from exc
    return io.BufferedReader(
        BoundedReader(inner, limit, label, cheap_seek=cheap_seek, over=over, meter=meter)
    )


def seeks_cheaply(stream: IO[bytes]) -> bool:
    """Whether seeking ``stream`` is cheap: a real file, bytes in memory, or a view that says so."""
    raw = getattr(stream, "raw", stream)
    # A spooled temporary file is cheap either way; asking for its descriptor would move it to disk.
    if isinstance(raw, io.BytesIO | _SpoolView | tempfile.SpooledTemporaryFile):
        return True
    if getattr(raw, "cheap_seek", False):
        return True
    try:
        stream.fileno()
    except (OSError, AttributeError, ValueError):
        return False
    return stream.seekable()


class Spool:
    """A stream copied into memory or an anonymous file in the spool folder as it is read, and read again.

    Copying is lazy: only as much of the source is read as the views have asked for, so opening a big
    member to look at its first bytes does not decompress all of it.

    Args:
        source: the stream to copy, read forward only.
        owns_source: close ``source`` when the spool is closed.
        memory: how much of it to keep in memory before moving to a file.
    """

    def __init__(self, source: Decoded, *, owns_source: bool = True, memory: int = SPOOL_MEMORY) -> None:
        self._source = source
        self._owns_source = owns_source
        self._copy: IO[bytes] = spooled_file(memory)
        self._filled = 0
        self._complete = False

    def view(self) -> BinaryIO:
        """A new reader of the spool's bytes, from the start, seekable."""
        return io.BufferedReader(_SpoolView(self))

    def close(self) -> None:
        """Delete the copy (and close the source if the spool owns it)."""
        try:
            self._copy.close()
        finally:
            if self._owns_source:
                self._source.close()

    def fill(self, end: int | None) -> int:
        """Copy the source up to byte ``end`` (to its end when None); returns how many bytes are copied."""
        while not self._complete and (end is None or self._filled < end):
            chunk = self._source.read(_CHUNK if end is None else min(_CHUNK, end - self._filled))
            if not chunk:
                self._complete = True
                break
            self._copy.seek(self._filled)
            self._copy.write(chunk)
            self._filled += len(chunk)
        return self._filled

    def read_at(self, position: int, count: int) -> bytes:
        """Up to ``count`` bytes from ``position``, copying more of the source as needed."""
        available = self.fill(position + count)
        if position >= available:
            return b""
        self._copy.seek(position)
        return self._copy.read(min(count, available - position))


class Window(PositionalReader):
    """A reader of a shared stream with a position of its own, so that several readers may take turns.

    Every read seeks the shared stream first (as zipfile does for members of one archive), so two
    decompressors over the same archive never read each other's bytes.

    Args:
        base: the shared stream, seekable; not closed with the window.
    """

    def __init__(self, base: IO[bytes]) -> None:
        super().__init__()
        self._base = base
        self.cheap_seek = seeks_cheaply(base)

    @classmethod
    def over(cls, base: IO[bytes]) -> BinaryIO:
        """A buffered window over ``base``."""
        return io.BufferedReader(cls(base))

    def read_at(self, position: int, count: int) -> bytes:
        self._base.seek(position)
        return self._base.read(count)

    def end(self) -> int:
        return self._base.seek(0, os.SEEK_END)


@contextmanager
def cheaply_seekable(stream: BinaryIO) -> Iterator[BinaryIO]:
    """``stream`` itself if it seeks cheaply, else a spool of it, deleted when the block ends."""
    if seeks_cheaply(stream):
        yield stream
        return
    stream.seek(0)
    spool = Spool(stream, owns_source=False)
    try:
        yield spool.view()
    finally:
        spool.close()


class _SpoolView(PositionalReader):
    def __init__(self, spool: Spool) -> None:
        super().__init__()
        self._spool = spool

    def read_at(self, position: int, count: int) -> bytes:
        return self._spool.read_at(position, count)

    def end(self) -> int:
        return self._spool.fill(None)

"""Windows ``Thumbs.db`` files: the thumbnails Explorer cached for a folder, named after their original files.

Windows XP (and 2000/ME) keep a ``Thumbs.db`` in each folder shown as thumbnails, and it stays when the
pictures are deleted or the folder is copied elsewhere. It is an OLE compound file (read with ``olefile``)
holding:

- a ``Catalog`` stream: a 16-byte header (its own size, a version, the entry count, thumbnail width and
  height), then per thumbnail: entry size, index, the original file's modification time (FILETIME), and
  its name in UTF-16 with a 4-byte zero terminator;
- one stream per thumbnail, named by its catalog index with the decimal digits reversed (index 12 is
  stream ``21``): a small header whose first 32-bit word is its size, then the image, a JPEG (or a PNG).

Older files (Windows 98/ME/2000, "type 1") keep a JPEG without its tables, which no decoder reads as it is:
those streams are recorded as problems. Thumbs.db files Windows 7 and later write on network folders have
no catalog and streams named ``<size>_<hex digits>`` (up to 16; Windows drops leading zeros), holding a
24-byte header and a JPEG or a PNG; they are read the same way, the image taken where the header says or,
failing that, at the first JPEG or PNG signature in the stream's first 64 bytes. A stream of any other
name is read the same way too, and is a problem item when it holds no image: no stream is left out
silently. Names become path text by :mod:`warden.evidence.names`. Format sources: Vinetto (Michel
Roukine, Keven Ates), LibForensics (Michael Murr), and the network variant as described in issue 8.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

import olefile

from warden.clock import from_timestamp
from warden.evidence.base import ContainerError, Item, JsonScalar, Limits, Step
from warden.evidence.limits import over_size, refusal
from warden.evidence.names import escape
from warden.model.states import State

MAX_STREAM = 16 << 20
"""Largest stream read (thumbnails are tens of KiB); a larger one is recorded as a problem."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CATALOG = "Catalog"
_CATALOG_ENTRY = "Catalog".encode("utf-16-le") + b"\x00\x00"
_NETWORK_NAME = re.compile(r"\d+_[0-9a-fA-F]{1,16}")
_NETWORK_ENTRY = re.compile(rb"(?:\d\x00)+_\x00(?:[0-9a-fA-F]\x00){1,16}\x00\x00")
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_FILETIME_EPOCH = 116_444_736_000_000_000  # 1970-01-01 in 100 ns ticks since 1601


def _directory_entries(head: bytes) -> Iterator[bytes]:
    """The 128-byte OLE directory entries of stream objects found in ``head`` (they are 128-byte aligned)."""
    for at in range(512, len(head) - 127, 128):
        entry = head[at : at + 128]
        if entry[66] == 2 and 2 <= int.from_bytes(entry[64:66], "little") <= 64:
            yield entry


def _filetime(value: int) -> str | None:
    if value == 0:
        return None
    try:
        return from_timestamp((value - _FILETIME_EPOCH) / 10_000_000)
    except (OverflowError, OSError, ValueError):
        return None


def _catalog(data: bytes) -> tuple[dict[int, tuple[str, str | None]], str | None]:
    """Catalog entries (index to original name and time), and the problem that stopped reading, if any."""
    entries: dict[int, tuple[str, str | None]] = {}
    if len(data) < 16:
        return entries, "catalog shorter than its header"
    pos = struct.unpack_from("<H", data, 0)[0]
    while pos < len(data):
        if pos + 20 > len(data):
            return entries, f"catalog entry at {pos} is cut short"
        size, index, mtime = struct.unpack_from("<IIQ", data, pos)
        if size < 20 or pos + size > len(data):
            return entries, f"catalog entry at {pos} declares {size} bytes, not within the catalog"
        text = data[pos + 16 : pos + size - 4]
        # UTF-16 as Windows keeps it: a lone surrogate survives (in its WTF-8 form) and is escaped, not lost.
        name = text[: len(text) & ~1].decode("utf-16-le", "surrogatepass").split("\x00")[0]
        entries[index] = (name, _filetime(mtime))
        pos += size
    return entries, None


def _index(stream: str) -> int | None:
    """The catalog index a stream name stands for (its digits reversed), or None."""
    return int(stream[::-1]) if stream.isdigit() and len(stream) <= 10 else None


def _path_text(name: str) -> str:
    """A name from the file (UTF-16, so possibly with a lone surrogate) as item-path text."""
    return escape(name.encode("utf-8", "surrogatepass")) if name else ""


def _kind(stream: str) -> int:
    """Sorting rank of a stream: catalogued thumbnail, network-style thumbnail, anything else."""
    if _index(stream) is not None:
        return 0
    return 1 if _NETWORK_NAME.fullmatch(stream) else 2


def _image(data: bytes) -> tuple[int, str | None]:
    """Where the thumbnail's image (JPEG or PNG) starts in a stream, or the problem."""
    if len(data) >= 4:
        start = struct.unpack_from("<I", data, 0)[0]
        if start < len(data) and data.startswith(_SIGNATURES, start):
            return start, None
        if start < len(data) - 4 and struct.unpack_from("<I", data, start)[0] == 1:
            return 0, "old (type 1) Thumbs.db thumbnail: a JPEG without its tables, not read"
    found = [at for signature in _SIGNATURES if (at := data.find(signature, 0, 64)) >= 0]
    if found:
        return min(found), None
    return 0, "no JPEG or PNG image in the thumbnail stream"


class ThumbsDbContainer:
    """A Windows ``Thumbs.db``: each thumbnail, named after its original file where the catalog says."""

    name = "thumbs.db"

    def sniff(self, head: bytes, size: int | None) -> bool:
        """An OLE compound file whose directory (where ``head`` holds it) names a catalog or thumbnails."""
        if not head.startswith(_OLE_MAGIC):
            return False
        for entry in _directory_entries(head):
            catalog = entry.startswith(_CATALOG_ENTRY) and entry[64] == len(_CATALOG_ENTRY)
            if catalog or _NETWORK_ENTRY.match(entry):
                return True
        return False

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """The thumbnails in index order, then catalog entries whose thumbnail is gone, problems as items.

        Raises:
            ContainerError: the file cannot be read as an OLE compound file.
        """
        stream.seek(0)
        try:
            ole = olefile.OleFileIO(stream)
        except Exception as error:  # olefile fails on hostile files in many ways; none may stop the walk
            raise ContainerError(
                f"not a readable OLE compound file: {type(error).__name__}: {error}"
            ) from error
        try:
            yield from _Reading(ole, container, limits).items()
        finally:
            ole.close()


class _Reading:
    """One reading of an opened Thumbs.db."""

    def __init__(self, ole: Any, container: Item, limits: Limits) -> None:
        self.ole = ole
        self.container = container
        self.limits = limits
        self.largest = min(limits.member_bytes, MAX_STREAM)
        self.names: set[str] = set()

    def items(self) -> Iterator[Item]:
        try:
            streams = [path[0] for path in self.ole.listdir(streams=True, storages=False) if len(path) == 1]
        except Exception as error:  # a damaged directory
            raise ContainerError(f"directory cannot be read: {type(error).__name__}: {error}") from error
        catalog: dict[int, tuple[str, str | None]] = {}
        if _CATALOG in streams:
            data, problem = self._read(_CATALOG)
            if data is not None:
                catalog, problem = _catalog(data)
            if problem is not None:
                yield self._item(_CATALOG, {"stream": _CATALOG, "source": "thumbs.db"}, problem=problem)
        # Catalogued streams in index order, then network-style ones, then any other stream, read the same
        # way: a thumbnail under a name not foreseen here is still found, or at least recorded.
        thumbnails = sorted(
            (stream for stream in streams if stream != _CATALOG),
            key=lambda stream: (_kind(stream), _index(stream) or 0, stream),
        )
        total = 0
        for given, stream in enumerate(thumbnails):
            if given >= self.limits.members or total > self.limits.total_bytes:
                if given >= self.limits.members:
                    what = f"more thumbnails not read: over {self.limits.members} items"
                    problem = refusal(self.limits, "members", what)
                else:
                    what = f"more thumbnails not read: over {self.limits.total_bytes} bytes"
                    problem = refusal(self.limits, "total_bytes", what)
                yield self._item("(more)", {"source": "thumbs.db"}, problem=problem)
                return
            index = _index(stream)
            name, mtime = catalog.pop(index, (stream, None)) if index is not None else (stream, None)
            item = self._thumbnail(stream, name, mtime)
            total += item.size or 0
            yield item
        for index, (name, mtime) in sorted(catalog.items()):
            detail: dict[str, JsonScalar] = {"stream": str(index)[::-1], "source": "thumbs.db"}
            detail["original_mtime"] = mtime
            yield self._item(name, detail, problem="listed in the catalog, but its thumbnail stream is gone")

    def _read(self, stream: str) -> tuple[bytes | None, str | None]:
        try:
            size = self.ole.get_size(stream)
            if size > self.largest:
                what = f"stream of {size} bytes, over the limit of {self.largest}"
                return None, over_size(self.limits, MAX_STREAM, what)
            with self.ole.openstream(stream) as opened:
                data: bytes = opened.read(self.largest + 1)
        except Exception as error:  # a broken sector chain, a loop, a stream past the end of the file...
            return None, f"stream cannot be read: {type(error).__name__}: {error}"
        return data, None

    def _thumbnail(self, stream: str, name: str, mtime: str | None) -> Item:
        detail: dict[str, JsonScalar] = {"stream": stream, "source": "thumbs.db"}
        if mtime is not None:
            detail["original_mtime"] = mtime
        data, problem = self._read(stream)
        if data is None:
            return self._item(name, detail, problem=problem)
        start, problem = _image(data)
        if problem is not None:
            return self._item(name, detail, problem=problem)
        image = data[start:]
        detail.update(offset_in_stream=start, length=len(image))
        return self._item(name, detail, image=image)

    def _item(
        self,
        name: str,
        detail: dict[str, JsonScalar],
        *,
        problem: str | None = None,
        image: bytes | None = None,
    ) -> Item:
        step = Step("thumbnail", self._unique(name, str(detail.get("stream", ""))), detail)
        steps = (*self.container.steps, step)
        if image is None:
            return Item(steps, state=State.THUMBNAIL, problem=problem)
        return Item(steps, state=State.THUMBNAIL, size=len(image), opener=lambda: io.BytesIO(image))

    def _unique(self, name: str, stream: str) -> str:
        # Catalog names are the evidence's words, escaped like any name; an empty one is told apart by its
        # stream name, a repeated one by its stream name after it.
        stream = _path_text(stream)
        name = _path_text(name) if name else stream or "(unnamed)"
        unique, count = name, 1
        while unique in self.names:
            unique = f"{name} [{stream}]" if count == 1 else f"{name} [{stream}] ({count})"
            count += 1
        self.names.add(unique)
        return unique

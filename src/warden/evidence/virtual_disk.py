"""What every virtual-disk container shares: media opened by a format's reader, then walked like a raw disk.

A virtual disk (VHD, VHDX, VMDK, QCOW, VDI) holds a disk's media in its own layout: sparse blocks, grain
tables, clusters. Each format's module only says how to recognise it and how to open its media as a
``read(offset, length)`` function (:class:`Media`); :class:`VirtualDiskContainer` does the rest the way a raw
image is done: partitions, file systems and carving through :func:`warden.evidence.disk.disk_items`, parts
for work units, and a description of the whole (files, media size and hashes) for the case's record.

Readers that are optional libraries are imported when an image is opened, not when the module is: a format
whose library is missing is still recognised, and its image is recorded "not examined" naming the extra
that installs it (:func:`binding`), never hashed as an opaque file and forgotten.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, BinaryIO, Protocol

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.carving import Reader
from warden.evidence.disk import SECTOR, disk_items, disk_parts

EXTRA = "vdisk"
"""The extra that installs the virtual-disk readers: ``pip install 'warden[vdisk]'``."""

MAX_MEDIA_BYTES = 64 << 40
"""The largest media any of these formats allows (VHDX and VMDK: 64 TiB less a little); a header that
declares more is damaged or hostile, and refused before anything reads that far."""

_CHUNK = 1 << 20


class Media(Protocol):
    """A virtual disk's media, open: its size and its bytes at an offset (zeros where the disk is sparse)."""

    size: int

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (fewer at the end).

        Raises:
            OSError: the reader cannot give them (a damaged block table, a missing extent).
        """


@dataclass
class OpenedFiles:
    """The files a virtual disk was read from (one, or a descriptor and its extents), for ``describe``."""

    names: list[str] = field(default_factory=list)
    streams: list[BinaryIO] = field(default_factory=list)

    def own(self, stack: ExitStack, stream: BinaryIO | None, container: Item) -> BinaryIO:
        """The container's own file (:func:`own_stream`), recorded as the first file read."""
        source = own_stream(stack, stream, container)
        self.names.append(container.steps[-1].name)
        self.streams.append(source)
        return source


def binding(module: str, package: str, label: str) -> ModuleType:
    """Import a format's optional reader.

    Raises:
        ContainerError: it is not installed; the message names the format, the package and the extra.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ContainerError(
            f"{label} is recognised but not opened: it needs {package}, which is not installed "
            f"(pip install 'warden[{EXTRA}]')"
        ) from None


def reason(error: BaseException) -> str:
    """The telling part of a libyal library's chain of messages (``unable to open file. ...``)."""
    parts = [part.split(": ", 1)[-1].strip(" .") for part in str(error).split(". ") if part.strip(" .")]
    specific = [part for part in parts if not part.startswith("unable to")]
    located = [part for part in parts if "offset" in part]
    return (specific or located or parts or [type(error).__name__])[0]


class LibyalMedia:
    """An open libyal handle (libvhdi, libvmdk, libqcow: the same calls) as :class:`Media`."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.size = int(handle.get_media_size())

    def read(self, offset: int, length: int) -> bytes:
        data: bytes = self.handle.read_buffer_at_offset(length, offset)
        return data


def open_libyal(stack: ExitStack, handle: Any, source: BinaryIO, damaged: str) -> Any:
    """Open a libyal ``handle`` on ``source`` and close it with ``stack``; returns the handle.

    Raises:
        ContainerError: the library refuses it; the message starts with ``damaged``.
    """
    try:
        handle.open_file_object(source)
    except (OSError, ValueError, MemoryError) as error:
        raise ContainerError(f"{damaged}: {reason(error)}") from None
    stack.callback(handle.close)
    return handle


def _guarded(media: Media, label: str) -> Reader:
    """``media.read`` with a reader's long chain of messages cut to its telling part."""

    def read(offset: int, length: int) -> bytes:
        try:
            return media.read(offset, length)
        except OSError as error:
            raise OSError(
                f"{label} cannot be read at byte {offset} (truncated or damaged): {reason(error)}"
            ) from None

    return read


class VirtualDiskContainer:
    """A virtual disk read like a raw one. Subclasses set ``name``, ``label`` and implement ``sniff`` and
    ``open_media``."""

    name = "virtual-disk"
    label = "virtual disk"

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        self.carve_unallocated = carve_unallocated

    def sniff(self, head: bytes, size: int | None) -> bool:
        """Whether ``head`` starts this format (by its signature only)."""
        raise NotImplementedError

    def open_media(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item, files: OpenedFiles
    ) -> Media:
        """Open the media, registering everything to close on ``stack`` and the files read in ``files``.

        Args:
            stack: closes what is opened, when the walk is done with the image.
            stream: the container's bytes, or None to open them from ``container``.
            container: the container's item (``fs_path`` set when it is a file given as evidence).
            files: filled with the names and streams of the files the media is read from.

        Raises:
            ContainerError: the format's reader is missing, the header is damaged, or the variant is one
                Warden does not open (a differencing disk without its parent, an encrypted image).
        """
        raise NotImplementedError

    def _opened(
        self, stack: ExitStack, stream: BinaryIO | None, container: Item
    ) -> tuple[Media, OpenedFiles]:
        files = OpenedFiles()
        media = self.open_media(stack, stream, container, files)
        if not 0 < media.size <= MAX_MEDIA_BYTES:
            raise ContainerError(
                f"{self.label} declares {media.size} bytes of media (a damaged or hostile header; at most "
                f"{MAX_MEDIA_BYTES} are allowed)"
            )
        try:
            media.read(0, min(SECTOR, media.size))
            media.read(max(0, media.size - SECTOR), min(SECTOR, media.size))
        except OSError as error:
            raise ContainerError(f"{self.label} is truncated or damaged: {reason(error)}") from None
        return media, files

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Every file of every file system on the virtual disk's media, then carved files."""
        with ExitStack() as stack:
            media, _files = self._opened(stack, stream, container)
            yield from disk_items(
                _guarded(media, self.label),
                media.size,
                container,
                limits,
                carve_unallocated=self.carve_unallocated,
            )

    def parts(self, container: Item) -> list[tuple[str, int]]:
        """The media's partitions, from its partition table."""
        with ExitStack() as stack:
            media, _files = self._opened(stack, None, container)
            return disk_parts(_guarded(media, self.label), media.size, container, Limits())

    def describe(self, container: Item) -> dict[str, JsonScalar]:
        """The files it is read from (``segments``: one, or a descriptor and its extents) with their SHA-256,
        and the media's size, MD5 (``computed_md5``, as for an E01) and SHA-256."""
        with ExitStack() as stack:
            media, files = self._opened(stack, None, container)
            each = [_file_facts(n, f) for n, f in zip(files.names, files.streams, strict=True)]
            md5, sha256 = hashlib.md5(), hashlib.sha256()  # noqa: S324 - examiners compare MD5s
            offset = 0
            while offset < media.size:
                try:
                    block = media.read(offset, min(_CHUNK, media.size - offset))
                except OSError as error:
                    what = f"{self.label} cannot be read at byte {offset}: {reason(error)}"
                    raise ContainerError(what) from None
                if not block:
                    raise ContainerError(f"{self.label} media ends at byte {offset} of {media.size}")
                md5.update(block)
                sha256.update(block)
                offset += len(block)
        facts: dict[str, JsonScalar] = {
            "format": self.name,
            "segments": len(each),
            "media_size": media.size,
            "computed_md5": md5.hexdigest(),
            "media_sha256": sha256.hexdigest(),
        }
        if len(each) == 1:
            facts["sha256"] = each[0]["sha256"]
        facts["segment_sha256"] = json.dumps(each)
        return facts


def _file_facts(name: str, stream: BinaryIO) -> dict[str, JsonScalar]:
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while block := stream.read(_CHUNK):
        digest.update(block)
        size += len(block)
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


def own_stream(stack: ExitStack, stream: BinaryIO | None, container: Item) -> BinaryIO:
    """The container's bytes: ``stream`` when given, else opened from its item (closed with ``stack``).

    Raises:
        ContainerError: it cannot be opened.
    """
    if stream is not None:
        return stream
    try:
        return stack.enter_context(container.open())
    except OSError as error:
        raise ContainerError(f"cannot be opened: {error}") from None

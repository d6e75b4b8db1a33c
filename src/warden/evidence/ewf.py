"""E01 disk images (Expert Witness Format, as EnCase, FTK Imager and ewfacquire write them), via libewf.

An E01 is recognised by its signature and read through ``pyewf`` (PyPI ``libewf-python``). Given as a file,
all its segments (``.E01``, ``.E02``...) are found beside it the way libewf names them; an E01 inside
another container is read on its own, so a multi-segment set must be extracted first. The media is then
read like any disk image (:mod:`warden.evidence.disk`). ``describe`` hashes the segment files and the whole
media, and checks the MD5 (and SHA-1) the E01 stores from its acquisition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import pyewf

from warden.evidence.base import ContainerError, Item, JsonScalar, Limits
from warden.evidence.disk import SECTOR, disk_items, disk_parts
from warden.hashing.digests import open_evidence

SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
"""The first bytes of every EWF (E01) segment file; the segment number follows at byte 9."""

_CHUNK = 1 << 20


def _segment_number(head: bytes) -> int:
    return int.from_bytes(head[9:11], "little")


def _listed(container: Item, name: str) -> tuple[int, int] | None:
    """The identity the container's own file had when listed, for the segment that is that file."""
    return container.identity if name == container.fs_path else None


def _reason(error: BaseException) -> str:
    """The telling part of libewf's chain of messages ("missing segment file for offset: ...")."""
    reasons = [part.split(": ", 1)[-1].strip(" .") for part in str(error).split(". ") if part.strip(" .")]
    specific = [reason for reason in reasons if not reason.startswith("unable to")]
    located = [reason for reason in reasons if "offset" in reason]
    return (specific or located or reasons or [type(error).__name__])[0]


class _Media:
    """An open E01: its libewf handle and its segment files, closed by the ExitStack that opened them."""

    def __init__(self, stack: ExitStack, stream: BinaryIO | None, container: Item) -> None:
        self.names: list[str] = []
        files: list[BinaryIO] = []
        if container.fs_path is not None:
            try:
                self.names = [str(name) for name in pyewf.glob(container.fs_path)]
            except Exception:  # libewf gives MemoryError, OSError... for a name it cannot glob
                self.names = [container.fs_path]  # a renamed E01: read it alone
            try:
                # Never through a link (open_evidence); the first segment must be the file that was listed.
                files = [
                    stack.enter_context(open_evidence(name, _listed(container, name))) for name in self.names
                ]
            except OSError as error:
                raise ContainerError(f"E01 segment cannot be opened: {error}") from None
        else:
            self.names = [container.steps[-1].name]
            files = [stream if stream is not None else stack.enter_context(container.open())]
        self.handle: Any = pyewf.handle()
        try:
            self.handle.open_file_objects(files)
        except (OSError, ValueError) as error:
            raise ContainerError(f"E01 is truncated or corrupt: {_reason(error)}") from None
        stack.callback(self.handle.close)
        self.size = int(self.handle.get_media_size())
        self.alone = container.fs_path is None

    def read(self, offset: int, length: int) -> bytes:
        """Media bytes at ``offset``.

        Raises:
            OSError: libewf cannot give them (a missing or corrupt chunk).
        """
        data: bytes = self.handle.read_buffer_at_offset(length, offset)
        return data

    def check(self) -> None:
        """Read the first and last sectors: a truncated E01 or a missing segment fails here, not midway.

        Raises:
            ContainerError: it cannot be read to its end.
        """
        if self.size <= 0:
            raise ContainerError("E01 holds no media")
        try:
            self.read(0, min(SECTOR, self.size))
            self.read(max(0, self.size - SECTOR), min(SECTOR, self.size))
        except OSError as error:
            raise ContainerError(self._unreadable(error)) from None

    def _unreadable(self, error: OSError) -> str:
        if self.alone:
            return (
                "E01 is truncated or corrupt, or is one segment of a set: an E01 inside another container is "
                f"read on its own (extract every segment and scan the first): {_reason(error)}"
            )
        return f"E01 is truncated or corrupt, or a segment of its set is missing: {_reason(error)}"

    def digests(self) -> dict[str, str]:
        """MD5, SHA-1 and SHA-256 of the whole media.

        Raises:
            ContainerError: part of it cannot be read.
        """
        hashes = {"md5": hashlib.md5(), "sha1": hashlib.sha1(), "sha256": hashlib.sha256()}  # noqa: S324 - as stored
        offset = 0
        while offset < self.size:
            try:
                block = self.read(offset, min(_CHUNK, self.size - offset))
            except OSError as error:
                raise ContainerError(self._unreadable(error)) from None
            if not block:
                raise ContainerError(f"E01 media ends at byte {offset} of {self.size}")
            for digest in hashes.values():
                digest.update(block)
            offset += len(block)
        return {name: digest.hexdigest() for name, digest in hashes.items()}


def _segment_hashes(
    segments: list[tuple[str, Callable[[], BinaryIO]]],
) -> tuple[str, list[dict[str, JsonScalar]]]:
    """SHA-256 of the segment files one after another, and of each."""
    whole = hashlib.sha256()
    each: list[dict[str, JsonScalar]] = []
    for name, opener in segments:
        digest = hashlib.sha256()
        size = 0
        with opener() as segment:
            while block := segment.read(_CHUNK):
                digest.update(block)
                whole.update(block)
                size += len(block)
        each.append({"name": Path(name).name, "size": size, "sha256": digest.hexdigest()})
    return whole.hexdigest(), each


class EwfContainer:
    """An E01 image: its partitions and file systems, carved where unallocated, its stored hash checked."""

    name = "e01"

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        self.carve_unallocated = carve_unallocated

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The EWF signature, in the first segment of a set (later segments are read through the first)."""
        return head.startswith(SIGNATURE) and len(head) >= 13 and _segment_number(head) == 1

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Every file of every file system in the media, then carved files."""
        with ExitStack() as stack:
            media = _Media(stack, stream, container)
            media.check()
            yield from disk_items(
                media.read, media.size, container, limits, carve_unallocated=self.carve_unallocated
            )

    def parts(self, container: Item) -> list[tuple[str, int]]:
        """The media's partitions, from its partition table."""
        with ExitStack() as stack:
            media = _Media(stack, None, container)
            return disk_parts(media.read, media.size, container, Limits())

    def describe(self, container: Item) -> dict[str, JsonScalar]:
        """Segments and their SHA-256, the media's size and hashes, and whether the stored hashes match."""
        with ExitStack() as stack:
            media = _Media(stack, None, container)
            media.check()
            stored = {
                str(key).lower(): str(value).lower() for key, value in media.handle.get_hash_values().items()
            }
            header = {str(key): str(value) for key, value in media.handle.get_header_values().items()}
            computed = media.digests()
        facts: dict[str, JsonScalar] = {
            "format": "e01",
            "segments": len(media.names),
            "media_size": media.size,
        }
        segments: list[tuple[str, Callable[[], BinaryIO]]]
        if container.fs_path is not None:
            segments = [
                (name, partial(open_evidence, name, _listed(container, name))) for name in media.names
            ]
        else:
            segments = [(media.names[0], container.open)]
        facts["sha256"], each = _segment_hashes(segments)
        facts["segment_sha256"] = json.dumps(each)
        facts["media_sha256"] = computed["sha256"]
        for kind in ("md5", "sha1"):
            if kind in stored or kind == "md5":
                facts[f"stored_{kind}"] = stored.get(kind)
                facts[f"computed_{kind}"] = computed[kind]
                facts[f"{kind}_verified"] = stored.get(kind) == computed[kind] if kind in stored else None
        facts["header"] = json.dumps(header, sort_keys=True)
        return facts

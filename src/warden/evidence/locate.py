"""Finding one recorded item in its evidence again, to read its bytes, without walking everything else.

A case records each item as (evidence root, path), the path joining the levels of its provenance by ``//``.
To read one item back (for the review app's preview, say), the evidence root is listed again and only the
containers whose path is a prefix of the wanted path are opened: a photo in a zip in a disk image is reached
by opening that disk image and that zip alone. Everything is read-only, and nothing is written to disk: a
container that cannot seek is copied into memory, within a bound.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from warden.evidence.base import CONTAINERS, SEPARATOR, Container, ContainerError, Item, Limits, Step
from warden.evidence.folder import FileSource, FolderSource
from warden.evidence.limits import too_deep
from warden.evidence.names import unescape
from warden.evidence.sources import source_for
from warden.evidence.walk import read_head, recognise

IN_MEMORY_BYTES = 256 << 20
"""Largest container that cannot seek (a zip inside a tar.gz) copied into memory to be opened."""


class ItemNotFoundError(FileNotFoundError):
    """The evidence no longer holds an item at the recorded path (moved, changed, or not mounted).

    Internal: the review app and the annex show a placeholder for the item instead.
    """


@contextmanager
def open_item(
    evidence_root: Path,
    item_path: str,
    limits: Limits,
    *,
    containers: Iterable[Container] = CONTAINERS,
    in_memory_bytes: int = IN_MEMORY_BYTES,
) -> Iterator[BinaryIO]:
    """Open the bytes of the item recorded at ``item_path`` inside ``evidence_root``, read-only.

    Args:
        evidence_root: the folder or file the case scanned (its recorded ``path``).
        item_path: the item's recorded path (``Downloads/x.zip//holiday/a.jpg``).
        limits: the container bounds the scan used for this exhibit (nesting depth, member sizes), with
            the limits raised for it (``warden.case.raised_limits``): under lower ones, an item the scan
            found only because a limit was raised would be refused again.
        containers: the formats to recognise (all registered ones by default).
        in_memory_bytes: largest unseekable container copied into memory to be opened.

    Yields:
        The item's bytes as a binary stream, valid inside the ``with`` block only.

    Raises:
        ItemNotFoundError: no item at that path any more.
        OSError: the item or a container on the way cannot be read (the message says why).
    """
    if not evidence_root.exists():
        raise ItemNotFoundError(f"the evidence {evidence_root} is not there (moved, or not mounted?)")
    finder = _find(
        _top_items(evidence_root, item_path), item_path, 0, limits, list(containers), in_memory_bytes
    )
    try:
        stream = next(finder)
    except StopIteration:  # pragma: no cover - _find either yields once or raises
        raise ItemNotFoundError(f"{item_path} is not in {evidence_root}") from None
    try:
        yield stream
    finally:
        finder.close()


def _top_items(root: Path, item_path: str) -> Iterator[Item]:
    """The items directly in the evidence root that may lead to ``item_path``: one file where possible."""
    source = source_for(root)
    if source.name != FolderSource.name:
        yield from source.items(root)
        return
    first = item_path.split(SEPARATOR, 1)[0]
    direct = _direct(root, first)
    if direct is not None:
        yield direct
        return
    # A path that cannot be joined to the folder (a repeat marker, say): list the folder.
    yield from source.items(root)


def _direct(root: Path, relative: str) -> Item | None:
    """The folder's file at ``relative``, if every level of it is a real folder or file (no link followed).

    ``relative`` is path text: each name is turned back into its bytes (``\\xff`` is the byte 0xff, never
    a file of that four-character name).
    """
    try:
        parts = [] if "\\#" in relative else [unescape(part) for part in relative.split("/")]
    except ValueError:
        return None
    if not parts or any(part in (b"", b".", b"..") or b"/" in part or b"\0" in part for part in parts):
        return None
    place = root
    for level, part in enumerate(parts, start=1):
        place = place / os.fsdecode(part)
        try:
            st = os.lstat(place)
        except OSError:
            return None
        if level < len(parts) and not stat.S_ISDIR(st.st_mode):
            return None
        if level == len(parts) and stat.S_ISDIR(st.st_mode):
            return None  # a folder holding the item's first level (an iOS backup's): list the root
    item = next(iter(FileSource().items(place)), None)
    return replace(item, steps=(Step("file", relative),)) if item is not None else None


def _find(
    items: Iterable[Item],
    wanted: str,
    depth: int,
    limits: Limits,
    containers: list[Container],
    in_memory_bytes: int,
) -> Generator[BinaryIO, None, None]:
    """Yield the wanted item's open stream once, keeping the containers around it open meanwhile."""
    for item in items:
        path = item.path
        if path == wanted:
            if not item.readable:
                raise OSError(item.problem or "the item has no content to read")
            with item.open() as stream:
                yield stream
            return
        if not (item.readable and wanted.startswith(path + SEPARATOR)):
            continue
        container = recognise(read_head(item), item.size, containers)
        if container is None:
            continue
        if depth + 1 > limits.depth:
            raise OSError(too_deep(limits, container.name))
        with ExitStack() as stack:
            stream = _seekable(stack, item, in_memory_bytes)
            try:
                yield from _find(
                    container.expand(stream, item, limits),
                    wanted,
                    depth + 1,
                    limits,
                    containers,
                    in_memory_bytes,
                )
                return
            except ItemNotFoundError:
                # Another item of the same path (a file and its error record, say) may still hold it.
                continue
            except (ContainerError, EOFError, ValueError, MemoryError) as error:
                # The walk records the same failures against the container; here they are one read error.
                raise OSError(f"{path} cannot be read as {container.name}: {error}") from error
    raise ItemNotFoundError(f"{wanted} is not in the evidence any more")


def _seekable(stack: ExitStack, item: Item, in_memory_bytes: int) -> BinaryIO:
    stream = stack.enter_context(item.open())
    if stream.seekable():
        return stream
    copy = io.BytesIO()
    while block := stream.read(1 << 20):
        if copy.tell() + len(block) > in_memory_bytes:
            raise OSError(f"{item.path} cannot seek and is over {in_memory_bytes} bytes to hold in memory")
        copy.write(block)
    copy.seek(0)
    return copy

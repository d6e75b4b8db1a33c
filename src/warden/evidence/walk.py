"""Walking evidence as a tree: every item in turn, and the items inside each container after it.

The walk reads the first bytes of every readable item to recognise containers (by bytes, never by name),
yields the item, then opens the container and walks what it holds, to ``Limits.depth`` levels. A container
that cannot be opened (or read to its end) becomes one item beside its own item,
``<container>//(unreadable)``, marked not examined with the reason: a fact for the report, not an error;
nothing stops the walk but the end.
"""

from __future__ import annotations

import errno
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import IO, BinaryIO

from warden.evidence.base import (
    CONTAINERS,
    HEAD_BYTES,
    Container,
    ContainerError,
    Item,
    JsonScalar,
    Limits,
    Step,
)

Describe = Callable[[Item, dict[str, JsonScalar]], None]

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
"""Errors of the disk being written (the spool), never of the evidence: raised, not recorded."""


@dataclass(frozen=True, slots=True)
class Found:
    """An item as the walk found it.

    Attributes:
        item: the item.
        depth: how many containers it is inside (0: directly in the evidence root).
        parent: path of the container item it came out of, or None.
        container: the container format the item is (its contents follow it in the walk), or None.
    """

    item: Item
    depth: int
    parent: str | None
    container: str | None


def read_head(item: Item) -> bytes:
    """The first :data:`HEAD_BYTES` of a readable item.

    Raises:
        OSError: it cannot be read.
    """
    with item.open() as stream:
        return stream.read(HEAD_BYTES)


def recognise(
    head: bytes, size: int | None, containers: Iterable[Container] = CONTAINERS
) -> Container | None:
    """The first container format that claims these bytes, or None."""
    for container in containers:
        try:
            if container.sniff(head, size):
                return container
        except Exception:  # noqa: S112 - a sniffer failing on hostile bytes just does not claim them
            continue
    return None


def walk(
    items: Iterable[Item],
    limits: Limits,
    *,
    spool_dir: str | None = None,
    describe: Describe | None = None,
    containers: Iterable[Container] = CONTAINERS,
) -> Iterator[Found]:
    """Every item of ``items`` and, after each container, everything inside it (depth first, stable order).

    Args:
        items: the items directly in an evidence root.
        limits: bounds on nesting and on what containers may give out.
        spool_dir: where a container that can only be read front to back (a zip inside a tar.gz) is copied
            to be opened; the system's temporary folder when None.
        describe: called with each container item directly in the evidence root and what its format says
            about it as a whole (a disk image's segments, stored and computed MD5...).
        containers: the formats to recognise (all registered ones by default).

    Each yielded item must be read (if at all) before the next is asked for: items inside a container can
    only be read while the walk is positioned inside it.
    """
    yield from _walk(items, 0, None, limits, spool_dir, describe, list(containers))


def _walk(
    items: Iterable[Item],
    depth: int,
    parent: str | None,
    limits: Limits,
    spool_dir: str | None,
    describe: Describe | None,
    containers: list[Container],
) -> Iterator[Found]:
    for item in items:
        container: Container | None = None
        if item.readable:
            try:
                container = recognise(read_head(item), item.size, containers)
            except OSError as error:
                if error.errno in _NO_SPACE:
                    raise  # opening it spooled bytes to a full disk: the scan's problem, not the item's
                item = _with_problem(item, f"cannot be read: {error}")
        yield Found(item, depth, parent, container.name if container else None)
        if container is None:
            continue
        if depth + 1 > limits.depth:
            yield Found(
                _not_examined(
                    item, container.name, f"{container.name} nested more than {limits.depth} deep: not opened"
                ),
                depth + 1,
                item.path,
                None,
            )
            continue
        if depth == 0 and describe is not None and hasattr(container, "describe"):
            try:
                describe(item, container.describe(item))
            except (ContainerError, OSError) as error:
                describe(item, {"format": container.name, "error": str(error)})
        try:
            with ExitStack() as stack:
                stream = _seekable(stack, item, limits, spool_dir)
                yield from _walk(
                    container.expand(stream, item, limits),
                    depth + 1,
                    item.path,
                    limits,
                    spool_dir,
                    describe,
                    containers,
                )
        except ContainerError as error:
            yield Found(
                _not_examined(item, container.name, f"cannot be read as {container.name}: {error}"),
                depth + 1,
                item.path,
                None,
            )
        except (OSError, EOFError, ValueError, MemoryError) as error:
            if isinstance(error, OSError) and error.errno in _NO_SPACE:
                raise  # the spool's disk is full: the scan's problem, not the container's (redone on rerun)
            message = f"cannot be read as {container.name}: {type(error).__name__}: {error}"
            yield Found(_not_examined(item, container.name, message), depth + 1, item.path, None)


def _seekable(stack: ExitStack, item: Item, limits: Limits, spool_dir: str | None) -> BinaryIO:
    stream = stack.enter_context(item.open())
    if stream.seekable():
        return stream
    # Archives read by their index (zip, 7z) need to seek; a member of a compressed tar cannot. Copy it to a
    # private temporary file first, bounded like any member.
    copy = stack.enter_context(tempfile.TemporaryFile(dir=spool_dir))  # noqa: SIM115 - closed by the ExitStack
    _copy_bounded(stream, copy, limits.member_bytes, ContainerError)
    copy.seek(0)
    return copy


def _with_problem(item: Item, problem: str) -> Item:
    return replace(item, problem=problem, fs_path=None, opener=None)


def _not_examined(container: Item, format_name: str, problem: str) -> Item:
    """The record of a container that could not be (fully) opened: an item just below it, with the reason,
    marked not examined; its step names the container's format."""
    step = Step("error", "(unreadable)", {"container": format_name})
    return Item(steps=(*container.steps, step), state=container.state, problem=problem, not_examined=True)


def copy_to(item: Item, target: BinaryIO, limit: int) -> int:
    """Copy a readable item's bytes into ``target``, at most ``limit`` bytes; returns how many.

    Raises:
        OSError: it cannot be read, or it is over ``limit``.
    """
    with item.open() as stream:
        return _copy_bounded(stream, target, limit, OSError)


def _copy_bounded(source: IO[bytes], target: IO[bytes], limit: int, over: type[Exception]) -> int:
    """Copy ``source`` into ``target`` in blocks; raises ``over`` once more than ``limit`` bytes come."""
    copied = 0
    while block := source.read(1 << 20):
        copied += len(block)
        if copied > limit:
            raise over(f"over the member size limit of {limit} bytes")
        target.write(block)
    return copied

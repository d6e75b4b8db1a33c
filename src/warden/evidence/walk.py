"""Walking evidence as a tree: every item in turn, and the items inside each container after it.

The walk reads the first bytes of every readable item to recognise containers (by bytes, never by name),
yields the item, then opens the container and walks what it holds, to ``Limits.depth`` levels. A container
that cannot be opened (or read to its end) becomes one item beside its own item,
``<container>//(unreadable)``, marked not examined with the reason: a fact for the report, not an error;
nothing stops the walk but the end.
"""

from __future__ import annotations

import errno
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
from warden.evidence.bounded import current_spool_folder, spooled_file
from warden.evidence.limits import exceeded, refusal, too_deep

Describe = Callable[[Item, dict[str, JsonScalar]], None]
Select = Callable[[Item], bool]
"""Which items the walk takes; the others it passes over, unread (a work unit walking one partition of an
image passes over the files of the others, which its container still lists)."""

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
    select: Select | None = None,
) -> Iterator[Found]:
    """Every item of ``items`` and, after each container, everything inside it (depth first, stable order).

    Args:
        items: the items directly in an evidence root.
        limits: bounds on nesting and on what containers may give out.
        spool_dir: where a container that can only be read front to back (a zip inside a tar.gz) is copied
            to be opened; the spool folder set by :func:`~warden.evidence.bounded.spool_folder` when None
            (the scan's private spool), and only outside any scan the system's temporary folder.
        describe: called with each container item directly in the evidence root and what its format says
            about it as a whole (a disk image's segments, stored and computed MD5...).
        containers: the formats to recognise (all registered ones by default).
        select: which items to take (all when None): one not taken is neither read, yielded nor opened.

    Each yielded item must be read (if at all) before the next is asked for: items inside a container can
    only be read while the walk is positioned inside it.
    """
    yield from _walk(items, 0, None, limits, spool_dir, describe, list(containers), select)


def _walk(
    items: Iterable[Item],
    depth: int,
    parent: str | None,
    limits: Limits,
    spool_dir: str | None,
    describe: Describe | None,
    containers: list[Container],
    select: Select | None = None,
) -> Iterator[Found]:
    for item in items:
        if select is not None and not select(item):
            continue
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
                _not_examined(item, container.name, too_deep(limits, container.name)),
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
                    select,
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
    # Archives read by their index (zip, 7z) need to seek; a member of a compressed tar cannot. Copy it to an
    # anonymous file in the spool (evidence bytes are written nowhere else), bounded like any member.
    copy = stack.enter_context(spooled_file(folder=spool_dir or current_spool_folder()))
    if _copy_bounded(stream, copy, limits.member_bytes) > limits.member_bytes:
        what = f"{item.path} cannot seek and goes past {limits.member_bytes} bytes to copy: not opened"
        raise ContainerError(refusal(limits, "member_bytes", what))
    copy.seek(0)
    return copy  # type: ignore[return-value]  # a seekable binary file in all but name


def _with_problem(item: Item, problem: str) -> Item:
    return replace(item, problem=problem, fs_path=None, opener=None)


def _not_examined(container: Item, format_name: str, problem: str) -> Item:
    """The record of a container that could not be (fully) opened: an item just below it, with the reason,
    marked not examined; its step names the container's format."""
    step = Step("error", "(unreadable)", {"container": format_name})
    return Item(steps=(*container.steps, step), state=container.state, problem=problem, not_examined=True)


def copy_to(item: Item, target: BinaryIO, limit: int, *, limits: Limits | None = None) -> int:
    """Copy a readable item's bytes into ``target``, at most ``limit`` bytes; returns how many.

    Args:
        item: the item.
        target: where its bytes go.
        limit: most bytes to copy (the exhibit's ``member_bytes``).
        limits: the exhibit's limits, for the refusal's advice on raising ``max_member_bytes``; those of
            the archive the item is in when None (the advice then names no exhibit outside an archive).

    Raises:
        OSError: it cannot be read, or it is over ``limit``.
    """
    with item.open() as stream:
        copied = _copy_bounded(stream, target, limit)
    if copied > limit:
        what = f"over the member size limit of {limit} bytes: not read"
        if limits is None:
            limits = item.budget.limits if item.budget is not None else Limits()
        raise exceeded(replace(limits, member_bytes=limit), "member_bytes", what)
    return copied


def _copy_bounded(source: IO[bytes], target: IO[bytes], limit: int) -> int:
    """Copy ``source`` into ``target`` in blocks, up to ``limit`` bytes; returns how many were copied, or
    ``limit + 1`` once more than ``limit`` come (the bytes past the limit are not written)."""
    copied = 0
    while block := source.read(1 << 20):
        if copied + len(block) > limit:
            return limit + 1
        copied += len(block)
        target.write(block)
    return copied

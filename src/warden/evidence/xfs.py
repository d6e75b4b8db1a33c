"""XFS file systems (Linux servers, NAS boxes), via libfsxfs: every file, walked from the root.

The Sleuth Kit in the ``pytsk3`` wheel (4.15) has no XFS, so an XFS volume given as evidence, found in an
archive, or lying in a partition or logical volume of a disk image is read with ``pyfsxfs`` (PyPI
``libfsxfs-python``, in ``warden[forensics]``). Its files are ``file`` steps with their inode numbers, as for
any file system. Deleted files and free space are not read (``docs/limits.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warden.evidence.base import ContainerError, Item, Limits
from warden.evidence.file_tree import FileTree
from warden.evidence.virtual_disk import reason

LABEL = "XFS file system"


def xfs_items(stream: BinaryIO, size: int, container: Item, limits: Limits, carve: bool) -> Iterator[Item]:
    """Every file of an XFS file system, in path order.

    Args:
        stream: the file system's bytes.
        size: their length.
        container: its item (a file given as evidence, a partition, a logical volume).
        limits: the container limits.
        carve: not used: free space inside XFS is not carved (``docs/limits.md``).

    Raises:
        ContainerError: its superblock or root folder cannot be read.
    """
    del carve
    import pyfsxfs

    volume = pyfsxfs.volume()
    try:
        volume.open_file_object(stream)
        root = volume.get_root_directory()
    except (OSError, ValueError, MemoryError) as error:
        raise ContainerError(f"{LABEL} superblock is damaged: {reason(error)}") from None
    detail: dict[str, str | int] = {"file_system": "xfs"}
    try:
        if volume.label:
            detail["label"] = str(volume.label)
    except (OSError, ValueError, UnicodeError):
        pass  # an unreadable label is no reason not to read the files
    # Closed with the stream by the walk: an item opened after that gets the closed stream's error.
    tree = FileTree(
        root,
        volume.get_file_entry_by_inode,
        lambda entry: int(entry.inode_number),
        container.steps,
        detail,
        container.state,
        limits,
        max(limits.total_bytes, 2 * size),
    )
    yield from tree.items()

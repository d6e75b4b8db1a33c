"""LVM2 physical volumes (Linux servers and desktops), via libvslvm: each logical volume walked as a disk.

A physical volume carries the metadata of its volume group as text; libvslvm (``pyvslvm``, PyPI
``libvslvm-python``, in ``warden[forensics]``) reads it and maps each logical volume's extents. Each
logical volume is a ``logical-volume`` step named by its name, and is walked by
:func:`warden.evidence.disk.disk_items` like any disk (its file system through The Sleuth Kit, or XFS or
APFS through their readers, then carving): ``server.img//p2//home//alice/photo.jpg``. A volume group
spread over several physical volumes needs them all, which one evidence file cannot give: it is "not
examined" with the reason (``docs/limits.md``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from warden.evidence.base import ContainerError, Item, Limits, Step
from warden.evidence.carving import Reader
from warden.evidence.disk import disk_items
from warden.evidence.names import escape_text, repeated
from warden.evidence.virtual_disk import reason

LABEL = "LVM2 physical volume"


def lvm_items(stream: BinaryIO, size: int, container: Item, limits: Limits, carve: bool) -> Iterator[Item]:
    """Every item of every logical volume on an LVM2 physical volume, in the volume group's order.

    Args:
        stream: the physical volume's bytes.
        size: their length.
        container: its item (a file given as evidence, a partition of a disk image).
        limits: the container limits.
        carve: carve each logical volume's unallocated space, as for any disk.

    Raises:
        ContainerError: the label or the metadata cannot be read, or the volume group needs other physical
            volumes.
    """
    del size
    import pyvslvm

    handle = pyvslvm.handle()
    try:
        handle.open_file_object(stream)
        group = handle.get_volume_group()
        group_name = escape_text(str(group.name or ""))
        physical = int(group.number_of_physical_volumes)
        if physical == 1:
            handle.open_physical_volume_files_as_file_objects([stream])
            group = handle.get_volume_group()  # again: the one before knows no physical volume's bytes
        count = int(group.number_of_logical_volumes)
    except (OSError, ValueError, MemoryError) as error:
        raise ContainerError(f"{LABEL} label or metadata is damaged: {reason(error)}") from None
    if physical != 1:
        raise ContainerError(
            f"{LABEL} of volume group {group_name!r}, which spans {physical} physical volumes: its logical "
            "volumes need them all, and only this one is given"
        )
    # Closed with the stream by the walk: an item opened after that gets the closed stream's error.
    names: dict[str, int] = {}
    for index in range(count):
        detail: dict[str, str | int] = {"volume_group": group_name, "index": index}
        try:
            volume = group.get_logical_volume(index)
            name = escape_text(str(volume.name or ""))
            length = int(volume.size)
        except (OSError, ValueError, MemoryError) as error:
            step = Step("logical-volume", f"(logical volume {index + 1})", detail)
            problem = f"LVM2 logical volume {index + 1} unreadable: {reason(error)}"
            yield Item((*container.steps, step), state=container.state, problem=problem, not_examined=True)
            continue
        copy = names[name] = names.get(name, 0) + 1
        detail["length"] = length
        step = Step("logical-volume", repeated(name, copy) if copy > 1 else name, detail)
        inner = Item((*container.steps, step), state=container.state)
        if length <= 0:
            yield Item(inner.steps, state=inner.state, problem="an empty logical volume", not_examined=True)
            continue
        yield from disk_items(_reader(volume, name), length, inner, limits, carve_unallocated=carve)


def _reader(volume: Any, name: str) -> Reader:
    def read(offset: int, length: int) -> bytes:
        try:
            data: bytes = volume.read_buffer_at_offset(length, offset)
        except (OSError, ValueError, MemoryError) as error:
            raise OSError(f"logical volume {name} cannot be read at byte {offset}: {reason(error)}") from None
        return data

    return read

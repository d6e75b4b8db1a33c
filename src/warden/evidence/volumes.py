"""Volumes The Sleuth Kit does not read, opened by a reader of their own: APFS containers, XFS, LVM2.

Each format is declared as data (its name, what it is, the bytes that show it, and the function that walks
it, imported only when one is opened) and serves two doors: :class:`VolumeContainer`, registered as a
container like any other, for a volume given as evidence (or found inside an archive); and
:func:`partition_items`, which :mod:`warden.evidence.disk` calls for a partition (or an LVM logical volume)
in which The Sleuth Kit finds no file system. A reader whose library is missing, or a damaged header, makes
the volume "not examined" with the format and the reason, never an opaque file.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from warden.evidence import unopened
from warden.evidence.base import ContainerError, Item, Limits, Step
from warden.evidence.carving import Reader
from warden.evidence.positional import PositionalReader

EXTRA = "forensics"
"""The extra that installs the volume readers: ``pip install 'warden[forensics]'``."""

MIN_SIZE = 4096
"""No volume is smaller: a shorter item is not taken for one, whatever its first bytes."""

VOLUME_KINDS = ("volume", "logical-volume")
"""The step kinds a volume's reader gives its volumes (an APFS volume, an LVM logical volume)."""

MAX_NESTED_VOLUMES = 4
"""Most volumes one inside another (an APFS container in an LVM logical volume...); a deeper one is
recorded, not opened, so a hostile image cannot make the walk descend for ever."""


class VolumeReader(Protocol):
    """Walks one volume: every item inside, with steps extending ``container``'s."""

    def __call__(
        self, stream: BinaryIO, size: int, container: Item, limits: Limits, carve: bool
    ) -> Iterator[Item]:
        """The items inside.

        Raises:
            ContainerError: the volume cannot be opened (a damaged header, a missing reader).
        """


def _lvm2(head: bytes) -> bool:
    # The label may be in any of the first four sectors.
    return any(
        head[sector * 512 : sector * 512 + 8] == b"LABELONE"
        and head[sector * 512 + 24 : sector * 512 + 32] == b"LVM2 001"
        for sector in range(4)
    )


@dataclass(frozen=True, slots=True)
class VolumeFormat:
    """A volume format Warden opens with a reader of its own.

    Attributes:
        name: the container format's registered name (``apfs``...).
        label: what it is, for the report (``APFS container``).
        test: true when a volume's first bytes are of this format.
        reader: ``module:function`` of its :class:`VolumeReader`, imported when a volume is opened.
        package: the PyPI package the reader needs, named when it is missing.
        extra: the Warden extra that installs it.
    """

    name: str
    label: str
    test: Callable[[bytes], bool]
    reader: str
    package: str
    extra: str = EXTRA

    def load(self) -> VolumeReader:
        """The reader.

        Raises:
            ContainerError: its library is not installed; the message names the package and the extra.
        """
        module, function = self.reader.split(":")
        try:
            reader: VolumeReader = getattr(importlib.import_module(module), function)
        except ImportError:
            raise ContainerError(
                f"{self.label} is recognised but not opened: it needs {self.package}, which is not "
                f"installed (pip install 'warden[{self.extra}]')"
            ) from None
        return reader


APFS = VolumeFormat(
    "apfs",
    "APFS container",
    lambda head: head[32:36] == b"NXSB",
    "warden.evidence.apfs:apfs_items",
    "libfsapfs-python",
)
XFS = VolumeFormat(
    "xfs",
    "XFS file system",
    lambda head: head[:4] == b"XFSB",
    "warden.evidence.xfs:xfs_items",
    "libfsxfs-python",
)
LVM2 = VolumeFormat("lvm2", "LVM2 physical volume", _lvm2, "warden.evidence.lvm:lvm_items", "libvslvm-python")

# Encrypted volumes: opened with the scan's secrets (see :mod:`warden.evidence.encrypted_volume`), recognised
# by the same signatures as when their reader is missing (:mod:`warden.evidence.unopened`).
BITLOCKER = VolumeFormat(
    "bitlocker",
    unopened.BITLOCKER.label,
    unopened.BITLOCKER.test,
    "warden.evidence.bitlocker:bitlocker_items",
    "libbde-python",
    "vdisk",
)
LUKS = VolumeFormat(
    "luks",
    unopened.LUKS.label,
    unopened.LUKS.test,
    "warden.evidence.luks:luks_items",
    "libluksde-python",
    "vdisk",
)
FILEVAULT = VolumeFormat(
    "corestorage",
    unopened.FILEVAULT.label,
    unopened.FILEVAULT.test,
    "warden.evidence.filevault:corestorage_items",
    "libfvde-python",
    "vdisk",
)

FORMATS = (APFS, XFS, LVM2, BITLOCKER, LUKS, FILEVAULT)
"""Every volume format Warden opens itself, in the order they are tried (a partition of a disk image is
opened by these; a volume given as evidence has its container, registered apart for the encrypted ones)."""


def opened_format(head: bytes) -> VolumeFormat | None:
    """The format of a volume whose first bytes are ``head``, among those Warden opens itself, or None."""
    return unopened.claiming(FORMATS, head)


class VolumeContainer:
    """A volume given as evidence or found in an archive: recognised by its bytes, walked by its reader."""

    def __init__(self, volume_format: VolumeFormat, *, carve_unallocated: bool = True) -> None:
        self.format = volume_format
        self.name = volume_format.name
        self.carve_unallocated = carve_unallocated

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The format's signature, in an item at least :data:`MIN_SIZE` long."""
        return (size is None or size >= MIN_SIZE) and self.format.test(head)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Every item in the volume.

        Raises:
            ContainerError: it cannot be opened.
        """
        size = stream.seek(0, 2)
        stream.seek(0)
        reader = self.format.load()
        yield from reader(stream, size, container, limits, self.carve_unallocated)


class ApfsContainer(VolumeContainer):
    """An APFS container (every volume in it)."""

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        super().__init__(APFS, carve_unallocated=carve_unallocated)


class XfsContainer(VolumeContainer):
    """An XFS file system."""

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        super().__init__(XFS, carve_unallocated=carve_unallocated)


class Lvm2Container(VolumeContainer):
    """An LVM2 physical volume (every logical volume on it)."""

    def __init__(self, *, carve_unallocated: bool = True) -> None:
        super().__init__(LVM2, carve_unallocated=carve_unallocated)


class Window(PositionalReader):
    """``length`` bytes of media from ``start``, as a read-only stream (a partition, a logical volume)."""

    def __init__(self, read: Reader, start: int, length: int) -> None:
        super().__init__()
        self._read = read
        self._start = start
        self._length = length

    def end(self) -> int:
        return self._length

    def read_at(self, position: int, count: int) -> bytes:
        count = min(count, self._length - position)
        return self._read(self._start + position, count) if count > 0 and position >= 0 else b""


def nested_volumes(steps: tuple[Step, ...]) -> int:
    """How many volumes of these formats the steps already pass through."""
    return sum(step.kind in VOLUME_KINDS for step in steps)


def partition_items(
    volume_format: VolumeFormat,
    read: Reader,
    start: int,
    length: int,
    container: Item,
    limits: Limits,
    carve: bool,
) -> Iterator[Item]:
    """The items of a volume lying in a disk image's media at ``start`` (a partition, a logical volume).

    Raises:
        ContainerError: it cannot be opened, or it lies inside too many volumes already.
    """
    if nested_volumes(container.steps) >= MAX_NESTED_VOLUMES:
        raise ContainerError(
            f"{volume_format.label} inside {MAX_NESTED_VOLUMES} volumes already: not opened (a hostile or "
            "looping layout)"
        )
    reader = volume_format.load()
    window = io.BufferedReader(Window(read, start, length), buffer_size=1 << 16)
    yield from reader(window, length, container, limits, carve)

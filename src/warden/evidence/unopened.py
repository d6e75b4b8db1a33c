"""Volumes and file systems Warden recognises but does not open yet: recorded "not examined", never opaque.

(APFS, XFS and LVM2 are opened by their own readers: :mod:`warden.evidence.volumes`; a UDF disc image by
:mod:`warden.evidence.udf`, through 7-Zip, which also records it "not examined" when 7-Zip is missing.)

Each is declared as data (its name, what it is, and the bytes that show it) and registered as a container
like any other, ahead of the raw-image check, so that such a volume given as evidence (or found inside an
archive) is listed in the report under "not examined"
with the reason, instead of being hashed as one opaque file and forgotten. The same signatures name what a
disk image's partition holds when The Sleuth Kit finds no file system in it (:func:`volume_format`).
Signatures as the format's own documentation gives them (Apple's APFS reference, libyal's libbde, libfvde
and libvslvm notes, the LUKS on-disk format, the XFS and ECMA-167 specifications).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, TypeVar

from warden.evidence.base import ContainerError, Item, Limits

Test = Callable[[bytes], bool]

ENCRYPTED = "encrypted volumes are not opened yet (Warden takes no key, password or recovery key)"
UNSUPPORTED = "not supported yet"
MIN_SIZE = 4096
"""No volume is smaller: a shorter item is not taken for one, whatever its first bytes."""


def _at(offset: int, magic: bytes) -> Test:
    return lambda head: head[offset : offset + len(magic)] == magic


def _corestorage(head: bytes) -> bool:
    # Physical volume header: format version 1, block type 0x0010, "CS" at byte 88.
    return head[88:90] == b"CS" and head[8:10] == b"\x01\x00" and head[10:12] == b"\x10\x00"


def _udf_only(head: bytes) -> bool:
    # A UDF volume recognition sequence starts at sector 16 with BEA01; an ISO 9660 bridge would put CD001
    # there (and is read as ISO 9660).
    return head[32769:32774] == b"BEA01" and any(
        head[32769 + 2048 * n : 32774 + 2048 * n] in (b"NSR02", b"NSR03") for n in range(1, 15)
    )


@dataclass(frozen=True, slots=True)
class UnopenedFormat:
    """A volume or file system recognised by its bytes and recorded "not examined" with the reason.

    Attributes:
        name: the container format's registered name (``apfs``...).
        label: what it is, for the report (``APFS container``).
        test: true when an item's first bytes are of this format.
        why: why it is not examined (:data:`ENCRYPTED` or :data:`UNSUPPORTED`).
    """

    name: str
    label: str
    test: Test
    why: str

    def sniff(self, head: bytes, size: int | None) -> bool:
        """The format's signature, in an item at least :data:`MIN_SIZE` long."""
        return (size is None or size >= MIN_SIZE) and self.test(head)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        """Nothing: the format is recognised, not opened.

        Raises:
            ContainerError: always, naming the format and why.
        """
        raise ContainerError(f"{self.label}: {self.why}")
        yield  # a generator, as every container's expand is


BITLOCKER = UnopenedFormat("bitlocker", "BitLocker encrypted volume", _at(3, b"-FVE-FS-"), ENCRYPTED)
LUKS = UnopenedFormat("luks", "LUKS encrypted volume", _at(0, b"LUKS\xba\xbe"), ENCRYPTED)
FILEVAULT = UnopenedFormat(
    "corestorage",
    "Core Storage volume (FileVault 2 when encrypted)",
    _corestorage,
    f"Core Storage and FileVault 2 are {UNSUPPORTED}",
)
UDF = UnopenedFormat(
    "udf",
    "UDF disc image (no ISO 9660 bridge)",
    _udf_only,
    f"UDF is {UNSUPPORTED} as a partition of a disk (a UDF disc image is read through 7-Zip)",
)
"""Not registered as a container (:class:`warden.evidence.udf.UdfContainer` is, with this signature): it
names a UDF partition of a disk image, which is not opened."""

FORMATS = (BITLOCKER, LUKS, FILEVAULT, UDF)
"""Every format recognised and not opened, in the order they are registered (UDF only to name a partition)."""


class _Signed(Protocol):
    @property
    def test(self) -> Test: ...


Signed = TypeVar("Signed", bound=_Signed)


def claiming(formats: Iterable[Signed], head: bytes) -> Signed | None:
    """The first of ``formats`` whose signature ``head`` (a volume's first bytes) shows, or None."""
    for candidate in formats:
        try:
            if candidate.test(head):
                return candidate
        except Exception:  # noqa: S112 - a test failing on odd bytes just does not claim them
            continue
    return None


def volume_format(head: bytes) -> UnopenedFormat | None:
    """The format of a volume whose first bytes are ``head``, among those Warden does not open, or None."""
    return claiming(FORMATS, head)

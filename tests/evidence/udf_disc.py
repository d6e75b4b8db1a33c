"""UDF discs for the evidence and scan tests, built with Debian's tools and cached.

``genisoimage -udf`` (Debian ``genisoimage``) burns a folder of benign photos to an ISO 9660 + UDF bridge
image; the UDF-only image is that image with its ISO 9660 volume descriptors (``CD001``) taken out of the
volume recognition sequence from sector 16, the UDF ones (``BEA01``, ``NSR02``, ``TEA01``) moved up in their
place: what a disc burnt with UDF alone looks like to a reader. Both are kept in the image cache of
:mod:`tests.evidence.images`, under a name that carries a hash of this file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images

SECTOR = 2048
"""A disc's sector: the volume recognition sequence starts at sector 16, the UDF anchor is at sector 256."""

LIVE = {
    "DCIM/100CANON/IMG_0001.JPG": "tench",
    "DCIM/100CANON/IMG_0002.JPG": "goldfish",
    "Pictures/holiday at sea.jpg": "shark",
    "Pictures/2021/summer/volcano.jpg": "volcano",
}
"""The photos on both discs: path on the disc to photo name (:data:`tests.evidence.images.PHOTOS`)."""

_DESCRIPTORS = (b"CD001", b"BEA01", b"NSR02", b"NSR03", b"TEA01")
"""Identifiers of the volume recognition sequence: ISO 9660's, then UDF's (ECMA-167)."""

_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]


def udf_only(bridge: bytes) -> bytes:
    """``bridge`` (an ISO 9660 + UDF image) with the ISO 9660 descriptors taken out of its volume
    recognition sequence and the UDF ones moved up to sector 16, the rest of the image unchanged."""
    data = bytearray(bridge)
    kept: list[bytes] = []
    sector = 16
    while (identifier := data[sector * SECTOR + 1 : sector * SECTOR + 6]) in _DESCRIPTORS:
        if identifier != b"CD001":
            kept.append(bytes(data[sector * SECTOR : (sector + 1) * SECTOR]))
        sector += 1
    data[16 * SECTOR : sector * SECTOR] = b"".join(kept).ljust((sector - 16) * SECTOR, b"\0")
    return bytes(data)


def _build(work: Path) -> dict[str, Any]:
    if shutil.which("genisoimage") is None:
        pytest.skip("genisoimage is not installed (Debian package genisoimage)")
    stage = work / "stage"
    for target, name in LIVE.items():
        images._staged(stage, name, target)
    images.run("genisoimage", "-quiet", "-udf", "-J", "-R", "-V", "WARDEN", "-o", work / "bridge.iso", stage)
    shutil.rmtree(stage)
    (work / "udf.img").write_bytes(udf_only((work / "bridge.iso").read_bytes()))
    return {"image": "udf.img", "bridge": "bridge.iso", "live": LIVE}


def discs() -> images.DiskImage:
    """The UDF-only image (``path``) and the bridge image it was made from (``facts["bridge"]``, in the
    same folder), both holding :data:`LIVE`."""
    return images._cached(f"udf{_VERSION}", _build)


def bridge_of(disc: images.DiskImage) -> Path:
    """The ISO 9660 + UDF bridge image beside the UDF-only one."""
    return disc.path.parent / disc.facts["bridge"]

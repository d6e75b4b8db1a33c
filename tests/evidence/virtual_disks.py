"""Virtual disks and optical images for the evidence tests, built with Debian's tools and cached.

Every virtual disk is the MBR disk of :func:`tests.evidence.images.mbr_disk` (FAT16 and ext4 partitions,
live, deleted and carved photos) converted by ``qemu-img convert`` (Debian ``qemu-utils``), so each format
must give exactly the items the raw disk gives. The ISO holds the FAT16 volume's live photos at the same
paths, burnt by ``xorriso`` (Debian ``xorriso``). Both are kept in the image cache of
:mod:`tests.evidence.images`, under a name that carries a hash of this file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images

CONVERSIONS: dict[str, tuple[str, str, str]] = {
    # key: (qemu-img output format, its options, the file scanned)
    "vhd": ("vpc", "subformat=dynamic,force_size=on", "disk.vhd"),
    "vhdx": ("vhdx", "subformat=dynamic", "disk.vhdx"),
    "vmdk-sparse": ("vmdk", "subformat=monolithicSparse", "sparse.vmdk"),
    "vmdk-stream": ("vmdk", "subformat=streamOptimized", "stream.vmdk"),
    "vmdk-flat": ("vmdk", "subformat=monolithicFlat", "flat.vmdk"),
    "vmdk-split": ("vmdk", "subformat=twoGbMaxExtentSparse", "split.vmdk"),
    "qcow2": ("qcow2", "", "disk.qcow2"),
    "qcow": ("qcow", "", "disk.qcow"),
    "vdi": ("vdi", "", "disk.vdi"),
}
"""Each virtual-disk variant built, with the container format that must recognise it."""

CONTAINER = {
    "vhd": "vhd",
    "vhdx": "vhdx",
    "vmdk-sparse": "vmdk",
    "vmdk-stream": "vmdk",
    "vmdk-flat": "vmdk",
    "vmdk-split": "vmdk",
    "qcow2": "qcow",
    "qcow": "qcow",
    "vdi": "vdi",
}

BINDING = {"vhd": "pyvhdi", "vhdx": "pyvhdi", "vmdk": "pyvmdk", "qcow": "pyqcow", "vdi": None}
"""The optional reader each container format needs (``warden[vdisk]``)."""

_TOOLS = {"qemu-img": "qemu-utils", "xorriso": "xorriso"}
_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]


def _run(*command: str | Path) -> None:
    tool = str(command[0])
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian package {_TOOLS[tool]})")
    images.run(*command)


def _convert(work: Path) -> dict[str, Any]:
    raw = images.mbr_disk()
    files: dict[str, str] = {}
    for key, (output, options, name) in CONVERSIONS.items():
        _run("qemu-img", "convert", "-q", "-f", "raw", "-O", output, *(["-o", options] if options else []),
             raw.path, work / name)  # fmt: skip
        files[key] = name
    # A snapshot overlay: a QCOW2 that holds only changes to another image.
    _run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "disk.qcow2", "-F", "qcow2", work / "overlay.qcow2")
    return {"image": files["vhdx"], "files": files, "raw": raw.facts, "overlay": "overlay.qcow2"}


def virtual_disks() -> images.DiskImage:
    """The MBR disk in every variant of :data:`CONVERSIONS` (``facts["files"]``: key to file name, all in
    one folder), and a QCOW2 overlay backed by the QCOW2 (``facts["overlay"]``)."""
    return images._cached(f"vdisks{_VERSION}", _convert)


def _iso(work: Path) -> dict[str, Any]:
    live = images.fat16().facts["live"]
    stage = work / "stage"
    for target, name in live.items():
        images._staged(stage, name, target)
    _run("xorriso", "-as", "mkisofs", "-quiet", "-J", "-R", "-V", "WARDEN", "-o", work / "photos.iso", stage)
    shutil.rmtree(stage)
    return {"image": "photos.iso", "live": live}


def iso() -> images.DiskImage:
    """An ISO 9660 image (Joliet and Rock Ridge names) holding the FAT16 volume's live photos at the same
    paths (``facts["live"]``: path to photo)."""
    return images._cached(f"iso{_VERSION}", _iso)


def path_of(disks: images.DiskImage, key: str) -> Path:
    """The file to scan for one variant."""
    return disks.folder / disks.facts["files"][key]

"""The built-in container formats, registered in the order they are tried (most specific signature first).

Formats whose library is an optional extra (``pip install 'warden[forensics]'``, ``'warden[crawl]'`` for WARC)
are left out when it is not installed; :data:`UNAVAILABLE` says which, and why, so the scan can say so
instead of silently not looking.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from warden import settings
from warden.evidence.base import CONTAINERS, Container, Limits
from warden.evidence.keys import keys_from_settings
from warden.registry import instance_of

GROUP = "warden.containers"

BUILT_IN: tuple[str, ...] = (
    "e01",
    "vhd",
    "vhdx",
    "vmdk",
    "qcow",
    "vdi",
    "iso9660",
    # Volumes with a reader of their own (evidence/volumes.py, bitlocker.py, luks.py, filevault.py) and
    # UDF-only discs (evidence/udf.py, through 7-Zip): before raw-image, which could take a BitLocker boot
    # sector or an LVM label for a disk and find nothing in it.
    "apfs",
    "bitlocker",
    "luks",
    "corestorage",
    "xfs",
    "lvm2",
    "udf",
    "raw-image",
    "zip",
    "7z",
    "rar",
    "tar",
    "warc",
    "compressed",
    "thumbs.db",
    "thumbcache",
    "exif-thumbnail",
    # the Manifest.plist of an encrypted iOS backup folder (evidence/ios_encrypted.py)
    "ios-backup",
)
"""Warden's own container formats (its ``warden.containers`` entry points), in the order they are tried: most
specific signature first. Installed plug-ins are tried after them."""

OPTIONAL_LIBRARIES = {
    "pytsk3": "forensics",
    "pyewf": "forensics",
    "py7zr": "forensics",
    "rarfile": "forensics",
    "olefile": "forensics",
    "warcio": "crawl",
}
"""The optional libraries container formats need, with the extra that installs each."""

UNAVAILABLE: dict[str, str] = {}
"""Container formats left out, by module, with the reason (the optional library that is missing)."""


def limits_from_settings(key_files: Sequence[Path] = ()) -> Limits:
    """The bounds on containers the settings ask for (nesting, members, member size, ratio, and what one
    archive with everything inside it may give out), with the secrets of the key files the settings name and
    of ``key_files`` (``warden scan --key-file``); ``warden.evidence.limits.raised`` raises some for one
    exhibit.

    Raises:
        EvidenceKeyFileError: a key file cannot be read or is malformed (naming its line).
    """
    return Limits(
        depth=settings.get_int(settings.MAX_NESTING),
        members=settings.get_int(settings.MAX_MEMBERS),
        member_bytes=settings.get_int(settings.MAX_MEMBER_BYTES),
        ratio=settings.get_int(settings.MAX_RATIO),
        total_bytes=settings.get_int(settings.MAX_CONTAINER_BYTES),
        total_items=settings.get_int(settings.MAX_CONTAINER_ITEMS),
        seconds=settings.get_int(settings.MAX_CONTAINER_SECONDS),
        keys=keys_from_settings(key_files),
    )


def register_built_in() -> None:
    """Register every built-in container whose libraries are installed, once per process, configured from the
    settings (``WARDEN_CARVE`` for disk images). The scan, the review app and the report's annex all reach
    items inside containers through this one door, so they find the same items."""
    if len(CONTAINERS):
        return
    options: dict[str, Any] = {"carve_unallocated": settings.get_bool(settings.CARVE)}
    modules = {point.name: point.value.split(":")[0] for point in entry_points(group=GROUP)}
    for problem in CONTAINERS.load_entry_points(GROUP, instance_of(Container, **options), first=BUILT_IN):
        library = problem.reason.removeprefix("needs ")
        if problem.name in BUILT_IN and library not in OPTIONAL_LIBRARIES:
            raise RuntimeError(f"Warden's {problem.name} container cannot be loaded: {problem.reason}")
        if library in OPTIONAL_LIBRARIES:
            UNAVAILABLE[modules[problem.name]] = (
                f"needs {library}: pip install 'warden[{OPTIONAL_LIBRARIES[library]}]'"
            )

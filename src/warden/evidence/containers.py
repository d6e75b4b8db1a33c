"""The built-in container formats, registered in the order they are tried (most specific signature first).

Formats whose library is an optional extra (``pip install 'warden[forensics]'``) are left out when it is not
installed; :data:`UNAVAILABLE` says which, and why, so the scan can say so instead of silently not looking.
"""

from __future__ import annotations

import importlib
from typing import Any

from warden import settings
from warden.evidence.base import CONTAINERS, Limits

# (module, class, the settings-driven options it takes): the order is the order of sniffing.
BUILT_IN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("warden.evidence.ewf", "EwfContainer", ("carve_unallocated",)),
    ("warden.evidence.raw_image", "RawImageContainer", ("carve_unallocated",)),
    ("warden.evidence.zip", "ZipContainer", ()),
    ("warden.evidence.sevenzip", "SevenZipContainer", ()),
    ("warden.evidence.rar", "RarContainer", ()),
    ("warden.evidence.tar", "TarContainer", ()),
    ("warden.evidence.compressed", "CompressedContainer", ()),
    ("warden.evidence.thumbs_db", "ThumbsDbContainer", ()),
    ("warden.evidence.thumbcache", "ThumbcacheContainer", ()),
    ("warden.evidence.exif_thumbnail", "ExifThumbnailContainer", ()),
)

OPTIONAL_LIBRARIES = {"pytsk3", "pyewf", "py7zr", "rarfile", "olefile"}

UNAVAILABLE: dict[str, str] = {}
"""Container formats left out, by module, with the reason (the optional library that is missing)."""


def limits_from_settings() -> Limits:
    """The bounds on containers the settings ask for (nesting, members, member size, ratio, and what one
    archive with everything inside it may give out); ``warden.evidence.limits.raised`` raises some for one
    exhibit."""
    return Limits(
        depth=settings.get_int(settings.MAX_NESTING),
        members=settings.get_int(settings.MAX_MEMBERS),
        member_bytes=settings.get_int(settings.MAX_MEMBER_BYTES),
        ratio=settings.get_int(settings.MAX_RATIO),
        total_bytes=settings.get_int(settings.MAX_CONTAINER_BYTES),
        total_items=settings.get_int(settings.MAX_CONTAINER_ITEMS),
        seconds=settings.get_int(settings.MAX_CONTAINER_SECONDS),
    )


def register_built_in() -> None:
    """Register every built-in container whose libraries are installed, once per process, configured from the
    settings (``WARDEN_CARVE`` for disk images). The scan, the review app and the report's annex all reach
    items inside containers through this one door, so they find the same items."""
    if len(CONTAINERS):
        return
    options: dict[str, Any] = {"carve_unallocated": settings.get_bool(settings.CARVE)}
    for module_name, class_name, takes in BUILT_IN:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            if error.name not in OPTIONAL_LIBRARIES:
                raise
            UNAVAILABLE[module_name] = f"needs {error.name}: pip install 'warden[forensics]'"
            continue
        kind = getattr(module, class_name)
        container = kind(**{name: options[name] for name in takes if name in options})
        CONTAINERS.register(container.name, container)

"""The built-in container formats, registered in the order they are tried (most specific signature first).

Formats whose library is an optional extra (``pip install 'warden[forensics]'``) are left out when it is not
installed; :data:`UNAVAILABLE` says which, and why, so the scan can say so instead of silently not looking.
"""

from __future__ import annotations

import importlib
from typing import Any

from warden.evidence.base import CONTAINERS

# (module, class, keyword arguments): the order is the order of sniffing.
BUILT_IN: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("warden.evidence.ewf", "EwfContainer", {}),
    ("warden.evidence.raw_image", "RawImageContainer", {}),
    ("warden.evidence.zip", "ZipContainer", {}),
    ("warden.evidence.sevenzip", "SevenZipContainer", {}),
    ("warden.evidence.rar", "RarContainer", {}),
    ("warden.evidence.tar", "TarContainer", {}),
    ("warden.evidence.compressed", "CompressedContainer", {}),
    ("warden.evidence.thumbs_db", "ThumbsDbContainer", {}),
    ("warden.evidence.thumbcache", "ThumbcacheContainer", {}),
    ("warden.evidence.exif_thumbnail", "ExifThumbnailContainer", {}),
)

OPTIONAL_LIBRARIES = {"pytsk3", "pyewf", "py7zr", "rarfile", "olefile"}

UNAVAILABLE: dict[str, str] = {}
"""Container formats left out, by module, with the reason (the optional library that is missing)."""


def register_built_in(**options: Any) -> None:
    """Register every built-in container whose libraries are installed (once; options go to those that take
    them, e.g. ``carve_unallocated`` for disk images)."""
    if len(CONTAINERS):
        return
    for module_name, class_name, defaults in BUILT_IN:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            if error.name not in OPTIONAL_LIBRARIES:
                raise
            UNAVAILABLE[module_name] = f"needs {error.name}: pip install 'warden[forensics]'"
            continue
        kind = getattr(module, class_name)
        arguments = dict(defaults)
        if "carve_unallocated" in options and class_name in ("EwfContainer", "RawImageContainer"):
            arguments["carve_unallocated"] = options["carve_unallocated"]
        container = kind(**arguments)
        CONTAINERS.register(container.name, container)

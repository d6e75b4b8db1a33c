"""Banks and live indexes over a real service database and hash-set store in a test's folder (no mocks)."""

from __future__ import annotations

import csv
from pathlib import Path

from PIL import Image, ImageOps

from tests.media import media
from warden.case.database import sqlite_url
from warden.hashing.item import hash_file
from warden.hashsets.store import HashSetStore
from warden.serve.banks import Banks
from warden.servicedb.database import open_service_db

PHOTOS = ("n01440764_tench.jpg", "n01443537_goldfish.jpg", "n01484850_great_white_shark.jpg")
"""Benign photos from the shared media, listed in the test bank under made-up categories."""


def open_banks(root: Path, url: str | None = None) -> Banks:
    """The banks of a service whose store and key live under ``root``, its database too unless ``url``."""
    engine = open_service_db(url or sqlite_url(root / "service.db"))
    return Banks(engine, HashSetStore(root / "home", root / "keys" / "store.key"), root / "bank-rows")


def photo_csv(folder: Path) -> Path:
    """A canonical CSV listing :data:`PHOTOS` (category C, content ids ``photo-0``...)."""
    path = folder / "photos.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["md5", "sha1", "sha256", "pdq", "category", "source_id"])
        for number, name in enumerate(PHOTOS):
            hashes = hash_file(media("photos", name))
            writer.writerow([hashes.md5, hashes.sha1, hashes.sha256, hashes.pdq, "C", f"photo-{number}"])
    return path


def mirrored(name: str, folder: Path) -> Path:
    """A left-right mirrored copy of a shared photo, saved as a new JPEG (other bytes, other digests)."""
    path = folder / f"mirrored-{name}"
    with Image.open(media("photos", name)) as image:
        ImageOps.mirror(image.convert("RGB")).save(path, quality=90)
    return path

"""A small scanned case for the review app's tests: near-duplicate clusters, a matched photo, a video, a zip.

Built from the benign shared media: photos of a valley, an alp and a pizza appear as several edited copies
(so they cluster), a lakeside photo is in a made-up hash set as category A (so it is matched and hidden), a
short video stands alone, one copy sits inside a zip (so previews reach into containers), and a truncated
file cannot be shown.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.media import media
from warden.case import accounts
from warden.case.folder import Case
from warden.hashing.item import HashOptions, hash_file
from warden.hashsets.store import HashSetStore
from warden.scan.run import ScanOptions, run_scan

PASSWORDS = {
    "ann": "ann's long password",
    "eve": "eve's long password",
    "rob": "rob's long password",
    "vic": "vic's long password",
}
ROLES = {"ann": "examiner", "eve": "examiner", "rob": "reviewer", "vic": "viewer"}


@dataclass(frozen=True)
class SmallCase:
    """The built case folder, its evidence, and the admin's one-time password."""

    case_dir: Path
    evidence: Path
    admin_password: str


def _save(photo: Path, target: Path, *, scale: float = 1.0, grey: bool = False, quality: int = 90) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(photo) as image:
        edited = image.convert("L" if grey else "RGB")
        if scale != 1.0:
            edited = edited.resize((round(edited.width * scale), round(edited.height * scale)))
        edited.save(target, "JPEG", quality=quality)


def build_small_case(root: Path) -> SmallCase:
    """Build the evidence, the hash set, scan them into a case, and add the test accounts."""
    photos = media("photos")
    valley, alp, pizza, lakeside = (
        photos / name
        for name in (
            "n09468604_valley.jpg",
            "n09193705_alp.jpg",
            "n07873807_pizza.jpg",
            "n09332890_lakeside.jpg",
        )
    )
    evidence = root / "evidence"
    (evidence / "DCIM").mkdir(parents=True)
    shutil.copyfile(valley, evidence / "DCIM" / "IMG_0001.jpg")
    _save(valley, evidence / "Downloads" / "valley_small.jpg", scale=0.5)
    _save(valley, evidence / "Downloads" / "valley_grey.jpg", grey=True)
    _save(valley, root / "valley_recompressed.jpg", quality=40)
    shutil.copyfile(alp, evidence / "DCIM" / "IMG_0002.jpg")
    _save(alp, evidence / "Pictures" / "alp_copy.jpg", scale=0.75)
    _save(alp, evidence / "Pictures" / "alp_grey.jpg", grey=True)
    shutil.copyfile(pizza, evidence / "DCIM" / "IMG_0003.jpg")
    _save(pizza, evidence / "Pictures" / "pizza_small.jpg", scale=0.6)
    shutil.copyfile(lakeside, evidence / "DCIM" / "IMG_0004.jpg")
    with zipfile.ZipFile(evidence / "Downloads" / "trip.zip", "w") as archive:
        archive.write(root / "valley_recompressed.jpg", "trip/valley.jpg")
    (evidence / "Videos").mkdir()
    shutil.copyfile(media("videos", "doorknob-hd-no-bar.mp4"), evidence / "Videos" / "clip.mp4")
    (evidence / "Downloads" / "broken.jpg").write_bytes(valley.read_bytes()[:2000])
    hashset = root / "listed.csv"
    hashes = hash_file(lakeside, HashOptions(variants=False)).to_json()
    with hashset.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["md5", "sha1", "sha256", "pdq", "category", "source_id"])
        writer.writerow([hashes["md5"], hashes["sha1"], hashes["sha256"], hashes["pdq"], "A", "TEST-1"])
    return scanned_case(root, evidence, hashset)


def scanned_case(root: Path, evidence: Path, hashset: Path) -> SmallCase:
    """``evidence`` scanned against ``hashset`` into ``root/case`` (stores under ``root``), with the admin
    account and one account per role of :data:`ROLES`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARDEN_HOME", str(root / "store"))
        patch.setenv("WARDEN_KEY_FILE", str(root / "key"))
        result = run_scan(
            ScanOptions(evidence=[evidence], hashsets=[str(hashset)], case_dir=root / "case", workers=1),
            HashSetStore.from_settings(),
        )
    case = result.case
    with case.engine.begin() as connection:
        admin_password = accounts.ensure_admin(connection)
        assert admin_password is not None
        for name, role in ROLES.items():
            accounts.create(connection, name, role, PASSWORDS[name], by="test")
    case.engine.dispose()
    return SmallCase(root / "case", evidence, admin_password)


def copy_case(built: SmallCase, target: Path) -> Case:
    """A fresh copy of the case folder (the evidence is shared, read-only), opened."""
    shutil.copytree(built.case_dir, target)
    return Case.open(target)


def item_ids(case: Case) -> dict[str, int]:
    """Item id by path, for tests that name items by where they are."""
    from sqlalchemy import select

    from warden.case import schema

    with case.engine.connect() as connection:
        return {
            path: int(i) for i, path in connection.execute(select(schema.items.c.id, schema.items.c.path))
        }


VALLEY = ("DCIM/IMG_0001.jpg", "DCIM/IMG_0001.jpg//exif-thumbnail", "Downloads/trip.zip//trip/valley.jpg",
          "Downloads/valley_grey.jpg", "Downloads/valley_small.jpg")  # fmt: skip
"""The biggest cluster: a photo, its EXIF thumbnail, a copy in a zip, a grey copy and a small copy."""
ALP = ("DCIM/IMG_0002.jpg", "Pictures/alp_copy.jpg", "Pictures/alp_grey.jpg")
PIZZA = ("DCIM/IMG_0003.jpg", "Pictures/pizza_small.jpg")
MATCHED = "DCIM/IMG_0004.jpg"
VIDEO = "Videos/clip.mp4"
BROKEN = "Downloads/broken.jpg"

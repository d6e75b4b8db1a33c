"""Issue 14 end to end: ``warden scan`` on an XFS file system and on an LVM2 physical volume (an XFS and a FAT
logical volume) finds each photo by the MD5 a made-up hash set lists, counted as a live still."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images, volumes
from tests.scan.photo_scans import listed_photos, scanned

pytestmark = pytest.mark.slow  # two small scans

for _module in ("pyfsxfs", "pyvslvm"):
    pytest.importorskip(_module, reason="XFS and LVM2 need pip install 'warden[forensics]'")

ON_XFS = {"photos/tench.jpg": "tench", "photos/2021/lynx.jpg": "lynx", "shark.jpg": "shark"}
ON_FAT = {"DANE.JPG": "dane"}
LISTED = {"tench": "A", "lynx": "B", "dane": "C"}
"""Photos the made-up hash set lists, with made-up categories; the shark is on the XFS volume but unlisted."""


@pytest.fixture(scope="module")
def hashset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return listed_photos(tmp_path_factory.mktemp("set"), LISTED)


@pytest.fixture(scope="module")
def xfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    photos = {path: images.photo_bytes(name) for path, name in ON_XFS.items()}
    return volumes.xfs_image(tmp_path_factory.mktemp("xfs") / "server.xfs", photos)


def matched(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each matched item's path below the evidence: its hash-set entry and MD5."""
    return {
        item["path"].split("//", 1)[1]: (item["match"]["source_id"], item["md5"])
        for item in report["items"]
        if item["match"]
    }


def md5(name: str) -> str:
    return hashlib.md5(images.photo_bytes(name)).hexdigest()


def test_a_scan_of_an_xfs_file_system_finds_the_listed_photos(
    xfs: Path, hashset: Path, tmp_path: Path
) -> None:
    report = scanned(xfs, tmp_path, hashset)
    assert matched(report) == {
        "photos/tench.jpg": ("tench", md5("tench")),
        "photos/2021/lynx.jpg": ("lynx", md5("lynx")),
    }
    by_category = report["summary"]["by_category"]
    assert (by_category["A"]["stills_files"], by_category["B"]["stills_files"]) == (1, 1)
    assert report["not_examined"] == []
    shark = [item for item in report["items"] if item["path"] == "server.xfs//shark.jpg"]
    assert shark and shark[0]["md5"] == md5("shark") and not shark[0]["match"]


def test_a_scan_of_an_lvm_physical_volume_finds_the_photos_of_each_logical_volume(
    xfs: Path, hashset: Path, tmp_path: Path
) -> None:
    fat = volumes.fat_volume(
        tmp_path / "fat.img", {path: images.photo_bytes(n) for path, n in ON_FAT.items()}
    )
    pv = tmp_path / "evidence" / "pv.img"
    pv.parent.mkdir()
    pv.write_bytes(volumes.physical_volume({"camera": fat.read_bytes(), "home": xfs.read_bytes()}))
    report = scanned(pv, tmp_path / "run", hashset)
    assert matched(report) == {
        "camera//DANE.JPG": ("dane", md5("dane")),
        "home//photos/tench.jpg": ("tench", md5("tench")),
        "home//photos/2021/lynx.jpg": ("lynx", md5("lynx")),
    }
    assert report["not_examined"] == []

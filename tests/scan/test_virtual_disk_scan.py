"""Issue 14 end to end: the same disk as raw, QCOW2, VDI and VHDX gives the same counts and item MD5s in
``report.json``, and so does a folder burnt to a UDF-only disc and to an ISO 9660 one; a damaged virtual disk,
an encrypted volume and a UDF disc without 7-Zip are listed under "not examined"."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images, udf_disc, virtual_disks
from tests.scan.photo_scans import listed_photos, scanned
from warden.evidence.udf import program

pytestmark = pytest.mark.slow  # four small scans

LISTED = {"tench": "A", "shark": "B", "pinscher": "C", "volcano": "C"}
"""Photos on the disk, listed with made-up categories: live on both partitions, live, deleted, carved."""


@pytest.fixture(scope="module")
def hashset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return listed_photos(tmp_path_factory.mktemp("set"), LISTED)


@pytest.fixture(scope="module")
def reports(hashset: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    for module in ("pyqcow", "pyvhdi"):
        pytest.importorskip(module, reason="pip install 'warden[vdisk]'")
    disks = virtual_disks.virtual_disks()
    evidence = {
        "raw": images.mbr_disk().path,
        "qcow2": virtual_disks.path_of(disks, "qcow2"),
        "vdi": virtual_disks.path_of(disks, "vdi"),
        "vhdx": virtual_disks.path_of(disks, "vhdx"),
    }
    return {key: scanned(path, tmp_path_factory.mktemp(key), hashset) for key, path in evidence.items()}


def inside(report: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    """Each item below the evidence file: its path without the file's own name, MD5 and state."""
    return {
        item["path"].split("//", 1)[1]: (item["md5"], item["state"])
        for item in report["items"]
        if "//" in item["path"]
    }


@pytest.mark.parametrize("key", ["qcow2", "vdi", "vhdx"])
def test_each_format_counts_and_hashes_as_the_raw_disk(key: str, reports: dict[str, dict[str, Any]]) -> None:
    raw, other = reports["raw"], reports[key]
    assert other["summary"]["by_category"] == raw["summary"]["by_category"]
    assert other["summary"]["files_total"] == raw["summary"]["files_total"]
    assert inside(other) == inside(raw)
    assert other["not_examined"] == raw["not_examined"] == []
    assert raw["summary"]["by_category"]["C"]["stills_files"] == 3  # deleted twice, carved once
    matched = {item["match"]["source_id"] for item in other["items"] if item["match"]}
    assert matched == set(LISTED)
    details = other["case"]["evidence"][0]["details"]
    assert details["format"] == virtual_disks.CONTAINER[key]
    assert details["computed_md5"] == hashlib.md5(images.mbr_disk().path.read_bytes()).hexdigest()


def test_what_cannot_be_opened_is_listed_as_not_examined(hashset: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyvhdi")
    disks = virtual_disks.virtual_disks()
    folder = tmp_path / "seized"
    folder.mkdir()
    data = bytearray(virtual_disks.path_of(disks, "vhdx").read_bytes())
    data[8 : 1 << 20] = bytes((1 << 20) - 8)  # the headers and region tables wiped, the signature kept
    (folder / "vm.vhdx").write_bytes(bytes(data))
    luks = bytearray(1 << 20)
    luks[:8] = b"LUKS\xba\xbe\x00\x02"
    (folder / "secret.img").write_bytes(bytes(luks))
    shutil.copy(images.photo(next(iter(LISTED))), folder / "loose.jpg")
    report = scanned(folder, tmp_path / "case", hashset)
    listed = {entry["path"]: entry for entry in report["not_examined"]}
    assert set(listed) == {"vm.vhdx", "secret.img"}
    assert listed["vm.vhdx"]["format"] == "vhdx"
    assert "VHDX header is damaged" in listed["vm.vhdx"]["reason"]
    assert listed["secret.img"]["format"] == "luks"
    assert "encrypted" in listed["secret.img"]["reason"]
    assert report["summary"]["by_category"]["A"]["stills_files"] == 1  # the loose photo is still counted


ON_DISC = {"tench": "A", "shark": "B", "volcano": "C"}
"""Photos on the UDF discs listed with made-up categories (the goldfish is on them, not listed)."""


def test_a_udf_only_disc_counts_as_the_same_folder_burnt_to_iso_9660(tmp_path: Path) -> None:
    if program() is None:
        pytest.skip("7-Zip is not installed (apt-get install 7zip)")
    disc = udf_disc.discs()
    hashset = listed_photos(tmp_path, ON_DISC)
    iso = scanned(udf_disc.bridge_of(disc), tmp_path / "iso", hashset)
    udf = scanned(disc.path, tmp_path / "udf", hashset)
    assert udf["summary"]["by_category"] == iso["summary"]["by_category"]
    assert udf["summary"]["files_total"] == iso["summary"]["files_total"]
    assert inside(udf) == inside(iso)
    sources = {
        path: hashlib.md5(images.photo_bytes(name)).hexdigest() for path, name in udf_disc.LIVE.items()
    }
    assert {path: md5 for path, (md5, _state) in inside(udf).items()} == sources
    assert udf["not_examined"] == iso["not_examined"] == []
    assert {item["match"]["source_id"] for item in udf["items"] if item["match"]} == set(ON_DISC)
    assert [udf["summary"]["by_category"][category]["stills_files"] for category in "ABC"] == [1, 1, 1]


def test_a_udf_disc_without_7_zip_is_listed_as_not_examined(
    hashset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disc = udf_disc.discs()
    folder = tmp_path / "seized"
    folder.mkdir()
    shutil.copy(disc.path, folder / "backup.img")
    shutil.copy(images.photo(next(iter(LISTED))), folder / "loose.jpg")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    report = scanned(folder, tmp_path / "case", hashset)
    [entry] = report["not_examined"]
    assert (entry["path"], entry["format"]) == ("backup.img", "udf")
    assert "apt-get install 7zip" in entry["reason"]
    assert report["summary"]["by_category"]["A"]["stills_files"] == 1  # the loose photo is still counted

"""Issue 3 end to end: one command scans a disk image holding live, deleted, archived, carved and thumbnail
copies of listed images among unrelated and hostile files, and says where each copy is and in what state."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from tests.evidence import images
from tests.evidence.archives import zip_bomb
from tests.evidence.thumbnails import Thumb, thumbs_db, with_exif_thumbnail
from tests.media import media
from tests.scan.conftest import store_env
from warden.cli import main
from warden.hashing.item import HashOptions, hash_file

pytestmark = pytest.mark.slow  # one disk image built and scanned for the module

LISTED = {  # photo -> (category, how the seized disk holds a copy)
    "n01530575_brambling.jpg": ("A", "live exact"),
    "n01531178_goldfinch.jpg": ("B", "live mirrored"),
    "n01532829_house_finch.jpg": ("C", "deleted"),
    "n01534433_junco.jpg": ("A", "zip member"),
    "n01537544_indigo_bunting.jpg": ("B", "carved"),
}
THUMBNAILS = {  # listed by the thumbnail's own hash: (category, where)
    "n01558993_robin.jpg": ("C", "exif"),
    "n01560419_bulbul.jpg": ("A", "thumbs.db"),
}
UNRELATED = ["n01580077_jay.jpg", "n01582220_magpie.jpg"]


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def thumbnail_of(name: str) -> bytes:
    with Image.open(media("photos", name)) as opened:
        small = opened.convert("RGB")
    small.thumbnail((160, 160))
    return jpeg(small, 85)


@pytest.fixture(scope="module")
def seized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An E01 of a FAT32 volume holding every copy, and the hash set listing the originals."""
    work = tmp_path_factory.mktemp("seized")
    stage = work / "stage"
    stage.mkdir()
    volume = work / "volume.img"
    images.run("mkfs.fat", "-C", "-F", "32", "-n", "SEIZED", volume, str(48 * 1024))
    mtools = ("-i", str(volume))
    images.run("mmd", *mtools, "::/DCIM", "::/Downloads", "::/Pictures")

    def put(name: str, data: bytes, target: str) -> None:
        path = stage / name
        path.write_bytes(data)
        images.run("mcopy", "-m", *mtools, path, f"::/{target}")

    photos = {name: media("photos", name).read_bytes() for name in [*LISTED, *THUMBNAILS, *UNRELATED]}
    put("a.jpg", photos["n01530575_brambling.jpg"], "DCIM/IMG_0001.JPG")
    with Image.open(media("photos", "n01531178_goldfinch.jpg")) as opened:
        put("b.jpg", jpeg(ImageOps.mirror(opened.convert("RGB"))), "Pictures/mirror.jpg")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("holiday/junco.jpg", photos["n01534433_junco.jpg"])
        zipped.writestr("holiday/magpie.jpg", photos["n01582220_magpie.jpg"])
    put("c.zip", archive.getvalue(), "Downloads/holiday.zip")
    camera, _offset = with_exif_thumbnail(photos["n01580077_jay.jpg"], thumbnail_of("n01558993_robin.jpg"))
    put("d.jpg", camera, "DCIM/IMG_0002.JPG")
    when = datetime(2006, 5, 4, 3, 2, 1, tzinfo=UTC)
    cache = thumbs_db(work / "ole", [Thumb(1, "bulbul.jpg", when, thumbnail_of("n01560419_bulbul.jpg"))])
    put("Thumbs.db", cache, "Pictures/Thumbs.db")
    put("bomb.zip", zip_bomb(1 << 30), "Downloads/bomb.zip")
    put("cut.jpg", photos["n01580077_jay.jpg"][:5000], "Downloads/cut.jpg")
    # Deleted last, so nothing reuses its clusters: its content is still there.
    put("e.jpg", photos["n01532829_house_finch.jpg"], "Pictures/finch.jpg")
    images.run("mdel", *mtools, "::/Pictures/finch.jpg")
    # Written straight into free space near the end of the volume: only carving finds it.
    carved_at = volume.stat().st_size - 600_000 + 3
    with volume.open("r+b") as handle:
        handle.seek(carved_at)
        handle.write(photos["n01537544_indigo_bunting.jpg"])
    images.run(
        "ewfacquire", "-u", "-q", "-f", "encase6", "-c", "deflate:fast", "-t", work / "exhibit", volume
    )
    exact = HashOptions(exact_pdq=True, variants=False)
    rows = []
    for number, (name, (category, _how)) in enumerate(LISTED.items()):
        listed = hash_file(media("photos", name), exact)
        rows.append(f"{listed.md5},{listed.sha1},{listed.sha256},{listed.pdq},{category},P{number}")
    for number, (name, (category, _where)) in enumerate(THUMBNAILS.items()):
        rows.append(f"{hashlib.md5(thumbnail_of(name)).hexdigest()},,,,{category},T{number}")
    hashset = work / "national.csv"
    hashset.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    return {
        "e01": work / "exhibit.E01",
        "hashset": hashset,
        "carved_at": carved_at,
        "volume_md5": hashlib.md5(volume.read_bytes()).hexdigest(),
        "work": work,
    }


@pytest.fixture(scope="module")
def report(seized: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("case")
    before = hashlib.sha256(seized["e01"].read_bytes()).hexdigest()
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, root)
        patch.setenv("TZ", "UTC")
        code = main(
            [
                "scan",
                str(seized["e01"]),
                "--hashset",
                str(seized["hashset"]),
                "--case",
                str(root / "c"),
                "--quiet",
            ]
        )
    assert code == 0
    assert hashlib.sha256(seized["e01"].read_bytes()).hexdigest() == before, "the image was modified"
    result: dict[str, Any] = json.loads((root / "c" / "report.json").read_text())
    return result


def by_source(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["match"]["source_id"]: item for item in report["items"] if item["match"]}


def test_every_copy_is_found_in_its_state_and_place(report: dict[str, Any], seized: dict[str, Any]) -> None:
    found = by_source(report)
    assert set(found) == {"P0", "P1", "P2", "P3", "P4", "T0", "T1"}
    expected = {
        "P0": ("live", "exact", "exhibit.E01//DCIM/IMG_0001.JPG"),
        "P1": ("live", "pdq", "exhibit.E01//Pictures/mirror.jpg"),
        "P2": ("deleted", "exact", None),
        "P3": ("live", "exact", "exhibit.E01//Downloads/holiday.zip//holiday/junco.jpg"),
        "P4": ("carved", "exact", None),
        "T0": ("thumbnail", "exact", "exhibit.E01//DCIM/IMG_0002.JPG//exif-thumbnail"),
        "T1": ("thumbnail", "exact", "exhibit.E01//Pictures/Thumbs.db//bulbul.jpg"),
    }
    for source, (state, kind, path) in expected.items():
        item = found[source]
        assert (item["state"], item["match"]["kind"]) == (state, kind), source
        if path:
            assert item["path"] == path
    assert found["P1"]["match"]["variant"] == "flip_y"
    assert found["P2"]["path"].startswith(
        "exhibit.E01//Pictures/"
    )  # the deleted name, first letter lost on FAT
    carved = found["P4"]
    assert carved["provenance"][-1]["kind"] == "carved"
    assert carved["provenance"][-1]["detail"]["offset"] == seized["carved_at"]
    assert found["T0"]["parent"] == "exhibit.E01//DCIM/IMG_0002.JPG"
    assert found["P3"]["provenance"][-1]["kind"] == "member"


def test_unrelated_photos_match_nothing(report: dict[str, Any]) -> None:
    paths = {item["path"]: item for item in report["items"]}
    assert paths["exhibit.E01//DCIM/IMG_0002.JPG"]["match"] is None  # the jay, whose thumbnail is listed
    assert paths["exhibit.E01//Downloads/holiday.zip//holiday/magpie.jpg"]["match"] is None


def test_counts_keep_states_and_thumbnails_apart(report: dict[str, Any]) -> None:
    summary = report["summary"]
    assert summary["by_category"]["A"]["stills_files"] == 2  # the exact copy and the zip member
    assert summary["by_category"]["B"]["stills_files"] == 2  # the mirrored copy and the carved one
    assert summary["by_category"]["C"]["stills_files"] == 1  # the deleted one
    assert summary["by_state"]["deleted"]["C"]["stills_files"] == 1
    assert summary["by_state"]["carved"]["B"]["stills_files"] == 1
    assert summary["by_state"]["thumbnail"]["A"]["stills_files"] == 1
    assert summary["by_state"]["thumbnail"]["C"]["stills_files"] == 1


def test_hostile_files_inside_are_recorded_and_the_image_is_verified(
    report: dict[str, Any], seized: dict[str, Any]
) -> None:
    paths = {item["path"]: item for item in report["items"]}
    bomb = [item for path, item in paths.items() if path.startswith("exhibit.E01//Downloads/bomb.zip//")]
    assert bomb and all(item["error"] for item in bomb)
    assert "bomb" in bomb[0]["error"] or "limit" in bomb[0]["error"]
    assert paths["exhibit.E01//Downloads/cut.jpg"]["error"]
    evidence = report["case"]["evidence"][0]
    assert evidence["sha256"] == hashlib.sha256(seized["e01"].read_bytes()).hexdigest()
    assert evidence["details"]["md5_verified"] is True
    assert evidence["details"]["computed_md5"] == seized["volume_md5"]


def test_broken_evidence_gives_clear_item_errors_and_the_scan_completes(
    seized: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence = tmp_path / "exhibits"
    evidence.mkdir()
    data = seized["e01"].read_bytes()
    (evidence / "cut.E01").write_bytes(data[: len(data) // 2])
    table = bytearray(images.mbr_disk().path.read_bytes())
    table[446 + 8 : 446 + 12] = (10**8).to_bytes(4, "little")
    (evidence / "bad-table.img").write_bytes(bytes(table))
    (evidence / "bomb.zip").write_bytes(zip_bomb(1 << 30))
    (evidence / "loop.img").write_bytes(images.fat_loop().path.read_bytes())
    store_env(monkeypatch, tmp_path)
    code = main(
        ["scan", str(evidence), "--hashset", str(seized["hashset"]), "--case", str(tmp_path / "c"), "--quiet"]
    )
    assert code == 0
    items = {item["path"]: item for item in json.loads((tmp_path / "c" / "report.json").read_text())["items"]}
    # A damaged E01 is recognised but cannot be opened: not examined, with the reason (a fact, not an error).
    assert "E01 is truncated or corrupt" in items["cut.E01//(unreadable)"]["not_examined"]
    assert "partition table unreadable" in items["bad-table.img//table"]["error"]
    assert any(
        "bomb" in (item["error"] or "") for path, item in items.items() if path.startswith("bomb.zip//")
    )
    assert any(
        "loop" in (item["error"] or "") for path, item in items.items() if path.startswith("loop.img//")
    )

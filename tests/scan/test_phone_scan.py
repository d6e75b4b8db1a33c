"""Phone extractions end to end (issue 14, point 3): ``warden scan`` finds the photos of an iOS backup, an
Android tar and a UFDR against a made-up hash set, and report.json gives each its path on the phone."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.evidence.archives import photos
from tests.evidence.phones import Row, TaggedFile, android_tar, ios_backup, ufdr
from warden.cli import main
from warden.evidence.base import Limits
from warden.evidence.locate import open_item

CAMERA = "Media/DCIM/100APPLE"


def scan(evidence: Path, case: Path, hashset: Path) -> tuple[int, dict[str, Any]]:
    code = main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet"])
    report = json.loads((case / "report.json").read_text()) if (case / "report.json").exists() else {}
    return code, report


def made_up_set(tmp_path: Path, pictures: list[bytes]) -> Path:
    listed = tmp_path / "set.csv"
    lines = ["md5,sha1,sha256,pdq,category,source_id"]
    lines += [
        f"{hashlib.md5(data).hexdigest()},,,,{cat},T{n}"
        for n, (data, cat) in enumerate(zip(pictures, "ABC"[: len(pictures)], strict=True))
    ]
    listed.write_text("\n".join(lines) + "\n")
    return listed


def phone_paths(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each matched item by the phone path its provenance gives."""
    found = {}
    for item in report["items"]:
        for step in item["provenance"]:
            phone = step["detail"].get("phone_path") or (
                step["detail"].get("original_name", "").strip("'")
                if "original_name" in step["detail"]
                else None
            )
            if phone:
                found[phone] = item
    return found


def test_each_photo_is_found_with_its_phone_path(tmp_path: Path) -> None:
    pictures = list(photos(3).values())
    evidence = tmp_path / "evidence"
    ios_backup(
        evidence / "Backup" / "00008030-0001",
        [
            Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0]),
            Row("HomeDomain", "Library/gone.jpg", None),
        ],
    )
    (evidence / "android.tar").write_bytes(
        android_tar(
            {"data/media/0/DCIM/Camera/IMG_1.jpg": pictures[1], "/sdcard/Download/x.jpg": pictures[0]}
        )
    )
    phone = "/private/var/mobile/Containers/Shared/AppGroup/x/IMG_2.jpg"
    (evidence / "phone.ufdr").write_bytes(ufdr([TaggedFile(phone, "files\\Image\\IMG_2.jpg", pictures[2])]))
    code, report = scan(evidence, tmp_path / "case", made_up_set(tmp_path, pictures))
    assert code == 0
    found = phone_paths(report)

    ios = found[f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert ios["path"] == f"Backup/00008030-0001//CameraRollDomain/{CAMERA}/IMG_0001.JPG"
    assert ios["category"] == "A"
    assert ios["provenance"][-1]["kind"] == "phone"
    assert found["/sdcard/Download/x.jpg"]["category"] == "A"
    assert found[phone]["category"] == "C"
    assert found[phone]["path"] == "phone.ufdr//files/Image/IMG_2.jpg"
    android = next(
        item for item in report["items"] if item["path"] == "android.tar//data/media/0/DCIM/Camera/IMG_1.jpg"
    )
    assert android["category"] == "B"
    # The file the manifest names but the backup does not hold is listed as not examined, never silently.
    assert any(entry["path"].endswith("HomeDomain/Library/gone.jpg") for entry in report["not_examined"])
    assert report["summary"]["by_category"]["A"]["stills_files"] == 2

    # The review app reads an item back by its recorded path.
    with open_item(evidence, ios["path"], Limits()) as stream:
        assert stream.read() == pictures[0]

    # A rerun resumes: every item is recorded, the report is the same.
    before = json.loads((tmp_path / "case" / "report.json").read_text())["items"]
    assert scan(evidence, tmp_path / "case", made_up_set(tmp_path, pictures))[0] == 0
    assert json.loads((tmp_path / "case" / "report.json").read_text())["items"] == before


def test_a_backup_as_the_evidence_and_a_manifest_that_is_not_sqlite(tmp_path: Path) -> None:
    pictures = list(photos(2).values())
    good = ios_backup(tmp_path / "good", [Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0])])
    code, report = scan(good, tmp_path / "case1", made_up_set(tmp_path, pictures))
    assert code == 0
    item = phone_paths(report)[f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert item["path"] == f"CameraRollDomain/{CAMERA}/IMG_0001.JPG" and item["category"] == "A"
    with open_item(good, item["path"], Limits()) as stream:
        assert stream.read() == pictures[0]

    row = Row("CameraRollDomain", f"{CAMERA}/IMG_0002.JPG", pictures[1])
    bad = ios_backup(tmp_path / "bad", [row], manifest=b"garbage" * 50)
    code, report = scan(bad, tmp_path / "case2", made_up_set(tmp_path, pictures))
    assert code == 0
    by_path = {item["path"]: item for item in report["items"]}
    assert by_path[f"{row.fid[:2]}/{row.fid}"]["category"] == "B"
    reasons = [entry["reason"] for entry in report["not_examined"]]
    assert any("not an SQLite database" in reason for reason in reasons)

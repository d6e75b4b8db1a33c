"""Encrypted iOS backups end to end (issue 14, point 3): ``warden scan --key-file`` decrypts the backup and
finds each photo with its phone path and the MD5 of the plain photo; without the password, or with a wrong
one, the backup is under "not examined"; the password is nowhere in what the scan writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.evidence.archives import photos
from tests.evidence.encrypted_backups import PASSWORD, encrypted_backup
from tests.evidence.phones import Row
from warden.cli import main

CAMERA = "Media/DCIM/100APPLE"


def scan(evidence: Path, case: Path, hashset: Path, *key_files: Path) -> tuple[int, dict[str, Any]]:
    options = [option for key_file in key_files for option in ("--key-file", str(key_file))]
    code = main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet", *options])
    report = json.loads((case / "report.json").read_text()) if (case / "report.json").exists() else {}
    return code, report


def made_up_set(tmp_path: Path, pictures: list[bytes]) -> Path:
    listed = tmp_path / "set.csv"
    lines = ["md5,sha1,sha256,pdq,category,source_id"]
    lines += [
        f"{hashlib.md5(data).hexdigest()},,,,{cat},T{n}"
        for n, (data, cat) in enumerate(zip(pictures, "AB", strict=True))
    ]
    listed.write_text("\n".join(lines) + "\n")
    return listed


def by_phone_path(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        step["detail"]["phone_path"]: item
        for item in report["items"]
        for step in item["provenance"]
        if "phone_path" in step["detail"]
    }


def evidence_with_backup(tmp_path: Path, pictures: list[bytes]) -> Path:
    evidence = tmp_path / "evidence"
    encrypted_backup(
        evidence / "Backup" / "00008030-0001",
        [
            Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0]),
            Row("AppDomain-net.whatsapp.WhatsApp", "Documents/Media/x.jpg", pictures[1]),
            Row("HomeDomain", "Library/gone.jpg", None),
        ],
    )
    return evidence


def written_by_the_scan(case: Path) -> bytes:
    """Every byte the scan left in the case folder: the case database (with its log), the audit log, the
    reports."""
    return b"".join(path.read_bytes() for path in sorted(case.rglob("*")) if path.is_file())


def test_the_key_file_opens_the_backup_and_each_photo_is_found_with_its_phone_path(tmp_path: Path) -> None:
    pictures = list(photos(2).values())
    evidence = evidence_with_backup(tmp_path, pictures)
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# exhibit 1, the suspect's notebook\npassword: not this one\npassword: {PASSWORD}\n")
    case = tmp_path / "case"
    code, report = scan(evidence, case, made_up_set(tmp_path, pictures), keys)
    assert code == 0

    found = by_phone_path(report)
    photo = found[f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert photo["path"] == f"Backup/00008030-0001/Manifest.plist//CameraRollDomain/{CAMERA}/IMG_0001.JPG"
    assert photo["md5"] == hashlib.md5(pictures[0]).hexdigest() and photo["category"] == "A"
    assert photo["provenance"][-1]["detail"]["opened_with"] == "keys.txt line 3"
    whatsapp = found["AppDomain-net.whatsapp.WhatsApp/Documents/Media/x.jpg"]
    assert whatsapp["md5"] == hashlib.md5(pictures[1]).hexdigest() and whatsapp["category"] == "B"
    assert report["summary"]["by_category"]["A"]["stills_files"] == 1
    assert any(entry["path"].endswith("HomeDomain/Library/gone.jpg") for entry in report["not_examined"])
    assert not any(entry["format"] == "ios-backup" for entry in report["not_examined"])

    # The password is in none of what the scan wrote: case database, audit log, reports.
    assert PASSWORD.encode() not in written_by_the_scan(case)
    assert b"not this one" not in written_by_the_scan(case)


def test_without_the_password_or_with_a_wrong_one_the_backup_is_not_examined(tmp_path: Path) -> None:
    pictures = list(photos(2).values())
    evidence = evidence_with_backup(tmp_path, pictures)
    hashset = made_up_set(tmp_path, pictures)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("password: a made-up wrong password\n")
    for case, key_files, reason in (
        (tmp_path / "case1", (), "encrypted iOS backup: no password given"),
        (tmp_path / "case2", (wrong,), "encrypted iOS backup: the password given does not open it"),
    ):
        code, report = scan(evidence, case, hashset, *key_files)
        assert code == 0
        [entry] = [entry for entry in report["not_examined"] if entry["format"] == "ios-backup"]
        assert entry["path"] == "Backup/00008030-0001/Manifest.plist"
        assert entry["reason"].startswith(reason)
        assert not by_phone_path(report)
        assert not any(item["category"] for item in report["items"])
        # The stored (encrypted) files are still hashed as stored.
        assert (
            sum(1 for item in report["items"] if item["md5"] and "/Manifest.plist" not in item["path"]) >= 2
        )
        assert b"a made-up wrong password" not in written_by_the_scan(case)

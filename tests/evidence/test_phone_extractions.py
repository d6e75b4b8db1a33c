"""Phone extractions keep each file's original path on the phone (issue 14, point 3): iOS backup folders
through Manifest.db, Android file-system tars, UFDR zips through report.xml; hostile ones end as facts."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from tests.evidence.archives import expand, photos
from tests.evidence.phones import Row, TaggedFile, android_tar, ios_backup, ufdr, ufdr_report
from warden.evidence.base import Item, Limits
from warden.evidence.folder import FolderSource
from warden.evidence.tar import TarContainer
from warden.evidence.zip import ZipContainer

CAMERA = "Media/DCIM/100APPLE"


@pytest.fixture
def pictures() -> list[bytes]:
    return list(photos(3).values())


def listed(folder: Path) -> dict[str, Item]:
    return {item.path: item for item in FolderSource().items(folder)}


def read(item: Item) -> bytes:
    with item.open() as stream:
        return stream.read()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_an_ios_backup_names_each_stored_file_by_its_phone_path(
    tmp_path: Path, pictures: list[bytes]
) -> None:
    rows = [
        Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0]),
        Row("CameraRollDomain", f"{CAMERA}/IMG_0002.JPG", pictures[1]),
        Row("AppDomain-net.whatsapp.WhatsApp", "Documents/Media/x.jpg", pictures[2]),
        Row("CameraRollDomain", "Media/DCIM", None, flags=2),
        Row("HomeDomain", "Library/gone.jpg", None),
    ]
    backup = ios_backup(tmp_path / "Backup" / "00008030-0001", rows)
    stray = backup / "ff" / ("f" * 40)
    stray.parent.mkdir()
    stray.write_bytes(b"not in the manifest")
    before = snapshot(tmp_path)
    items = listed(tmp_path)

    photo = items[f"Backup/00008030-0001//CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert read(photo) == pictures[0]
    assert photo.fs_path == str(backup / rows[0].fid[:2] / rows[0].fid)
    backup_step, phone = photo.steps
    assert backup_step.kind == "file" and backup_step.detail["format"] == "ios-backup"
    assert phone.kind == "phone"
    assert phone.detail["phone_path"] == f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"
    assert phone.detail["domain"] == "CameraRollDomain"
    assert phone.detail["relative_path"] == f"{CAMERA}/IMG_0001.JPG"
    assert phone.detail["stored_as"] == f"Backup/00008030-0001/{rows[0].fid[:2]}/{rows[0].fid}"
    assert phone.detail["phone_mtime"] == "2020-09-13T12:26:40.000000Z"
    assert phone.detail["phone_size"] == len(pictures[0])
    assert (
        read(items["Backup/00008030-0001//AppDomain-net.whatsapp.WhatsApp/Documents/Media/x.jpg"])
        == (pictures[2])
    )
    # A file the manifest does not name keeps its stored name; the backup's own files are items too.
    assert read(items[f"Backup/00008030-0001/ff/{'f' * 40}"]) == b"not in the manifest"
    assert "Backup/00008030-0001/Manifest.db" in items
    # A row whose file is not stored is a fact; a directory row is nothing.
    gone = items["Backup/00008030-0001//HomeDomain/Library/gone.jpg"]
    assert gone.not_examined and "not stored in the backup" in (gone.problem or "")
    assert not any(path.rsplit("//", 1)[-1].split("/", 1)[-1] == "Media/DCIM" for path in items)
    # No stored file appears twice (by stored name and by phone path).
    stored_names = [path for path in items if path.startswith("Backup/00008030-0001/") and "//" not in path]
    assert not any(row.fid in path for row in rows for path in stored_names)
    # Nothing was written into the evidence (no journal, WAL or shared-memory file beside Manifest.db).
    assert snapshot(tmp_path) == before


def test_a_backup_given_as_the_evidence_root(tmp_path: Path, pictures: list[bytes]) -> None:
    rows = [Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0])]
    backup = ios_backup(tmp_path / "udid", rows)
    items = listed(backup)
    photo = items[f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert [step.kind for step in photo.steps] == ["phone"]
    assert photo.steps[0].detail["stored_as"] == f"{rows[0].fid[:2]}/{rows[0].fid}"
    assert read(photo) == pictures[0]


def test_hostile_rows_are_kept_as_evidence_under_safe_names(tmp_path: Path, pictures: list[bytes]) -> None:
    rows = [
        Row("CameraRollDomain", "../../../etc/IMG_0001.JPG", pictures[0]),
        Row("HomeDomain", "a.jpg", pictures[1], file_id="../../outside"),
    ]
    backup = ios_backup(tmp_path / "udid", rows[:1])
    connection = sqlite3.connect(backup / "Manifest.db")
    connection.execute("INSERT INTO Files VALUES ('../../outside', 'HomeDomain', 'a.jpg', 1, NULL)")
    connection.execute("INSERT INTO Files VALUES (?, 7, x'ff00', 'one', 12)", ("a" * 40,))
    connection.commit()
    connection.close()
    items = listed(tmp_path)
    escaped = items["udid//CameraRollDomain/__/__/__/etc/IMG_0001.JPG"]
    assert read(escaped) == pictures[0]
    assert escaped.steps[-1].detail["unsafe_name"] is True
    assert escaped.steps[-1].detail["phone_path"] == "CameraRollDomain/../../../etc/IMG_0001.JPG"
    # A fileID that is no SHA-1 names nothing: never joined to a path.
    assert not any("outside" in path for path in items)
    # A row of the wrong types is still a fact, not a crash.
    assert any(item.not_examined and "7/" in path for path, item in items.items())


def test_a_manifest_that_is_not_sqlite_is_a_fact_and_files_keep_their_stored_names(
    tmp_path: Path, pictures: list[bytes]
) -> None:
    row = Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0])
    ios_backup(tmp_path / "udid", [row], manifest=b"PK\x03\x04 this is no database" * 100)
    items = listed(tmp_path)
    fact = items["udid//(ios-backup)"]
    assert fact.not_examined and "not an SQLite database" in (fact.problem or "")
    assert read(items[f"udid/{row.fid[:2]}/{row.fid}"]) == pictures[0]


def test_a_damaged_manifest_is_a_fact(tmp_path: Path, pictures: list[bytes]) -> None:
    row = Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0])
    ios_backup(tmp_path / "udid", [row], manifest=b"SQLite format 3\x00" + os.urandom(3000))
    items = listed(tmp_path)
    assert "cannot be read as an iOS backup manifest" in (items["udid//(ios-backup)"].problem or "")
    assert read(items[f"udid/{row.fid[:2]}/{row.fid}"]) == pictures[0]


def test_a_manifest_of_too_many_rows_is_cut_at_the_member_limit(
    tmp_path: Path, pictures: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_MAX_MEMBERS", "50")
    rows = [Row("CameraRollDomain", f"{CAMERA}/IMG_{n:04d}.JPG", pictures[n]) for n in range(2)]
    ios_backup(tmp_path / "udid", rows, filler_rows=5000)
    extra = Row("CameraRollDomain", "late.jpg", pictures[2])
    connection = sqlite3.connect(tmp_path / "udid" / "Manifest.db")
    connection.execute("INSERT INTO Files VALUES (?, ?, ?, 1, NULL)", (extra.fid, extra.domain, "late.jpg"))
    connection.commit()
    connection.close()
    late = tmp_path / "udid" / extra.fid[:2] / extra.fid
    late.parent.mkdir(exist_ok=True)
    late.write_bytes(pictures[2])
    items = listed(tmp_path)
    assert "more than 50 files" in (items["udid//(ios-backup)"].problem or "")
    assert f"udid//CameraRollDomain/{CAMERA}/IMG_0000.JPG" in items
    # The row past the limit was not read: its file is listed by its stored name, not lost.
    assert read(items[f"udid/{extra.fid[:2]}/{extra.fid}"]) == pictures[2]
    assert len(items) < 100


def test_an_encrypted_backup_is_reported_not_examined(tmp_path: Path, pictures: list[bytes]) -> None:
    row = Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0])
    ios_backup(tmp_path / "udid", [row], encrypted=True)
    items = listed(tmp_path)
    fact = items["udid//(ios-backup)"]
    assert fact.not_examined and "encrypted iOS backup" in (fact.problem or "")
    assert "password" in (fact.problem or "")
    assert f"udid/{row.fid[:2]}/{row.fid}" in items


def test_an_android_tar_keeps_full_phone_paths(pictures: list[bytes]) -> None:
    data = android_tar(
        {
            "data/media/0/DCIM/Camera/IMG_20200913_122640.jpg": pictures[0],
            "/sdcard/Pictures/Screenshots/shot.jpg": pictures[1],
        }
    )
    items = {item.path.split("//", 1)[1]: item for item in expand(TarContainer(), data)}
    camera = items["data/media/0/DCIM/Camera/IMG_20200913_122640.jpg"]
    assert camera.steps[-1].kind == "member"
    absolute = items["sdcard/Pictures/Screenshots/shot.jpg"]
    # The leading "/" is kept in the provenance: the member is flagged, not renamed silently.
    assert absolute.steps[-1].detail["original_name"] == repr("/sdcard/Pictures/Screenshots/shot.jpg")
    assert absolute.steps[-1].detail["unsafe_name"] is True


def ufdr_files(pictures: list[bytes]) -> list[TaggedFile]:
    return [
        TaggedFile(
            "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG", "files\\Image\\IMG_0001.JPG", pictures[0]
        ),
        TaggedFile(
            "/data/media/0/WhatsApp/Media/IMG-1.jpg", "files\\Image\\IMG-1.jpg", pictures[1], deleted=True
        ),
        TaggedFile("/private/var/mobile/Media/gone.jpg", "files\\Image\\gone.jpg", None),
        TaggedFile("/private/var/mobile/Library/not-extracted.db", None, None),
    ]


def test_a_ufdr_gives_each_member_its_phone_path(pictures: list[bytes]) -> None:
    items = {item.path.split("//", 1)[1]: item for item in expand(ZipContainer(), ufdr(ufdr_files(pictures)))}
    photo = items["files/Image/IMG_0001.JPG"]
    detail = photo.steps[-1].detail
    assert detail["phone_path"] == "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG"
    assert detail["extraction"] == "ufdr"
    assert detail["phone_file_system"] == "Data"
    assert detail["phone_mtime"] == "2020-09-13T12:26:40.000+00:00"
    assert detail["phone_deleted"] is False
    assert items["files/Image/IMG-1.jpg"].steps[-1].detail["phone_deleted"] is True
    assert "phone_path" not in items["report.xml"].steps[-1].detail
    missing = items["files/Image/gone.jpg"]
    assert missing.not_examined and "not in the archive" in (missing.problem or "")
    assert missing.steps[-1].detail["phone_path"] == "/private/var/mobile/Media/gone.jpg"
    assert not any("not-extracted" in path for path in items)


def test_a_zip_with_another_report_xml_is_a_plain_zip(pictures: list[bytes]) -> None:
    report = b'<?xml version="1.0"?><report><file path="/x">files/a.jpg</file></report>'
    data = ufdr([TaggedFile("/x", "files/a.jpg", pictures[0])], report=report)
    items = expand(ZipContainer(), data)
    assert not any(item.problem for item in items)
    assert not any("phone_path" in item.steps[-1].detail for item in items)


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (
            ufdr_report(
                [], head='<!DOCTYPE project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            ),
            "document type",
        ),
        (ufdr_report([]).replace(b"</taggedFiles>", b"</taggedFile>"), "not well-formed"),
    ],
)
def test_a_hostile_ufdr_report_is_a_fact_and_members_are_still_listed(
    pictures: list[bytes], report: bytes, reason: str
) -> None:
    data = ufdr([TaggedFile("/x.jpg", "files\\Image\\x.jpg", pictures[0])], report=report)
    items = {item.path.split("//", 1)[1]: item for item in expand(ZipContainer(), data)}
    fact = items["(ufdr report)"]
    assert fact.not_examined and reason in (fact.problem or "")
    assert items["files/Image/x.jpg"].readable


def test_a_ufdr_naming_more_files_than_the_limit_keeps_the_first(pictures: list[bytes]) -> None:
    files = [
        TaggedFile(f"/p/{n}.jpg", f"files\\Image\\{n}.jpg", pictures[0] if n == 0 else None)
        for n in range(30)
    ]
    items = {
        item.path.split("//", 1)[1]: item for item in expand(ZipContainer(), ufdr(files), Limits(members=10))
    }
    assert "more than 10 files" in (items["(ufdr report)"].problem or "")
    assert items["files/Image/0.jpg"].steps[-1].detail["phone_path"] == "/p/0.jpg"
    assert len(items) <= 12


def test_stored_names_are_sha1_of_domain_and_path() -> None:
    # The builder's fileIDs follow iOS: SHA-1 of "<domain>-<relativePath>".
    row = Row("CameraRollDomain", "Media/DCIM/100APPLE/IMG_0001.JPG", b"")
    assert row.fid == hashlib.sha1(b"CameraRollDomain-Media/DCIM/100APPLE/IMG_0001.JPG").hexdigest()

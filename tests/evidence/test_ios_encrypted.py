"""Encrypted iOS backups opened with the backup password (issue 14, point 3): each stored file decrypted and
named by its phone path; without the password, with a wrong one, or damaged, the backup is "not examined" with
the reason, never a crash."""

from __future__ import annotations

import io
import plistlib
import zipfile
from pathlib import Path

import pytest

from tests.evidence.archives import photos
from tests.evidence.encrypted_backups import PASSWORD, encrypted_backup, keybag
from tests.evidence.phones import Row
from warden.evidence.base import Item, Limits
from warden.evidence.containers import register_built_in
from warden.evidence.folder import FileSource, FolderSource
from warden.evidence.keys import Keys, Secret
from warden.evidence.locate import ItemNotFoundError, open_item
from warden.evidence.walk import walk

CAMERA = "Media/DCIM/100APPLE"


@pytest.fixture(autouse=True)
def _containers() -> None:
    register_built_in()


@pytest.fixture
def pictures() -> list[bytes]:
    return list(photos(3).values())


def passwords(*values: str) -> Limits:
    return Limits(
        keys=Keys(tuple(Secret("password", v, f"keys.txt line {n}") for n, v in enumerate(values, 1)))
    )


def walked(evidence: Path, limits: Limits) -> dict[str, tuple[Item, bytes | None]]:
    """Every item the walk gives, by path, with its bytes (read where the walk is)."""
    found: dict[str, tuple[Item, bytes | None]] = {}
    source = FolderSource() if evidence.is_dir() else FileSource()
    for each in walk(source.items(evidence), limits):
        data = None
        if each.item.readable:
            with each.item.open() as stream:
                data = stream.read()
        found[each.item.path] = (each.item, data)
    return found


def rows(pictures: list[bytes]) -> list[Row]:
    return [
        Row("CameraRollDomain", f"{CAMERA}/IMG_0001.JPG", pictures[0]),
        Row("CameraRollDomain", f"{CAMERA}/IMG_0002.JPG", pictures[1]),
        Row("AppDomain-net.whatsapp.WhatsApp", "Documents/Media/x.jpg", pictures[2]),
        Row("CameraRollDomain", "Media/DCIM", None, flags=2),
        Row("HomeDomain", "Library/gone.jpg", None),
    ]


def test_the_password_opens_the_backup_and_each_photo_keeps_its_phone_path(
    tmp_path: Path, pictures: list[bytes]
) -> None:
    backup = encrypted_backup(tmp_path / "Backup" / "00008030-0001", rows(pictures))
    before = {p: p.read_bytes() for p in backup.rglob("*") if p.is_file()}
    found = walked(tmp_path, passwords("not it", PASSWORD))

    inside = "Backup/00008030-0001/Manifest.plist//"
    photo, data = found[f"{inside}CameraRollDomain/{CAMERA}/IMG_0001.JPG"]
    assert data == pictures[0] and photo.size == len(pictures[0])
    detail = photo.steps[-1].detail
    assert detail["phone_path"] == f"CameraRollDomain/{CAMERA}/IMG_0001.JPG"
    assert detail["opened_with"] == "keys.txt line 2" and detail["encrypted"] is True
    assert detail["stored_as"] == f"Backup/00008030-0001/{rows(pictures)[0].fid[:2]}/{rows(pictures)[0].fid}"
    assert detail["phone_mtime"] == "2020-09-13T12:26:40.000000Z"
    assert found[f"{inside}AppDomain-net.whatsapp.WhatsApp/Documents/Media/x.jpg"][1] == pictures[2]
    gone, _ = found[f"{inside}HomeDomain/Library/gone.jpg"]
    assert gone.not_examined and "not stored in the backup" in (gone.problem or "")
    # The stored (encrypted) files are still listed as they are stored; nothing of the backup is left out.
    stored = rows(pictures)[1]
    assert found[f"Backup/00008030-0001/{stored.fid[:2]}/{stored.fid}"][1] != pictures[1]
    # Nothing is written into the evidence (the manifest is decrypted into the spool).
    assert {p: p.read_bytes() for p in backup.rglob("*") if p.is_file()} == before
    assert not any(item.not_examined and "(ios-backup)" in path for path, (item, _) in found.items())


def test_a_backup_as_the_evidence_root_and_an_older_keybag(tmp_path: Path, pictures: list[bytes]) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures)[:1], bag=keybag(PASSWORD, dp_rounds=None))
    found = walked(backup, passwords(PASSWORD))
    assert found[f"Manifest.plist//CameraRollDomain/{CAMERA}/IMG_0001.JPG"][1] == pictures[0]


def test_decrypted_files_read_from_any_position(tmp_path: Path, pictures: list[bytes]) -> None:
    encrypted_backup(tmp_path / "udid", rows(pictures)[:1])
    for each in walk(FolderSource().items(tmp_path), passwords(PASSWORD)):
        if each.item.path.endswith("IMG_0001.JPG"):
            with each.item.open() as stream:
                for start in (0, 15, 16, 17, 1000, len(pictures[0]) - 3):
                    stream.seek(start)
                    assert stream.read(40) == pictures[0][start : start + 40]
                stream.seek(-5, io.SEEK_END)
                assert stream.read() == pictures[0][-5:]
            return
    raise AssertionError("the photo was not found")


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ((), "encrypted iOS backup: no password given"),
        (("wrong",), "encrypted iOS backup: the password given does not open it"),
        (("wrong", "also wrong"), "encrypted iOS backup: none of the 2 passwords given opens it"),
    ],
)
def test_without_the_password_the_backup_is_not_examined(
    tmp_path: Path, pictures: list[bytes], given: tuple[str, ...], reason: str
) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures))
    found = walked(tmp_path, passwords(*given))
    fact, _ = found["udid/Manifest.plist//(ios-backup)"]
    assert fact.not_examined and (fact.problem or "").startswith(reason)
    assert not any("CameraRollDomain" in path for path in found)
    # Its stored files are hashed as they are stored, never dropped.
    stored = rows(pictures)[0]
    assert (
        found[f"udid/{stored.fid[:2]}/{stored.fid}"][1] == (backup / stored.fid[:2] / stored.fid).read_bytes()
    )


def damage_keybag(backup: Path, cut: int) -> None:
    plist = plistlib.loads((backup / "Manifest.plist").read_bytes())
    plist["BackupKeyBag"] = plist["BackupKeyBag"][:cut]
    (backup / "Manifest.plist").write_bytes(plistlib.dumps(plist, fmt=plistlib.FMT_BINARY))


# The bag's own records end at byte 200; its class keys follow.
@pytest.mark.parametrize(
    ("cut", "reason"), [(30, "truncated"), (12, "no SALT and ITER"), (200, "no class key")]
)
def test_a_damaged_keybag_is_a_fact(tmp_path: Path, pictures: list[bytes], cut: int, reason: str) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures)[:1])
    damage_keybag(backup, cut)
    fact, _ = walked(tmp_path, passwords(PASSWORD))["udid/Manifest.plist//(ios-backup)"]
    assert fact.not_examined
    assert "its keybag (BackupKeyBag) is damaged" in (fact.problem or "") and reason in (fact.problem or "")


def test_a_keybag_asking_for_endless_work_is_refused(tmp_path: Path, pictures: list[bytes]) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures)[:1], bag=keybag(PASSWORD, rounds=1))
    plist = plistlib.loads((backup / "Manifest.plist").read_bytes())
    plist["BackupKeyBag"] = plist["BackupKeyBag"].replace(
        b"ITER\x00\x00\x00\x04\x00\x00\x00\x01", b"ITER\x00\x00\x00\x04\xff\xff\xff\xff"
    )
    (backup / "Manifest.plist").write_bytes(plistlib.dumps(plist, fmt=plistlib.FMT_BINARY))
    fact, _ = walked(tmp_path, passwords(PASSWORD))["udid/Manifest.plist//(ios-backup)"]
    assert "4294967295 PBKDF2 rounds" in (fact.problem or "")


def test_a_truncated_or_damaged_file_is_an_item_error(tmp_path: Path, pictures: list[bytes]) -> None:
    listed = rows(pictures)[:3]
    backup = encrypted_backup(tmp_path / "udid", listed)
    first, second = (backup / row.fid[:2] / row.fid for row in listed[:2])
    first.write_bytes(first.read_bytes()[:1000])  # cut short, on a block boundary
    second.write_bytes(second.read_bytes()[:-7])  # cut inside a block
    found = walked(tmp_path, passwords(PASSWORD))
    inside = "udid/Manifest.plist//CameraRollDomain/Media/DCIM/100APPLE/"
    for name in ("IMG_0001.JPG", "IMG_0002.JPG"):
        item, data = found[inside + name]
        assert data is None and "truncated or damaged, not decrypted" in (item.problem or "")
    assert (
        found["udid/Manifest.plist//AppDomain-net.whatsapp.WhatsApp/Documents/Media/x.jpg"][1] == pictures[2]
    )


def test_a_damaged_manifest_database_is_a_fact(tmp_path: Path, pictures: list[bytes]) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures)[:1])
    database = backup / "Manifest.db"
    data = bytearray(database.read_bytes())
    data[5] ^= 0xFF
    database.write_bytes(bytes(data))
    fact, _ = walked(tmp_path, passwords(PASSWORD))["udid/Manifest.plist//(ios-backup)"]
    assert "does not decrypt to an SQLite database" in (fact.problem or "")
    database.write_bytes(bytes(data[:100]))
    fact, _ = walked(tmp_path, passwords(PASSWORD))["udid/Manifest.plist//(ios-backup)"]
    assert "not whole AES blocks" in (fact.problem or "")


def test_a_manifest_plist_outside_a_backup_folder_is_not_decrypted(
    tmp_path: Path, pictures: list[bytes]
) -> None:
    backup = encrypted_backup(tmp_path / "udid", rows(pictures)[:1])
    plist = (backup / "Manifest.plist").read_bytes()
    # Given alone: the folder around it is not the evidence, and is never read.
    alone = walked(backup / "Manifest.plist", passwords(PASSWORD))
    assert "outside a backup folder" in (alone["Manifest.plist//(ios-backup)"][0].problem or "")
    # Inside an archive.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("udid/Manifest.plist", plist)
    (tmp_path / "copy.zip").write_bytes(out.getvalue())
    found = walked(tmp_path / "copy.zip", passwords(PASSWORD))
    assert "outside a backup folder" in (
        found["copy.zip//udid/Manifest.plist//(ios-backup)"][0].problem or ""
    )


def test_no_password_in_what_is_recorded(tmp_path: Path, pictures: list[bytes]) -> None:
    encrypted_backup(tmp_path / "udid", rows(pictures)[:1])
    limits = passwords(PASSWORD)
    assert PASSWORD not in repr(limits)
    for item, _ in walked(tmp_path, limits).values():
        assert PASSWORD not in repr(item) and PASSWORD not in str([s.to_json() for s in item.steps])


def test_the_review_app_reads_a_decrypted_photo_again_with_the_password(
    tmp_path: Path, pictures: list[bytes]
) -> None:
    encrypted_backup(tmp_path / "Backup" / "udid", rows(pictures)[:1])
    path = f"Backup/udid/Manifest.plist//CameraRollDomain/{CAMERA}/IMG_0001.JPG"
    with open_item(tmp_path, path, passwords(PASSWORD)) as stream:
        assert stream.read() == pictures[0]
    with pytest.raises(ItemNotFoundError), open_item(tmp_path, path, Limits()):
        pass

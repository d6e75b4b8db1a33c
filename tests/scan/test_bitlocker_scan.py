"""Issue 14 point 2 end to end for BitLocker: ``warden scan --key-file`` opens a BitLocker volume built in the
tests (:mod:`tests.evidence.bitlocker_volume`) with its password or recovery password and matches the photos
inside against a made-up hash set; without a key, or with a wrong one, the volume is under "not examined:
encrypted (BitLocker volume)" in ``report.json``; no secret appears in the case, the report or the output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images
from tests.evidence.bitlocker_volume import PASSWORD, RECOVERY_PASSWORD, BitLockerVolume, bitlocker_volume
from tests.scan.photo_scans import listed_photos, scan_report

pytest.importorskip("pybde", reason="pip install 'warden[vdisk]'")
pytestmark = pytest.mark.slow  # key stretching (2^20 SHA-256 rounds per try) and a few small scans

LISTED = {"tench": "A", "shark": "B", "pinscher": "C", "dane": "C"}
"""Photos in the volume, listed with made-up categories: live, live, deleted, carved from free space."""

WRONG = "not-the-password-14"


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> BitLockerVolume:
    return bitlocker_volume(tmp_path_factory.mktemp("seized"))


@pytest.fixture(scope="module")
def hashset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return listed_photos(tmp_path_factory.mktemp("set"), LISTED)


def scan(
    volume: BitLockerVolume, root: Path, hashset: Path, key_text: str | None
) -> tuple[int, dict[str, Any]]:
    options = []
    if key_text is not None:
        (root / "keys").mkdir(parents=True, exist_ok=True)
        key_file = root / "keys" / "keys.txt"
        key_file.write_text(key_text)
        options = ["--key-file", str(key_file)]
    code, report = scan_report(volume.path, root, hashset, *options)
    assert report is not None
    return code, report


@pytest.mark.parametrize(
    ("secret", "line"),
    [(f"password: {PASSWORD}", 3), (f"recovery-key: {RECOVERY_PASSWORD}", 3)],
    ids=["password", "recovery password"],
)
def test_with_the_key_file_the_photos_inside_are_matched_and_no_secret_is_recorded(
    secret: str,
    line: int,
    volume: BitLockerVolume,
    hashset: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = scan(volume, tmp_path, hashset, f"# exhibit 1\npassword: {WRONG}\n{secret}\n")
    assert code == 0
    matched = {item["match"]["source_id"]: item for item in report["items"] if item["match"]}
    assert set(matched) == set(LISTED)
    for name, item in matched.items():
        assert item["md5"] == hashlib.md5(images.photo_bytes(name)).hexdigest()
        assert item["path"].startswith("bitlocker.img//")
        assert item["provenance"][0]["detail"]["unlocked_with"] == f"keys.txt line {line}"
    assert report["not_examined"] == []
    assert matched["pinscher"]["state"] == "deleted"
    assert report["summary"]["by_category"]["C"]["stills_files"] == 2
    # The secrets are nowhere: not in the report, the case database (its audit log too), or the output.
    value = secret.split(": ", 1)[1]
    out = capsys.readouterr()
    for path in sorted((tmp_path / "c").rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            assert value.encode() not in data and WRONG.encode() not in data, path
    assert value not in out.out + out.err and WRONG not in out.out + out.err


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (None, "encrypted (BitLocker volume): no key given"),
        (f"password: {WRONG}\n", "encrypted (BitLocker volume): the one key given does not open it"),
    ],
    ids=["no key", "wrong password"],
)
def test_without_a_working_key_the_volume_is_not_examined(
    lines: str | None, reason: str, volume: BitLockerVolume, hashset: Path, tmp_path: Path
) -> None:
    code, report = scan(volume, tmp_path, hashset, lines)
    assert code == 0
    [entry] = report["not_examined"]
    assert entry["path"] == "bitlocker.img" and entry["format"] == "bitlocker"
    assert reason in entry["reason"]
    assert not any(item["match"] for item in report["items"])
    assert WRONG not in json.dumps(report)

"""Issue 14 point 2 end to end: ``warden scan --key-file`` opens a LUKS volume and matches the photos inside
with the MD5s of the plain volume; without the key, or with a wrong one, the volume is under "not examined:
encrypted" in ``report.json``; a malformed key file is exit 2 naming the line, before the case is made; and no
secret appears in the report, the case database, the log or the audit log."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images
from tests.evidence.encrypted import PASSWORD, LuksVolume, luks_volume
from tests.scan.photo_scans import listed_photos, scan_report

pytest.importorskip("pyluksde", reason="pip install 'warden[vdisk]'")
pytestmark = pytest.mark.slow  # a few small scans

LISTED = {"tench": "A", "shark": "B", "pinscher": "C", "dane": "C"}
"""Photos in the volume, listed with made-up categories: live, live, deleted, carved from free space."""

WRONG = "not-the-passphrase-7"


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> LuksVolume:
    return luks_volume(tmp_path_factory.mktemp("seized"))


@pytest.fixture(scope="module")
def hashset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return listed_photos(tmp_path_factory.mktemp("set"), LISTED)


def scan(
    volume: LuksVolume, root: Path, hashset: Path, *key_files: Path
) -> tuple[int, dict[str, Any] | None]:
    return scan_report(
        volume.path, root, hashset, *(part for key in key_files for part in ("--key-file", str(key)))
    )


def key_file(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "keys.txt"
    path.write_text(text)
    return path


def test_with_the_key_file_the_photos_inside_are_matched_and_no_secret_is_recorded(
    volume: LuksVolume, hashset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = key_file(tmp_path / "keys", f"# exhibit 1\npassword: {WRONG}\npassword: {PASSWORD}\n")
    code, report = scan(volume, tmp_path, hashset, keys)
    assert code == 0 and report is not None
    matched = {item["match"]["source_id"]: item for item in report["items"] if item["match"]}
    assert set(matched) == set(LISTED)
    for name, item in matched.items():
        assert item["md5"] == hashlib.md5(images.photo_bytes(name)).hexdigest()
        assert item["path"].startswith("secret.img//")
        assert item["provenance"][0]["detail"]["unlocked_with"] == "keys.txt line 3"
    assert report["not_examined"] == []
    assert matched["pinscher"]["state"] == "deleted"
    assert report["summary"]["by_category"]["C"]["stills_files"] == 2
    # The secrets are nowhere: not in the report, the case database (its audit log too), or the log files.
    out = capsys.readouterr()
    for path in [*sorted((tmp_path / "c").rglob("*")), tmp_path / "c" / "report.json"]:
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data and WRONG.encode() not in data, path
    assert PASSWORD not in out.out + out.err and WRONG not in out.out + out.err


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (None, "encrypted (LUKS volume): no key given"),
        (f"password: {WRONG}\n", "encrypted (LUKS volume): the one key given does not open it"),
        (f"password: {WRONG}\npassword: {WRONG}2\n", "none of the 2 keys given opens it"),
    ],
)
def test_without_a_working_key_the_volume_is_not_examined(
    lines: str | None, reason: str, volume: LuksVolume, hashset: Path, tmp_path: Path
) -> None:
    given = [] if lines is None else [key_file(tmp_path / "keys", lines)]
    code, report = scan(volume, tmp_path, hashset, *given)
    assert code == 0 and report is not None
    [entry] = report["not_examined"]
    assert entry["path"] == "secret.img" and entry["format"] == "luks"
    assert reason in entry["reason"]
    assert not any(item["match"] for item in report["items"])
    assert WRONG not in json.dumps(report)


def test_a_malformed_key_file_is_exit_2_naming_the_line_before_the_case_is_made(
    volume: LuksVolume, hashset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = key_file(tmp_path / "keys", f"password: {PASSWORD}\n\nrecovery key {WRONG}\n")
    code, report = scan(volume, tmp_path, hashset, keys)
    assert code == 2 and report is None
    assert not (tmp_path / "c").exists()
    err = capsys.readouterr().err
    assert f"{keys} line 3" in err and "not 'kind: value'" in err
    assert PASSWORD not in err and WRONG not in err

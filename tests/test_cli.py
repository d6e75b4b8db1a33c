"""The command line as a user meets it: JSON from ``hash``, documented exit codes and settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.media import media
from warden import settings
from warden.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_hash_prints_one_json_object_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    photo = media("pdq-reference", "bridge-mods", "aaa-orig.jpg")
    assert main(["hash", str(photo)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["md5"] == "d35c785545392755e7e4164457657269"
    assert record["media"] == "still"
    for field in ("path", "sha1", "sha256", "pdq", "pdq_quality", "width", "height"):
        assert record[field] is not None, field


def test_hash_of_a_video_lists_its_frames(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hash", str(media("videos", "doorknob-hd-no-bar.mp4"))]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["media"] == "movie"
    assert len(record["vpdq"]) >= 2
    assert {"pdq", "quality", "timestamp"} <= set(record["vpdq"][0])


def test_a_malformed_hash_set_exits_3_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n" + "0" * 32 + ",,,,A,1\n" + "0" * 31 + ",,,,A,2\n"
    )
    assert main(["hashset", "import", str(path), "--name", "bad"]) == 3
    assert "line 3" in capsys.readouterr().err
    assert main(["hashset", "list"]) == 0
    assert "bad" not in capsys.readouterr().out


def test_import_info_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "a" * 32 + ",,,,B,1\n")
    assert main(["hashset", "import", str(path), "--name", "good"]) == 0
    assert main(["hashset", "info", "good"]) == 0
    info = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert info["entries"] == 1 and info["counts"]["B"] == 1
    assert main(["hashset", "export", "good"]) == 0
    assert "a" * 32 in capsys.readouterr().out


def test_scan_of_missing_evidence_exits_6(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "good.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "a" * 32 + ",,,,B,1\n")
    code = main(["scan", str(tmp_path / "nowhere"), "--hashset", str(path), "--case", str(tmp_path / "c")])
    assert code == 6
    assert "does not exist" in capsys.readouterr().err


def test_unknown_hash_set_exits_4(tmp_path: Path) -> None:
    (tmp_path / "exhibit").mkdir()
    code = main(
        ["scan", str(tmp_path / "exhibit"), "--hashset", "no-such-set", "--case", str(tmp_path / "c")]
    )
    assert code == 4


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    for setting in settings.SETTINGS.values():
        assert f"`{setting.env_var}`" in text, setting.env_var
        assert f"`{setting.default}`" in text, f"default of {setting.env_var}"


def test_usage_errors_exit_2() -> None:
    assert main(["scan"]) == 2
    assert main(["no-such-command"]) == 2


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Exit codes" in capsys.readouterr().out

"""A record the case database refuses (issue 8, point 16): the scan ends with a documented error naming the
item (exit 7), never a raw ``IntegrityError``, and keeps what it recorded before."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.media import media
from warden.cli import main
from warden.model.records import ItemRecord
from warden.scan import run as run_module


def scan(evidence: Path, hashset: Path, case: Path) -> int:
    return main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet"])


@pytest.fixture
def hashset(tmp_path: Path) -> Path:
    path = tmp_path / "set.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 31 + "1,,,,A,X1\n")
    return path


def test_two_items_given_one_path_end_in_exit_7_naming_the_item(
    tmp_path: Path, hashset: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for photo in sorted(media("photos").glob("*.jpg"))[:3]:
        shutil.copyfile(photo, evidence / photo.name)
    made = run_module.record_for

    def one_path_for_all(label: str, found: Any) -> ItemRecord:
        record = made(label, found)
        record.path = "collision.jpg"  # what two names mapped to one item path used to do
        return record

    monkeypatch.setattr(run_module, "record_for", one_path_for_all)
    monkeypatch.setenv("WARDEN_BATCH_SIZE", "1")
    assert scan(evidence, hashset, tmp_path / "case") == 7
    err = capsys.readouterr().err
    assert "refused to record the item evidence//collision.jpg" in err
    assert "IntegrityError" not in err and "Traceback" not in err
    with sqlite3.connect(tmp_path / "case" / "case.db") as connection:
        assert connection.execute("select path from items").fetchall() == [("collision.jpg",)]
        assert connection.execute("select status from scans").fetchall() == [("interrupted",)]


def test_names_that_differ_only_in_escaping_never_end_in_a_traceback(
    tmp_path: Path, hashset: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's reproduction: one name holding the byte 0xff, one the four characters \\xff."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    photo = sorted(media("photos").glob("*.jpg"))[0].read_bytes()
    (evidence / os.fsdecode(b"\xff")).write_bytes(photo)
    (evidence / "\\xff").write_bytes(photo)
    code = scan(evidence, hashset, tmp_path / "case")
    err = capsys.readouterr().err
    assert "Traceback" not in err and "IntegrityError" not in err
    assert code == 0 or (code == 7 and "refused to record the item" in err)

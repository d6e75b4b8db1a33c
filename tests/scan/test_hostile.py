"""Hostile evidence is recorded item by item, in bounded memory and time; the scan completes with exit 0."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.media import media
from tests.scan.hostile import build_hostile_tree
from warden.cli import main


@pytest.mark.slow
def test_hostile_files_become_item_errors_and_the_scan_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = media("photos", "n01440764_tench.jpg")
    evidence = tmp_path / "evidence"
    made = build_hostile_tree(evidence, photo, media("videos", "doorknob-hd-no-bar.mp4"))
    listed = tmp_path / "set.csv"
    listed.write_text(
        f"md5,sha1,sha256,pdq,category,source_id\n{hashlib.md5(photo.read_bytes()).hexdigest()},,,,A,T1\n"
    )
    monkeypatch.setenv("WARDEN_MAX_DEPTH", "20")
    monkeypatch.setenv("WARDEN_ITEM_TIMEOUT", "60")
    monkeypatch.setenv("WARDEN_WORKER_MEMORY_MB", "2048")
    code = main(
        ["scan", str(evidence), "--hashset", str(listed), "--case", str(tmp_path / "case"), "--quiet"]
    )
    assert code == 0
    report = json.loads((tmp_path / "case" / "report.json").read_text())
    items = {item["path"]: item for item in report["items"]}
    for path, what in made.items():
        assert path in items, f"{what} ({path}) is not in the report"
    errored = {path for path, item in items.items() if item["error"]}
    must_error = {
        "bomb.png",
        "truncated.jpg",
        "fake.jpg",
        "fake.mp4",
        "cut.mp4",
        "loop",
        "outside",
        "pipe",
        "deep/" + "d/" * 19 + "d",
    }
    assert must_error - errored == set()
    assert "decompression" in items["bomb.png"]["error"].lower() or "pixels" in items["bomb.png"]["error"]
    assert "not followed" in items["loop"]["error"]
    assert "pipe" in items["pipe"]["error"]
    # The photo under the odd name is still found, and counted.
    assert items["caf\\xe9-latin1.jpg"]["category"] == "A"
    assert report["summary"]["errors"] == len(errored)
    # A file of zero bytes is a fact, not an error: counted apart.
    assert not items["zero.jpg"]["error"] and items["zero.jpg"]["size"] == 0
    assert report["summary"]["zero_byte_files"] == 1
    assert report["summary"]["by_category"]["A"]["stills_files"] == 1

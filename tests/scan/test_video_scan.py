"""``warden scan`` of a folder of edited clips against a made-up hash set of the originals: the excerpt and
the compilation are found with where each part lies, in report.json and in the HTML report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.hashing.video_clips import build_clips
from warden.cli import main
from warden.hashing.video import hash_video, vpdq_available
from warden.model.hashes import vpdq_to_text

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not vpdq_available(), reason="vpdq is not installed")]

CATEGORIES = {"chair": ("A", "K-CHAIR"), "pattern": ("B", "K-PATTERN"), "doorknob": ("C", "K-DOORKNOB")}


def test_a_scan_shows_excerpts_and_compilations_with_their_ranges(tmp_path: Path) -> None:
    clips = build_clips(tmp_path / "clips")
    rows = ["md5,sha1,sha256,pdq,category,source_id,vpdq"]
    for name, path in clips.originals.items():
        category, source_id = CATEGORIES[name]
        rows.append(f",,,,{category},{source_id},{vpdq_to_text(hash_video(path))}")
    hashset = tmp_path / "videos.csv"
    hashset.write_text("\n".join(rows) + "\n")
    evidence = tmp_path / "exhibit"
    evidence.mkdir()
    for kind in ("excerpt", "compilation", "mirrored", "letterboxed"):
        shutil.copy(clips.copies[kind], evidence / f"{kind}.mp4")
    case = tmp_path / "case"

    code = main(
        ["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--workers", "1", "--quiet"]
    )

    assert code == 0
    report = json.loads((case / "report.json").read_text())
    items = {item["path"]: item for item in report["items"]}
    assert all(item["error"] is None for item in items.values())
    excerpt = items["excerpt.mp4"]
    assert excerpt["category"] == "A" and excerpt["match"]["kind"] == "vpdq"
    (part,) = excerpt["video_parts"]
    assert part["source_id"] == "K-CHAIR" and part["category"] == "A"
    assert part["text"].startswith("00:00-00:1") and " of the item = 00:0" in part["text"]
    assert part["text"].endswith("-00:22 of K-CHAIR")
    compilation = items["compilation.mp4"]
    assert compilation["category"] == "A" and compilation["matches"] == 2  # the most serious part decides
    assert [(part["source_id"], part["category"]) for part in compilation["video_parts"]] == [
        ("K-PATTERN", "B"),
        ("K-CHAIR", "A"),
    ]
    pattern, chair = compilation["video_parts"]
    assert pattern["text"].startswith("00:00-00:0") and " = 00:00-00:0" in pattern["text"]
    assert chair["text"].startswith(("00:06", "00:07"))
    assert chair["text"].endswith("= 00:00-00:22 of K-CHAIR")
    assert items["mirrored.mp4"]["match"]["variant"] == "mirrored"
    assert items["letterboxed.mp4"]["match"]["variant"] == "trimmed-letterbox"

    html = (case / "report.html").read_text()
    for text in (part["text"], pattern["text"], chair["text"]):
        assert text in html
    csv = (case / "report.csv").read_text()
    assert f"{pattern['text']} (category B); {chair['text']} (category A)" in csv

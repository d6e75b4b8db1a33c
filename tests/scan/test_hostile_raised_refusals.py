"""Issue 8 follow-up: refusals by nesting depth and by a disk image's limits name their limit, and a rerun
with that limit raised for the exhibit examines what they refused, as archives' refusals already were.

Before, ``nested more than 8 deep`` and a disk image's ``more files not listed`` did not say which setting
refused them, so ``--raise-limit`` could not name them (nesting was not raisable at all) and a rerun never
examined them again. Evidence is benign (shared photos), listed in a made-up hash set.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.evidence import images
from tests.evidence.archives import zip_of
from tests.scan.listed_scan import read_report, scan_listed


def _stills_a(case: Path) -> int:
    count: int = read_report(case)["summary"]["by_category"]["A"]["stills_files"]
    return count


def test_a_container_nested_too_deep_is_examined_again_with_max_nesting_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = images.photo_bytes("goldfish")
    seized, case = tmp_path / "seized", tmp_path / "case"
    seized.mkdir()
    (seized / "outer.zip").write_bytes(zip_of({"inner.zip": zip_of({"photo.jpg": photo})}))
    monkeypatch.setenv("WARDEN_MAX_NESTING", "1")

    assert scan_listed(seized, photo, case) == 0
    [refused] = [
        entry for entry in read_report(case)["not_examined"] if entry["path"] == "outer.zip//inner.zip"
    ]
    assert refused["reason"].endswith(
        "zip nested more than 1 deep: not opened (limit max_nesting=1; raise it for this exhibit: "
        "--raise-limit 'seized:max_nesting=N', N > 1)"
    )
    assert _stills_a(case) == 0

    assert scan_listed(seized, photo, case, "--raise-limit", "seized:nesting=2") == 0
    report = read_report(case)
    paths = {item["path"] for item in report["items"]}
    assert "outer.zip//inner.zip//photo.jpg" in paths
    assert not any(path.endswith("(unreadable)") for path in paths)
    assert not [entry for entry in report["not_examined"] if entry["path"] == "outer.zip//inner.zip"]
    assert _stills_a(case) == 1
    [raised] = report["method"]["raised_limits"]
    assert (raised["limit"], raised["default"], raised["value"]) == ("max_nesting", 1, 2)
    assert [entry["path"] for entry in raised["refused_before"]] == ["outer.zip//inner.zip//(unreadable)"]


def test_files_a_disk_image_did_not_list_are_examined_again_with_max_members_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    fat16 = images.fat16()
    seized, case = tmp_path / "fat16.img", tmp_path / "case"
    shutil.copyfile(fat16.path, seized)
    wanted = list(fat16.facts["live"])
    photo = images.photo_bytes("shark")
    monkeypatch.setenv("WARDEN_MAX_MEMBERS", "2")
    monkeypatch.setenv("WARDEN_CARVE", "0")

    assert scan_listed(seized, photo, case) == 0
    [more] = [entry for entry in read_report(case)["not_examined"] if entry["path"] == "fat16.img//(more)"]
    assert more["reason"] == (
        "4 more files not listed: over the limit of 2 per file system (limit max_members=2; raise it for "
        "this exhibit: --raise-limit 'fat16.img:max_members=N', N > 2)"
    )
    assert _stills_a(case) == 0

    assert scan_listed(seized, photo, case, "--raise-limit", "fat16.img:max_members=1000") == 0
    report = read_report(case)
    paths = {item["path"] for item in report["items"]}
    assert "fat16.img//(more)" not in paths and not report["not_examined"]
    assert {f"fat16.img//{path}" for path in wanted} <= paths
    assert _stills_a(case) == 1
    [raised] = report["method"]["raised_limits"]
    assert [entry["path"] for entry in raised["refused_before"]] == ["fat16.img//(more)"]

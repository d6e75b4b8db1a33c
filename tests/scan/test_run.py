"""``warden scan`` end to end as an examiner runs it: every copy found, exact counts, evidence untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.scan.conftest import store_env
from warden.cli import main
from warden.demo import DemoCase


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Content hash and modification time of every file below ``folder``."""
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def scanned(unseen_case: DemoCase, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("scan")
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, root)
        before = snapshot(unseen_case.evidence)
        code = main(
            [
                "scan",
                str(unseen_case.evidence),
                "--hashset",
                str(unseen_case.hashset),
                "--case",
                str(root / "case"),
                "--workers",
                "2",
                "--quiet",
            ]
        )
        after = snapshot(unseen_case.evidence)
    assert code == 0
    report = json.loads((root / "case" / "report.json").read_text())
    return {"report": report, "before": before, "after": after, "case": root / "case"}


@pytest.mark.slow
def test_every_copy_is_found_with_its_category_and_nothing_else_matches(
    unseen_case: DemoCase, scanned: dict[str, Any]
) -> None:
    items = {item["path"]: item for item in scanned["report"]["items"]}
    assert set(unseen_case.expected) <= set(items)
    # Beyond the files themselves, only the EXIF thumbnails some of the photos carry.
    extra = set(items) - set(unseen_case.expected)
    assert all(items[path]["state"] == "thumbnail" for path in extra)
    assert all(items[path]["parent"] in unseen_case.expected for path in extra)
    for path, expected in unseen_case.expected.items():
        item = items[path]
        if expected == "error":
            assert item["error"], path
            assert item["category"] is None, path
        elif expected is None:
            assert item["category"] is None, path
            assert item["match"] is None, f"{path} matched {item['match']}"
        else:
            assert item["category"] == expected, f"{path}: {item['match']}"


@pytest.mark.slow
def test_counts_per_category_are_exact(unseen_case: DemoCase, scanned: dict[str, Any]) -> None:
    assert scanned["report"]["summary"]["by_category"] == unseen_case.expected_counts()
    summary = scanned["report"]["summary"]
    thumbnails = sum(1 for item in scanned["report"]["items"] if item["state"] == "thumbnail")
    assert summary["files_total"] == len(unseen_case.expected) + thumbnails
    assert summary["errors"] == sum(1 for c in unseen_case.expected.values() if c == "error")


@pytest.mark.slow
def test_each_match_says_how_it_was_made(scanned: dict[str, Any]) -> None:
    matched = [i for i in scanned["report"]["items"] if i["match"]]
    kinds = {i["match"]["kind"] for i in matched}
    assert kinds == {"exact", "pdq", "vpdq"}
    for item in matched:
        match = item["match"]
        if match["kind"] == "exact":
            assert match["distance"] == 0
        if match["kind"] == "pdq":
            assert 0 <= match["distance"] <= 31
            assert match["variant"]
        assert match["hashset"] and match["source_id"].startswith("DEMO-")
    variants = {i["match"]["variant"] for i in matched if i["match"]["kind"] == "pdq"}
    assert any(v.startswith("trimmed") for v in variants)
    assert variants - {"original"} - {v for v in variants if v.startswith("trimmed")}, (
        "no rotation/flip matched"
    )


@pytest.mark.slow
def test_the_scan_never_writes_into_the_evidence(scanned: dict[str, Any]) -> None:
    assert scanned["before"] == scanned["after"]


@pytest.mark.slow
def test_reports_are_written_beside_the_database(scanned: dict[str, Any]) -> None:
    case: Path = scanned["case"]
    for name in ("case.db", "report.json", "report.html", "report.csv", "warden.log"):
        assert (case / name).is_file(), name
    html = (case / "report.html").read_text()
    assert "<img" not in html.lower()
    assert "Counts by category" in html
    csv_lines = (case / "report.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(scanned["report"]["items"])


@pytest.mark.slow
def test_neither_case_nor_store_holds_the_hash_set_in_clear(
    unseen_case: DemoCase, scanned: dict[str, Any]
) -> None:
    """The store holds only sealed entries and keyed hashes; the case holds only the evidence's own hashes."""
    rows = [line.split(",") for line in unseen_case.hashset.read_text().splitlines()[1:]]
    in_evidence = set(unseen_case.sha1.values())
    store = scanned["case"].parent / "store"
    store_blob = b"".join(p.read_bytes() for p in store.rglob("*") if p.is_file())
    case_blob = b"".join(p.read_bytes() for p in scanned["case"].rglob("*") if p.is_file())
    for md5, sha1, sha256, pdq, *_ in rows:
        for value in (md5, sha1, sha256, pdq):
            if value:
                assert value.encode() not in store_blob
                assert bytes.fromhex(value) not in store_blob
        if sha1 not in in_evidence:
            for value in (md5, sha1, sha256):
                assert value.encode() not in case_blob


def test_a_case_folder_inside_the_evidence_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = tmp_path / "exhibit"
    evidence.mkdir()
    (evidence / "a.txt").write_text("x")
    listed = tmp_path / "set.csv"
    listed.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 32 + ",,,,A,1\n")
    code = main(
        ["scan", str(evidence), "--hashset", str(listed), "--case", str(evidence / "case"), "--quiet"]
    )
    assert code == 2
    assert "never writes into what it scans" in capsys.readouterr().err
    assert sorted(p.name for p in evidence.iterdir()) == ["a.txt"]


def test_known_good_files_are_counted_never_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.hashsets.samples import nsrl_db

    evidence = tmp_path / "exhibit"
    evidence.mkdir()
    library = evidence / "library.dll"
    library.write_bytes(b"MZ" + bytes(5000))
    (evidence / "notes.txt").write_text("unknown")
    digest = hashlib.sha1(library.read_bytes()).hexdigest()
    row = (
        hashlib.sha256(library.read_bytes()).hexdigest().upper(),
        digest.upper(),
        hashlib.md5(library.read_bytes()).hexdigest().upper(),
        "0",
        "library.dll",
        5002,
        7,
    )
    rds = nsrl_db(tmp_path / "RDS.db", [row])
    assert main(["hashset", "import", str(rds), "--name", "nsrl"]) == 0
    code = main(["scan", str(evidence), "--hashset", "nsrl", "--case", str(tmp_path / "case"), "--quiet"])
    assert code == 0
    report = json.loads((tmp_path / "case" / "report.json").read_text())
    items = {item["path"]: item for item in report["items"]}
    assert report["summary"]["known_good"] == 1
    assert items["library.dll"]["match"]["category"] == "known_good"
    assert items["library.dll"]["category"] is None
    assert items["notes.txt"]["match"] is None

"""What was not examined, and files of zero bytes, are facts listed and counted apart from the errors."""

from __future__ import annotations

from pathlib import Path

from warden.case.folder import Case
from warden.case.items import load_items, write_items
from warden.model.records import ItemError, ItemRecord, Media
from warden.report.contract import CaseHeader, build_report
from warden.report.writers import WRITERS

EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _unopened(container: str, format_name: str, reason: str) -> ItemRecord:
    """The record the walk makes of a container it could not open."""
    return ItemRecord(
        evidence="ex1",
        path=f"{container}//(unreadable)",
        parent=container,
        provenance=[
            {"kind": "file", "name": container, "detail": {}},
            {"kind": "error", "name": "(unreadable)", "detail": {"container": format_name}},
        ],
        not_examined=reason,
    )


def _items() -> list[ItemRecord]:
    encrypted = ItemRecord(
        evidence="ex1",
        path="a.zip//secret.jpg",
        parent="a.zip",
        provenance=[{"kind": "member", "name": "secret.jpg", "detail": {"archive": "zip"}}],
        not_examined="encrypted, cannot be read without the password",
    )
    broken = ItemRecord(evidence="ex1", path="broken.png", media=Media.STILL, md5="m1", size=10)
    broken.errors.append(ItemError("decode", "damaged PNG: the IDAT chunk at byte 33 fails its CRC check"))
    return [
        _unopened("cut.E01", "e01", "cannot be read as e01: E01 is truncated or corrupt"),
        encrypted,
        broken,
        ItemRecord(evidence="ex1", path="empty.jpg", size=0, md5=EMPTY_MD5, sha1="s0"),
        ItemRecord(evidence="ex1", path="photo.jpg", media=Media.STILL, size=900, md5="m2", sha1="s2"),
    ]


def _report() -> dict[str, object]:
    header = CaseHeader(
        "case-1", "2026-12-03T00:00:00Z", [{"label": "ex1", "path": "/ev", "kind": "folder"}], []
    )
    return build_report(header, _items())


def test_facts_are_counted_apart_from_errors() -> None:
    report = _report()
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert (summary["files_total"], summary["errors"]) == (5, 1)
    assert (summary["not_examined"], summary["zero_byte_files"]) == (2, 1)
    exhibit = report["exhibits"][0]  # type: ignore[index]
    assert (exhibit["errors"], exhibit["not_examined"], exhibit["zero_byte_files"]) == (1, 2, 1)


def test_each_unopened_container_is_listed_with_its_format_and_reason() -> None:
    report = _report()
    encrypted = "encrypted, cannot be read without the password"
    damaged = "cannot be read as e01: E01 is truncated or corrupt"
    assert report["not_examined"] == [
        {"evidence": "ex1", "path": "a.zip//secret.jpg", "format": "zip", "reason": encrypted},
        {"evidence": "ex1", "path": "cut.E01", "format": "e01", "reason": damaged},
    ]
    items = {item["path"]: item for item in report["items"]}  # type: ignore[attr-defined]
    unopened = items["cut.E01//(unreadable)"]
    assert unopened["error"] is None and "E01 is truncated" in unopened["not_examined"]
    assert items["broken.png"]["not_examined"] is None and "CRC" in items["broken.png"]["error"]
    assert items["empty.jpg"]["error"] is None


def test_the_court_report_lists_what_was_not_examined() -> None:
    html = WRITERS.get("html").render(_report()).decode()
    section = html[html.index('id="not-examined"') :]
    section = section[: section.index("</section>")]
    assert "ex1/cut.E01" in section and "E01 is truncated or corrupt" in section
    assert "ex1/a.zip//secret.jpg" in section and "without the password" in section
    assert "Files of zero bytes (counted, holding no image): 1" in section
    assert "Containers and members not examined (listed with the reason)" in html
    assert "Files of zero bytes (holding no image)" in html


def test_the_case_keeps_why_an_item_was_not_examined_and_reads_older_cases_alike(tmp_path: Path) -> None:
    case = Case.open(tmp_path / "case", create=True)
    evidence = case.add_evidence("ex1", "/ev", "folder", None, None)
    scan = case.start_scan({})
    older = _unopened("old.zip", "zip", "")
    older.not_examined = None  # a format-3 case recorded it as an error of stage "evidence"
    older.errors.append(ItemError("evidence", "cannot be read as zip: zip archive cannot be read"))
    empty = ItemRecord(evidence="ex1", path="old-empty.jpg", size=0, md5=EMPTY_MD5)
    empty.errors.append(ItemError("read", "the file is empty (0 bytes)"))  # as format 3 recorded it
    link = ItemRecord(
        evidence="ex1", path="link", provenance=[{"kind": "file", "name": "link", "detail": {}}]
    )
    link.errors.append(ItemError("evidence", "symbolic link to '/etc', not followed"))
    with case.engine.begin() as connection:
        write_items(
            connection,
            [(evidence, item) for item in [*_items(), older, empty, link]],
            scan_id=scan,
            hashset_ids={},
        )
    loaded = {item.path: item for item in load_items(case.engine)}
    assert (
        loaded["cut.E01//(unreadable)"].not_examined == "cannot be read as e01: E01 is truncated or corrupt"
    )
    assert loaded["cut.E01//(unreadable)"].errors == []
    assert loaded["old.zip//(unreadable)"].not_examined == "cannot be read as zip: zip archive cannot be read"
    assert loaded["old.zip//(unreadable)"].errors == []
    assert loaded["a.zip//secret.jpg"].not_examined is not None
    assert [error.stage for error in loaded["link"].errors] == ["evidence"] and loaded[
        "link"
    ].not_examined is None
    assert [error.stage for error in loaded["broken.png"].errors] == ["decode"]
    assert loaded["old-empty.jpg"].errors == [] and loaded["old-empty.jpg"].size == 0


def test_the_csv_says_why_an_item_was_not_examined() -> None:
    import csv
    import io

    from warden.report.writers import render_csv

    rows = list(csv.DictReader(io.StringIO(render_csv(_report()).decode())))  # type: ignore[arg-type]
    by_path = {row["path"]: row for row in rows}
    assert "E01 is truncated" in by_path["cut.E01//(unreadable)"]["not_examined"]
    assert by_path["cut.E01//(unreadable)"]["error"] == ""
    assert by_path["photo.jpg"]["not_examined"] == ""

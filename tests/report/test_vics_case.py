"""The case as a VICS 2.0 case export: one Media record per content, a MediaFiles record per copy, read back
by the project's own VICS reader with the same categories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.report.cases import build_small_case
from warden.errors import UsageError
from warden.hashsets.readers import read_hashset
from warden.model.categories import Category
from warden.report.case_report import write_reports


def test_the_export_reads_back_with_every_content_once_and_its_category(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    report, written = write_reports(small.case, ["vics"])
    back = read_hashset(written["vics"], "back")
    assert back.format == "vics" and back.profile == "uk"
    by_md5 = {entry.md5: entry for entry in back.entries}
    items = {f"{i['evidence']}/{i['path']}": i for i in report["items"]}
    expected = {
        "laptop/DCIM/a.jpg": Category.A,
        "laptop/b.png": Category.B,
        "laptop/c.jpg": Category.C,  # disputed, still its grade until changed
        "laptop/d.jpg": Category.UNCATEGORISED,
        "laptop/e.jpg": Category.NOT_INDECENT,
        "phone/f.jpg": Category.C,
    }
    assert {by_md5[items[path]["md5"]].category for path in expected} == set(expected.values())
    for path, category in expected.items():
        assert by_md5[items[path]["md5"]].category is category, path
    assert len(back.entries) == len(expected)  # copies share one record; the text file is not media
    assert by_md5[items["phone/f.jpg"]["md5"]].pdq == items["phone/f.jpg"]["pdq"]


def test_each_copy_is_a_media_file_with_where_and_how_it_was_found(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    _, written = write_reports(small.case, ["vics"])
    document = json.loads(written["vics"].read_text())
    assert document["@odata.context"].endswith("/2.0.xml/UK/$metadata#Cases")
    case = document["value"][0]
    assert case["CaseID"] == small.case.id and case["TotalMediaFiles"] == 8
    listed = next(media for media in case["Media"] if len(media["MediaFiles"]) == 3)
    assert listed["Category"] == 1 and listed["IsPrecategorized"] is True
    files = {(f["FilePath"], f["FileName"]): f for f in listed["MediaFiles"]}
    assert set(files) == {
        ("laptop/DCIM", "a.jpg"),
        ("laptop/Downloads", "a-copy.jpg"),
        ("phone/old", "a.jpg"),
    }
    assert files[("phone/old", "a.jpg")]["Deleted"] is True and files[("phone/old", "a.jpg")]["SourceID"] == 2
    assert files[("laptop/DCIM", "a.jpg")]["Written"] == "2026-01-02T03:04:05.000000Z"
    assert not any(f["Unallocated"] for f in listed["MediaFiles"])
    graded = next(
        media for media in case["Media"] if media.get("Comments") == "category established by grade-confirmed"
    )
    assert graded["IsPrecategorized"] is False and graded["Category"] == 2


def test_a_profile_without_a_number_for_a_category_is_refused(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    # The Project VIC US scheme has no number for the UK categories (it lists abuse material as 1, whatever
    # its UK category): exporting a UK case through it would lose them, so it is refused.
    with pytest.raises(UsageError, match="no number for A"):
        write_reports(small.case, ["vics"], profile="us")

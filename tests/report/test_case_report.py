"""The court report's data from a real case: the indictment adds up over the exhibits, every count says how
it was established, a disputed grade is shown as such, and the JSON is the same however often written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.report.cases import SmallCase, build_small_case
from tests.report.test_contract import undocumented
from warden import __version__
from warden.case import schema
from warden.case.audit_verify import check_chain
from warden.report.case_report import build_case_report, write_reports
from warden.validation.store import save_result


@pytest.fixture
def small(tmp_path: Path) -> SmallCase:
    return build_small_case(tmp_path)


def test_writing_the_report_again_gives_the_same_json_byte_for_byte(small: SmallCase) -> None:
    _, first = write_reports(small.case, ["json"])
    once = first["json"].read_bytes()
    _, second = write_reports(small.case, ["json", "html"])
    assert second["json"].read_bytes() == once
    report = json.loads(once)
    assert all(event["action"] != "report.write" for event in report["continuity"]["events"])
    with small.case.engine.connect() as connection:
        written = connection.execute(
            schema.audit_log.select().where(schema.audit_log.c.action == "report.write")
        ).all()
        assert len(written) == 2 and check_chain(connection).verified


def test_indictment_totals_equal_the_sum_over_exhibits(small: SmallCase) -> None:
    report = build_case_report(small.case)
    counts = report["indictment"]["counts"]
    assert {name: row["total"] for name, row in counts.items()} == {"A": 3, "B": 1, "C": 2}
    for name, row in counts.items():
        exhibits = [exhibit["by_category"][name] for exhibit in report["exhibits"]]
        assert row["stills"] == sum(counts_["stills_files"] for counts_ in exhibits)
        assert row["movies"] == sum(counts_["movies_files"] for counts_ in exhibits)
    # The listed image is on both exhibits: one distinct image in the indictment, one on each exhibit.
    assert counts["A"]["distinct_stills"] == 1
    assert [e["by_category"]["A"]["stills_unique"] for e in report["exhibits"]] == [1, 1]
    assert report["indictment"]["total"] == 6 and report["indictment"]["most_serious"] == "A"
    assert [(e["number"], e["label"]) for e in report["exhibits"]] == [(1, "laptop"), (2, "phone")]


def test_each_count_says_how_it_was_established(small: SmallCase) -> None:
    report = build_case_report(small.case)
    files = {
        how: {name: c["stills_files"] for name, c in counts.items() if c["stills_files"]}
        for how, counts in report["summary"]["by_established"].items()
    }
    assert files == {
        "hashset-exact": {"A": 3},
        "hashset-pdq": {"C": 1},
        "grade-confirmed": {"B": 1},
        "grade-disputed": {"C": 1},
    }
    phone = report["exhibits"][1]["by_established"]
    assert phone["hashset-pdq"]["C"]["stills_files"] == 1


def test_a_disputed_grade_is_shown_as_such(small: SmallCase) -> None:
    report, written = write_reports(small.case, ["json", "html"])
    item = next(i for i in report["items"] if i["path"] == "c.jpg")
    assert item["established_by"] == "grade-disputed" and item["grade"]["status"] == "disputed"
    html = written["html"].read_text()
    assert "Disputed grades" in html and "DISPUTED by a second reviewer" in html
    assert "looks like category B" in html
    disputes = [e for e in report["continuity"]["events"] if e["action"] == "grade.dispute"]
    assert len(disputes) == 1 and disputes[0]["actor"] == "rob"
    assert "laptop/c.jpg" in disputes[0]["summary"] and "looks like category B" in disputes[0]["summary"]


def test_who_did_what_counts_grades_reviews_and_logins_per_person(small: SmallCase) -> None:
    people = build_case_report(small.case)["continuity"]["by_person"]
    assert people["ann"]["graded_items"] == 3 and people["ann"]["logins"] == 1
    assert (people["rob"]["confirmed"], people["rob"]["disputed"]) == (1, 1)
    events = build_case_report(small.case)["continuity"]["events"]
    actions = [event["action"] for event in events]
    assert actions[:6] == [
        "case.create",
        "hashsets.select",
        "evidence.add",
        "evidence.add",
        "scan.start",
        "scan.completed",
    ]
    assert "grade" not in actions and "login" not in actions


def test_method_gives_the_scans_thresholds_and_says_when_no_validation_is_stored(small: SmallCase) -> None:
    method = build_case_report(small.case)["method"]
    assert method["thresholds"] == {"pdq_distance": 31, "pdq_min_quality": 50, "vpdq_percent": 80.0}
    assert method["scans"][0]["status"] == "completed" and method["scans_agree"]
    assert method["tool"]["version"] == __version__
    assert method["validation"]["stored"] is False
    assert "warden validate" in method["validation"]["note"]
    assert any(limit["id"] == "crops" for limit in method["known_limits"])


def test_a_stored_validation_is_quoted_with_its_date_and_version(small: SmallCase) -> None:
    save_result(
        {"tool": {"name": "warden", "version": "0.0.1"}, "date": "2026-01-01T00:00:00Z", "passed": True}
    )
    validation = build_case_report(small.case)["method"]["validation"]
    assert validation["stored"] and validation["passed"]
    assert validation["date"] == "2026-01-01T00:00:00Z"
    assert validation["same_version"] is False and "run `warden validate` again" in validation["note"]


def test_continuity_names_who_added_the_evidence_and_shows_a_broken_chain(small: SmallCase) -> None:
    continuity = build_case_report(small.case)["continuity"]
    assert [e["added_by"] is not None for e in continuity["evidence"]] == [True, True]
    assert continuity["audit"]["verified"] and continuity["audit"]["problem"] is None
    with small.case.engine.begin() as connection:
        connection.execute(update(schema.audit_log).where(schema.audit_log.c.id == 6).values(detail="{}"))
    report, written = write_reports(small.case, ["json", "html"])
    audit = report["continuity"]["audit"]
    assert audit["verified"] is False and audit["problem"]["id"] == 6
    assert "Audit chain BROKEN" in written["html"].read_text()


def test_the_court_html_holds_no_image_script_or_link(small: SmallCase) -> None:
    _, written = write_reports(small.case, ["html"], annex=True)
    html = written["html"].read_text().lower()
    for banned in ("<img", "<script", "<a ", "src=", "url("):
        assert banned not in html, banned
    assert "contains no image of the material" in html


def test_csv_carries_how_each_category_was_established(small: SmallCase) -> None:
    _, written = write_reports(small.case, ["csv"])
    header, *rows = written["csv"].read_text().splitlines()
    assert header.endswith("state,established_by,grade_by,grade_status,audit_anchor,not_examined,video_parts")
    disputed = next(row for row in rows if row.startswith("laptop,c.jpg,"))
    assert ",live,grade-disputed,ann,disputed," in disputed


def test_every_field_of_a_case_report_is_documented(small: SmallCase) -> None:
    save_result({"tool": {"name": "warden", "version": __version__}, "date": "2026-01-01T00:00:00Z"})
    assert undocumented(build_case_report(small.case)) == set()


def test_a_scan_run_that_recorded_nothing_changes_no_report(small: SmallCase) -> None:
    before = build_case_report(small.case)
    again = small.case.start_scan({"hashsets": ["listed"], "pdq_distance": 20})
    small.case.finish_scan(again, "completed", {"hashed": 0, "items": 9})
    assert build_case_report(small.case) == before
    with small.case.engine.connect() as connection:
        assert check_chain(connection).verified

"""The report's ``sentencing`` object, built from a case's counts."""

from __future__ import annotations

import json
from datetime import date

from tests.sentencing.reports import report_with
from warden.sentencing.facts import Dates
from warden.sentencing.section import SectionOptions, sentencing_section

COUNTS = {"A": (40, 30, 10, 8), "B": (150, 150, 0, 0), "C": (1494, 1200, 0, 0)}


def test_counts_are_files_of_stills_and_moving_images_with_distinct_beside_them() -> None:
    section = sentencing_section(report_with(COUNTS))
    assert section["counts"]["A"] == {"images": 50, "stills": 40, "movies": 10, "distinct": 38}
    assert section["counts"]["total"] == 1694
    assert "every copy" in section["counts"]["basis"]


def test_without_a_charge_every_offence_is_assessed_for_the_same_category() -> None:
    section = sentencing_section(report_with(COUNTS))
    assert [a["offence"]["id"] for a in section["assessments"]] == [
        "possession",
        "distribution",
        "production",
    ]
    assert section["category"] == "A"
    assert [a["starting_point"]["text"] for a in section["assessments"]] == [
        "1 year's custody",
        "3 years' custody",
        "6 years' custody",
    ]


def test_without_dates_the_case_creation_date_stands_in_and_says_so() -> None:
    section = sentencing_section(report_with(COUNTS, created="2026-05-01T00:00:00Z"))
    possession = section["assessments"][0]
    assert possession["inputs"]["dates"]["conviction"] == "2026-05-01"
    assert "the date the case was created" in possession["inputs"]["dates"]["assumptions"][0]
    assert possession["suspension"]["limit"] == "3 years"  # the 2026 Act, by that date


def test_the_same_report_gives_the_same_section() -> None:
    first = json.dumps(sentencing_section(report_with(COUNTS)), sort_keys=True)
    assert json.dumps(sentencing_section(report_with(COUNTS)), sort_keys=True) == first


def test_shared_parts_are_given_once_for_the_section() -> None:
    section = sentencing_section(report_with(COUNTS))
    assert section["notice"].startswith("This is not a sentence")
    assert section["sources"] and section["unverified"] and section["cannot_know"]
    for assessment in section["assessments"]:
        assert "sources" not in assessment and "notice" not in assessment


def test_a_case_without_indecent_images_is_not_assessed() -> None:
    section = sentencing_section(report_with({}))
    assert section["category"] is None
    assert all(not a["applicable"] for a in section["assessments"])


def test_an_offence_that_cannot_be_assessed_is_recorded_not_raised() -> None:
    options = SectionOptions(offences=("possession",), dates=Dates.from_given(date(2013, 1, 1)))
    section = sentencing_section(report_with(COUNTS), options)
    assert section["assessments"] == [
        {
            "offence": {
                "id": "possession",
                "name": "possession of an indecent photograph or pseudo-photograph of a child",
            },
            "applicable": False,
            "reason": "no guideline data for 2013-01-01 (the data begins 2014-04-01)",
        }
    ]

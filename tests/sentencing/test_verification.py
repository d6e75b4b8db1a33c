"""Issue 8, point 26: figures read in a primary source are verified (with the source and the date read), the
rest stay unverified, and an output made without the dates says at its top which law it assumed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner

from tests.sentencing.data import raw_files
from tests.sentencing.reports import report_with
from warden.cli.sentence import sentence_command
from warden.sentencing.build import build_law, checks
from warden.sentencing.bundled import bundled_law
from warden.sentencing.facts import Dates
from warden.sentencing.html import render_section_html
from warden.sentencing.section import SectionOptions, sentencing_section
from warden.sentencing.text import ASSUMED_HEADING, render_section_text

READ = "2026-12-03"


@pytest.mark.parametrize(
    ("figure", "source", "address"),
    [
        ("maximum, possession", "cja-1988-s160", "legislation.gov.uk/ukpga/1988/33/"),
        ("two-year-limit: limits", "sa-2020-s277", "legislation.gov.uk/ukpga/2020/17/"),
        ("two-year-limit: commencement", "si-2012-2906", "legislation.gov.uk/uksi/2012/2906/article/2/"),
        ("sentencing-act-2026: commencement", "sa-2026-s49", "legislation.gov.uk/ukpga/2026/2/section/49"),
        ("soa-2003-s82: follows the sentence imposed", "soa-2003-s82", "legislation.gov.uk/ukpga/2003/42/"),
    ],
)
def test_figures_read_in_a_primary_source_are_verified_with_its_address_and_the_date_read(
    figure: str, source: str, address: str
) -> None:
    law = bundled_law()
    check = dict(checks(law))[figure]
    assert check.verified, figure
    assert source in check.sources
    read = law.sources[source]
    assert read.primary and read.read == READ and address in read.url
    assert READ in check.reason  # the figure says when it was read


@pytest.mark.parametrize(
    "figure",
    [
        "maximum, distribution",  # s.6 PCA 1978 not in the stored corpus
        "maximum, production",
        "maximum from, possession",  # the date (2A) was inserted was not in the part read
        "sentencing-act-2026: limits",  # section 2 of the 2026 Act not in the stored corpus
        "sentencing-act-2026: governing date",
        "two-year-limit: governing date",  # the Explanatory Notes, not the Act
    ],
)
def test_figures_without_a_primary_reading_stay_unverified_and_say_why(figure: str) -> None:
    check = dict(checks(bundled_law()))[figure]
    assert not check.verified
    assert check.reason


def test_the_explanatory_notes_are_not_counted_as_primary() -> None:
    assert bundled_law().sources["laspo-2012-en"].primary is False


@pytest.mark.parametrize(
    ("sources", "read"),
    [(["sentencing-academy-sso", "sahota-2026"], "2026-11-28"), (["sa-2020-s277"], None)],
)
def test_a_figure_marked_verified_without_a_primary_source_that_was_read_is_refused(
    sources: list[str], read: str | None
) -> None:
    files = raw_files()
    for source in files["sources"]["sources"]:
        if source["id"] in sources:
            source["read"] = read
    version = files["suspension"]["versions"][1]
    version["check"] = {"verified": True, "sources": sources, "reason": "commentary agrees"}
    with pytest.raises(ValueError, match="cites no primary source that was read"):
        build_law(files)


# Which law was assumed ----------------------------------------------------------------------------------

NEWS = ["--offence", "possession", "--a", "50", "--b", "150", "--c", "1494"]


def run(*args: str) -> str:
    result = CliRunner().invoke(sentence_command, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_without_dates_the_top_of_the_output_says_which_suspension_regime_was_assumed() -> None:
    out = run(*NEWS, "--date", "2025-09-01")
    top = out[: out.index("Offence:")]  # before any figure
    assert ASSUMED_HEADING in top
    assert "Suspension: Suspended sentence orders: terms of 14 days to 2 years" in " ".join(top.split())
    assert "were taken as 2025-09-01 (--date)" in " ".join(top.split())
    assert "A conviction date on or after 2026-03-22 would bring instead: Sentencing Act 2026" in " ".join(
        top.split()
    )
    assert top.index("This is not a sentence") < top.index(ASSUMED_HEADING)  # the notice still leads


def test_an_assumed_conviction_after_22_march_2026_names_the_2026_regime() -> None:
    top = " ".join(run(*NEWS, "--date", "2026-05-01").split("Offence:")[0].split())
    assert "Suspension: Sentencing Act 2026" in top
    assert "Before 2026-03-22 the rule was: Suspended sentence orders: terms of 14 days to 2 years" in top


def test_a_sentence_date_alone_says_the_conviction_date_was_taken_from_it() -> None:
    top = " ".join(run(*NEWS, "--sentence-date", "2026-04-01").split("Offence:")[0].split())
    assert "the conviction date was not given and was taken as 2026-04-01 (the sentence date given)" in top


def test_with_every_date_given_nothing_is_assumed() -> None:
    out = run(
        *NEWS, "--conviction-date", "2025-09-01", "--sentence-date", "2025-10-01",
        "--first-hearing-date", "2025-06-01", "--offence-date", "2024-01-01", "--json",
    )  # fmt: skip
    assert '"assumed_law": []' in out
    text = run(
        *NEWS, "--conviction-date", "2025-09-01", "--sentence-date", "2025-10-01",
        "--first-hearing-date", "2025-06-01", "--offence-date", "2024-01-01",
    )  # fmt: skip
    assert ASSUMED_HEADING not in text


def test_only_a_missing_sentence_date_is_named_when_the_conviction_date_was_given() -> None:
    given = ["--conviction-date", "2026-03-21", "--first-hearing-date", "2026-01-05"]
    out = run(*NEWS, *given, "--offence-date", "2025-01-01")
    top = " ".join(out.split("Offence:")[0].split())
    assert "the sentence date was not given and was taken as 2026-03-21 (the conviction date)" in top
    assert "conviction date was not given" not in top


COUNTS = {"A": (40, 30, 10, 8), "B": (150, 150, 0, 0), "C": (1494, 1200, 0, 0)}


def _section(**options: Any) -> dict[str, Any]:
    return sentencing_section(report_with(COUNTS, created="2025-09-01T10:00:00Z"), SectionOptions(**options))


def test_the_reports_sentencing_section_says_which_regime_was_assumed_once_at_its_top() -> None:
    section = _section()
    assumed = " ".join(section["assumed_law"])
    assert "Suspension: Suspended sentence orders: terms of 14 days to 2 years" in assumed
    assert "the date the case was created" in assumed
    assert all("assumed_law" not in a for a in section["assessments"])  # said once, for the section
    text = render_section_text(section)
    assert text.index(ASSUMED_HEADING) < text.index("Counts:")
    html = render_section_html(section)
    assert html.index(ASSUMED_HEADING) < html.index("Counts used")
    assert '<div class="assumed">' in html


def test_a_report_with_every_date_given_assumes_nothing() -> None:
    dates = Dates.from_given(
        date(2025, 9, 1), conviction=date(2025, 9, 1), sentence=date(2025, 10, 1),
        first_hearing=date(2025, 6, 1), offence=date(2024, 1, 1),
    )  # fmt: skip
    section = _section(dates=dates)
    assert section["assumed_law"] == []
    assert ASSUMED_HEADING not in render_section_text(section)
    assert "assumed" not in render_section_html(section)

"""The steps as a reader sees them: in the terminal and in the court report's HTML."""

from __future__ import annotations

import re
from datetime import date

from tests.sentencing.reports import report_with
from warden.sentencing.bundled import bundled_law
from warden.sentencing.duration import parse_disposal
from warden.sentencing.engine import assess
from warden.sentencing.facts import CaseFacts, Dates, ImageCounts
from warden.sentencing.html import render_section_html
from warden.sentencing.section import sentencing_section
from warden.sentencing.text import render_section_text, render_text

COUNTS = {"A": (40, 30, 10, 8), "B": (150, 150, 0, 0), "C": (1494, 1200, 0, 0)}


def news_case() -> dict[str, object]:
    facts = CaseFacts(
        "possession",
        ImageCounts.typed(50, 150, 1494),
        Dates.from_given(date(2025, 9, 1)),
        plea="first",
        tested=parse_disposal("20m"),
    )
    return assess(facts, bundled_law()).to_json()


def test_the_text_shows_the_notice_the_steps_and_the_unverified_marks() -> None:
    text = render_text(news_case())
    assert text.startswith("Sentencing guideline: indecent photographs of children")
    assert "This is not a sentence" in text
    assert "Category A: starting point 1 year's custody; range 26 weeks' custody to 3 years' custody" in text
    assert "Tested 20 months' custody: within the range, can be suspended, notification 10 years." in text
    assert re.search(r"^\d+\. Reduction for a guilty plea$", text, re.M)
    assert "[unverified]" in text
    assert "What this engine cannot know" in text
    assert "https://www.sentencingcouncil.org.uk/offences/magistrates-court/item/" in text  # never broken


def test_the_section_text_has_every_offence() -> None:
    text = render_section_text(sentencing_section(report_with(COUNTS)))
    for offence in ("possession", "distribution", "production"):
        assert f" {offence} " in text


def test_the_html_fragment_escapes_everything_and_links_nowhere() -> None:
    section = sentencing_section(report_with(COUNTS))
    section["assessments"][0]["steps"][0]["lines"][0]["text"] = "<script>alert(1)</script> & more"
    html = render_section_html(section)
    assert html.startswith('<section class="sentencing" id="sentencing"><h2>Sentencing guideline</h2>')
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<a " not in html and "<img" not in html
    assert '<span class="unverified"' in html
    assert "This is not a sentence" in html
    assert html.endswith("</section>")


def test_the_html_of_an_unassessed_offence_says_why() -> None:
    html = render_section_html(sentencing_section(report_with({})))
    assert "Not assessed: no image is counted" in html

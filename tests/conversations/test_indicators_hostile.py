"""Hostile text costs bounded time and memory: a 10 MB message is cut to the scan limit with a problem naming
it, input built to make a backtracking pattern explode is read in one pass (every pattern is linear by
construction, held by test_indicators_rules), and a message made of indicators keeps a bounded number of hits.
Nothing here asserts a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warden.conversations.indicators import Band, ScanLimits, scan_conversation
from warden.conversations.model import Direction, Message


def message(text: str, index: int = 1) -> Message:
    return Message(
        conversation="c",
        sender="+447700900101",
        direction=Direction.RECEIVED,
        utc=datetime(2026, 3, 12, tzinfo=UTC),
        raw_time="0",
        text=text,
        provenance=f"phone.E01//msgstore.db//messages:{index}",
    )


def test_a_ten_megabyte_message_is_scanned_to_the_limit_with_a_problem_naming_it() -> None:
    text = "how old are you " + "the weather is nice today " * 400_000 + " send me a pic"
    assert len(text) > 10_000_000
    lead = scan_conversation("c", [message(text)])
    assert [hit.rule for hit in lead.hits] == ["age.how-old"]  # the picture request lies past the limit
    (problem,) = lead.problems
    assert problem.provenance == "phone.E01//msgstore.db//messages:1"
    assert "only the first 100,000" in problem.message


@pytest.mark.slow
def test_a_ten_megabyte_message_can_be_scanned_whole_when_the_limit_allows() -> None:
    text = "how old are you " + "the weather is nice today " * 400_000 + " send me a pic"
    lead = scan_conversation("c", [message(text)], limits=ScanLimits(text_chars=len(text)))
    assert [hit.rule for hit in lead.hits] == ["age.how-old", "images.send-pic"]
    assert lead.problems == ()


@pytest.mark.parametrize(
    "text",
    [
        "a" * 100_000 + "!",
        "ab" * 50_000 + "!",
        "how old " * 12_500,  # a rule's first words again and again, never completed
        "dont tell " * 10_000 + "x",
        "send me a " * 10_000,
        " ".join(["x"] * 50_000),  # the shortest words, as many as fit
        "1" * 50_000 + "a" * 50_000,
        "\u0301" * 100_000,  # combining marks with no base
        "🤫" * 30_000,
    ],
    ids=[
        "a-run",
        "ab-run",
        "first-words",
        "dont-tell",
        "send-me-a",
        "one-letter-words",
        "digits",
        "marks",
        "emoji",
    ],
)
def test_pathological_input_is_read_in_one_pass(text: str) -> None:
    lead = scan_conversation("c", [message(text)])
    assert lead.band <= Band.LOW
    assert all(hit.rule != "images.send-pic" for hit in lead.hits)


def test_a_message_made_of_indicators_keeps_a_bounded_number_of_hits() -> None:
    text = "send me a pic " * 20_000
    lead = scan_conversation("c", [message(text)])
    assert len(lead.hits) == 50
    assert any("more than 50 indicators" in problem.message for problem in lead.problems)
    many = [message("send me a pic, " * 60, index) for index in range(300)]
    lead = scan_conversation("c", many, limits=ScanLimits(hits=1_000))
    assert len(lead.hits) == 1_000
    assert any("scan stopped here" in problem.message for problem in lead.problems)

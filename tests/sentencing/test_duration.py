"""Sentences as values: compared, reduced and written as the guideline writes them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from warden.sentencing.duration import Disposal, Kind, Level, Term, Unit, parse_disposal, parse_term


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1y", "1 year's custody"),
        ("26w", "26 weeks' custody"),
        ("18 months", "18 months' custody"),
        ("3 years' custody", "3 years' custody"),
        ("1 year's custody", "1 year's custody"),
        ("14d", "14 days' custody"),
        ("community:high", "high-level community order"),
        ("medium-level community order", "medium-level community order"),
        ("conditional-discharge", "conditional discharge"),
        ("caution", "caution"),
    ],
)
def test_disposals_read_and_print_in_the_guidelines_words(text: str, words: str) -> None:
    assert str(parse_disposal(text)) == words


def test_terms_in_different_units_compare_by_length() -> None:
    assert parse_term("12m") == parse_term("1y")
    assert parse_term("30m") == parse_term("2.5y")
    assert parse_term("26w") < parse_term("6m")  # 182 days against 182.6
    assert parse_term("130w") < parse_term("30m")
    assert parse_term("183d") > parse_term("6m")


def test_any_custody_is_more_severe_than_any_community_order() -> None:
    assert (
        parse_disposal("community:low")
        < parse_disposal("community:medium")
        < parse_disposal("community:high")
    )
    assert parse_disposal("community:high") < parse_disposal("1d")
    assert parse_disposal("caution") < parse_disposal("conditional-discharge") < parse_disposal("fine")
    assert max(parse_disposal("3y"), parse_disposal("5y")) == parse_disposal("60m")


def test_a_reduction_is_exact_and_a_part_of_a_year_is_given_in_months() -> None:
    assert str(parse_term("1y").reduced(Fraction(1, 3))) == "8 months"
    assert str(parse_term("3y").reduced(Fraction(1, 4))) == "27 months"
    assert str(parse_term("20m").enlarged(Fraction(1, 3))) == "30 months"
    odd = Disposal(Kind.CUSTODY, term=parse_term("26w").reduced(Fraction(1, 3)))
    assert str(odd) == "about 17.3 weeks' custody (121 days)"


def test_the_json_form_carries_words_and_length() -> None:
    assert Disposal.custody(20, Unit.MONTH).to_json() == {
        "text": "20 months' custody",
        "kind": "custody",
        "term": "20 months",
        "days": 608.75,
    }
    assert Disposal.community(Level.HIGH).to_json() == {
        "text": "high-level community order",
        "kind": "community_order",
        "level": "high",
    }


@pytest.mark.parametrize("text", ["", "20", "twenty months", "20 fortnights", "community:extreme"])
def test_what_is_not_a_sentence_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a term"):
        parse_disposal(text)


def test_a_term_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        Term.of(-1, Unit.DAY)

"""Issue 8, points 24 and 25: notification follows the sentence imposed (after the plea reduction), each
suspension rule is chosen by its own governing date, and no caveat or exception goes unsourced."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from tests.sentencing.data import raw_files
from warden.sentencing.build import build_law
from warden.sentencing.bundled import bundled_law
from warden.sentencing.duration import Disposal, Kind, Term, Unit, parse_disposal
from warden.sentencing.engine import assess
from warden.sentencing.facts import CaseFacts, Dates, ImageCounts
from warden.sentencing.law import Law, NoVersionError
from warden.sentencing.text import render_text

A_ONLY = ImageCounts.typed(5, 0, 0)


def assessed(
    offence: str = "distribution",
    *,
    plea: str | None = None,
    tested: str | None = None,
    dates: Dates | None = None,
    law: Law | None = None,
    age: int | None = None,
) -> dict[str, Any]:
    facts = CaseFacts(
        offence,
        A_ONLY,
        dates or Dates.from_given(date(2025, 9, 1)),
        plea=plea,
        age=age,
        tested=parse_disposal(tested) if tested else None,
    )
    return assess(facts, law or bundled_law()).to_json()


def step_text(result: dict[str, Any], step_id: str) -> list[str]:
    return [line["text"] for step in result["steps"] if step["id"] == step_id for line in step["lines"]]


# Point 24 ------------------------------------------------------------------------------------------------


def test_a_36_month_term_reduced_by_a_third_to_24_months_moves_from_indefinite_to_10_years() -> None:
    # The reproduction: distribution, Category A (starting point 36 months), guilty plea at the first stage.
    result = assessed(plea="first", tested="24m")
    tested = result["tested_sentence"]
    assert tested["before_reduction"]["high"]["text"] == "36 months' custody"
    assert tested["notification"] == "10 years"
    assert tested["notification_before_reduction"] == ["an indefinite period"]
    notification = " ".join(step_text(result, "notification"))
    assert (
        "from 3 years' custody to 2 years' custody, which moves it from an indefinite period to 10 years"
        in (notification)
    )
    assert "after any reduction for a guilty plea" in notification


def test_no_output_or_data_says_the_plea_reduction_does_not_shorten_notification() -> None:
    text = render_text(assessed(plea="first", tested="24m"))
    assert "does not shorten notification" not in text
    for name, data in raw_files().items():
        assert "does not shorten" not in str(data), name


def _s82(term: Term) -> str:
    """Section 82(1)'s rows, written out independently of the data: 30 months or more; more than 6 and less
    than 30 months; 6 months or less (a month being a twelfth of 365.25 days)."""
    month = Fraction(1461, 48)
    if term.days >= 30 * month:
        return "an indefinite period"
    return "10 years" if term.days > 6 * month else "7 years"


@pytest.mark.parametrize(
    ("stage", "imposed", "period", "before"),
    [
        ("first", "30m", "an indefinite period", ["an indefinite period"]),  # 45 months before
        ("first", "29m", "10 years", ["an indefinite period"]),  # 43.5 months before
        ("first", "20m", "10 years", ["an indefinite period"]),  # exactly 30 months before
        ("first", "6m", "7 years", ["10 years"]),  # 9 months before: 6 months or less after
        ("first", "183d", "10 years", ["10 years"]),  # just over 6 months after
        ("first", "4m", "7 years", ["7 years"]),  # exactly 6 months before
        ("trial", "27m", "10 years", ["an indefinite period"]),  # exactly 30 months before
        ("after-first", "24m", "10 years", ["10 years", "an indefinite period"]),  # 26.7 to 32 months
        ("none", "36m", "an indefinite period", None),  # no reduction, nothing before it
    ],
)
def test_notification_at_the_30_and_6_month_boundaries_after_a_reduction(
    stage: str, imposed: str, period: str, before: list[str] | None
) -> None:
    tested = assessed("possession", plea=stage, tested=imposed)["tested_sentence"]
    assert tested["notification"] == period
    assert tested["notification_before_reduction"] == before


@pytest.mark.parametrize("stage", ["first", "after-first", "trial", "none"])
def test_every_imposed_term_gets_the_period_of_its_own_length_never_of_the_term_before_reduction(
    stage: str,
) -> None:
    # The class: any term, any plea stage. Weekly from 1 to 260 weeks, and on every month from 1 to 60.
    terms = [Term.of(n, Unit.WEEK) for n in range(1, 261)] + [Term.of(n, Unit.MONTH) for n in range(1, 61)]
    for term in terms:
        result = assessed("production", plea=stage, tested=f"{term.amount}{term.unit.word[0]}")
        assert result["tested_sentence"]["notification"] == _s82(term), (stage, str(term))


@pytest.mark.parametrize(("offence", "start"), [("possession", 12), ("distribution", 36), ("production", 72)])
def test_the_starting_points_period_is_shown_before_and_after_the_reduction(offence: str, start: int) -> None:
    reduced = Disposal(Kind.CUSTODY, term=Term.of(start, Unit.MONTH).reduced(Fraction(1, 3)))
    before, after = _s82(Term.of(start, Unit.MONTH)), _s82(reduced.custodial_term())
    line = next(
        t for t in step_text(assessed(offence, plea="first"), "notification") if "Here the reduction" in t
    )
    assert (f"moves it from {before} to {after}" if before != after else f"leaves it at {after}") in line


# Point 25 ------------------------------------------------------------------------------------------------


def _law_with_an_earlier_guideline() -> Law:
    # The guideline data begins in 2014; move it back so that the 2012 suspension boundary can be reached.
    files = raw_files()
    files["guideline_iioc"]["versions"][0]["effective"] = "2010-01-01"
    return build_law(files)


@pytest.mark.parametrize(
    ("sentence", "limit"),
    [(date(2012, 12, 3), "2 years"), (date(2013, 1, 15), "2 years"), (date(2012, 12, 2), None)],
)
def test_the_2012_two_year_limit_goes_by_the_sentence_date_not_the_conviction_date(
    sentence: date, limit: str | None
) -> None:
    # Convicted before 3 December 2012 and sentenced on or after it: LASPO 2012 s.68(7) (Explanatory Notes,
    # para. 390) gives the 2-year limit. Sentenced before it: the earlier law, not encoded, is not guessed.
    dates = Dates.from_given(date(2012, 11, 20), sentence=sentence)
    result = assessed("possession", tested="18m", dates=dates, law=_law_with_an_earlier_guideline())
    assert result["suspension"]["limit"] == limit
    if limit is None:
        assert step_text(result, "suspension")[0].startswith(
            "Not assessed: no suspension data for 2012-12-02"
        )
        assert result["tested_sentence"]["suspendable"] is None
    else:
        assert result["tested_sentence"]["suspendable"] is True
        used = next(v for v in result["versions"] if v["rule"] == "suspension")
        assert (used["id"], used["governed_by"], used["date"]) == (
            "two-year-limit",
            "sentence date",
            sentence.isoformat(),
        )


@pytest.mark.parametrize(
    ("conviction", "sentence", "rule"),
    [
        (date(2026, 3, 21), date(2026, 3, 21), "two-year-limit"),
        (date(2026, 3, 21), date(2026, 4, 10), "two-year-limit"),  # sentenced after, convicted before
        (date(2026, 3, 22), date(2026, 3, 22), "sentencing-act-2026"),
        (date(2026, 3, 22), date(2026, 6, 1), "sentencing-act-2026"),
    ],
)
def test_the_sentencing_act_2026_goes_by_the_conviction_date(
    conviction: date, sentence: date, rule: str
) -> None:
    dates = Dates.from_given(conviction, sentence=sentence)
    result = assessed("possession", tested="30m", dates=dates, age=40)
    used = next(v for v in result["versions"] if v["rule"] == "suspension")
    assert used["id"] == rule
    assert result["tested_sentence"]["suspendable"] is (rule == "sentencing-act-2026")


def test_versions_of_one_rule_are_each_chosen_by_their_own_date() -> None:
    suspension = bundled_law().suspension
    days = {"conviction": date(2026, 3, 21), "sentence": date(2026, 9, 1), "first_hearing": date(2026, 1, 1)}
    assert suspension.in_force(days).id == "two-year-limit"
    assert suspension.in_force({**days, "conviction": date(2026, 3, 22)}).id == "sentencing-act-2026"
    with pytest.raises(NoVersionError, match="no suspension data for 2012-12-02"):
        suspension.in_force({**days, "conviction": date(2012, 1, 1), "sentence": date(2012, 12, 2)})


def test_a_rule_version_governed_by_an_unknown_date_is_refused() -> None:
    files = raw_files()
    files["suspension"]["versions"][0]["governed_by"] = "offence"  # the data has no such governing date
    with pytest.raises(ValueError, match="governed_by 'offence'"):
        build_law(files)


def test_the_unsourced_handful_caveat_is_gone_from_every_output_and_data_file() -> None:
    assert "handful" not in render_text(assessed(plea="first", tested="24m"))
    for name, data in raw_files().items():
        assert "handful" not in str(data), name
    rule = raw_files()["guideline_iioc"]["versions"][0]["category_rule"]
    assert "removed" in rule["check"]["reason"]  # the reason records why it went


def test_the_exceptions_to_the_duty_include_consecutive_terms_and_resentencing_each_sourced() -> None:
    result = assessed("possession", tested="10m", dates=Dates.from_given(date(2026, 4, 1)), age=30)
    exceptions = [line for step in result["steps"] if step["id"] == "suspension" for line in step["lines"]]
    exceptions = [line for line in exceptions if line["text"].startswith("The duty does not apply")]
    texts = [line["text"] for line in exceptions]
    assert any("consecutively" in t and "more than 12 months" in t for t in texts)
    assert any("re-sentencing" in t for t in texts)
    assert any("in custody when sentenced" in t for t in texts)
    for line in exceptions:
        assert line["check"]["sources"], line["text"]  # every exception names where it comes from
    unverified = {item["figure"] for item in result["unverified"]}
    assert {"duty to suspend: exception 2", "duty to suspend: exception 3"} <= unverified
    assert "duty to suspend: exception 1" not in unverified  # s.264A(3)(a), read


def test_the_2012_rule_states_the_consecutive_terms_limit_from_section_277() -> None:
    text = " ".join(step_text(assessed("possession"), "suspension"))
    assert "in aggregate not more than 2 years" in text

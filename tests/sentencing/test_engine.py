"""The engine as the parties would check it: every cell, plea stage, cap, date and boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.sentencing.data import raw_files
from warden.sentencing.assessment import Assessment
from warden.sentencing.build import build_law
from warden.sentencing.bundled import bundled_law
from warden.sentencing.duration import parse_disposal
from warden.sentencing.engine import NotAssessableError, assess
from warden.sentencing.facts import CaseFacts, CategoryCount, Dates, ImageCounts


def run(
    offence: str = "possession",
    counts: tuple[int, int, int] = (1, 0, 0),
    day: date = date(2025, 6, 2),
    tested: str | None = None,
    **given: Any,
) -> Assessment:
    law = given.pop("law", None) or bundled_law()
    facts = CaseFacts(
        offence,
        ImageCounts.typed(*counts),
        Dates.from_given(day),
        tested=parse_disposal(tested) if tested else None,
        **given,
    )
    return assess(facts, law)


def lines(result: Assessment, step_id: str) -> list[str]:
    return [line.text for step in result.steps if step.id == step_id for line in step.lines]


TABLE = [
    ("possession", "A", "1 year's custody", "26 weeks' custody", "3 years' custody"),
    ("possession", "B", "26 weeks' custody", "high-level community order", "18 months' custody"),
    ("possession", "C", "high-level community order", "medium-level community order", "26 weeks' custody"),
    ("distribution", "A", "3 years' custody", "2 years' custody", "5 years' custody"),
    ("distribution", "B", "1 year's custody", "26 weeks' custody", "2 years' custody"),
    ("distribution", "C", "13 weeks' custody", "high-level community order", "26 weeks' custody"),
    ("production", "A", "6 years' custody", "4 years' custody", "9 years' custody"),
    ("production", "B", "2 years' custody", "1 year's custody", "4 years' custody"),
    ("production", "C", "18 months' custody", "1 year's custody", "3 years' custody"),
]
ONLY = {"A": (5, 0, 0), "B": (0, 5, 0), "C": (0, 0, 5)}


@pytest.mark.parametrize(("offence", "category", "start", "low", "high"), TABLE)
def test_every_cell_gives_its_starting_point_and_range(
    offence: str, category: str, start: str, low: str, high: str
) -> None:
    result = run(offence, ONLY[category]).to_json()
    assert result["category"] == category
    assert result["starting_point"]["text"] == start
    assert (result["range"]["low"]["text"], result["range"]["high"]["text"]) == (low, high)
    assert f"Starting point: {start}. Category range: {low} to {high}." in lines(
        run(offence, ONLY[category]), "starting-point"
    )


@pytest.mark.parametrize(
    ("counts", "category"), [((1, 900, 9000), "A"), ((0, 1, 9000), "B"), ((0, 0, 1), "C")]
)
def test_the_most_serious_category_with_any_image_sets_the_category(
    counts: tuple[int, int, int], category: str
) -> None:
    result = run("possession", counts)
    assert result.category == category
    assert any("most serious category" in text for text in lines(result, "category"))
    assert not any("handful" in text for text in lines(result, "category"))  # an unsourced caveat, removed


def test_no_image_in_any_category_is_not_assessed_and_says_why() -> None:
    result = run("possession", (0, 0, 0)).to_json()
    assert result["applicable"] is False
    assert "no image is counted" in result["reason"]
    assert result["starting_point"] is None


@pytest.mark.parametrize(
    ("stage", "most", "least", "start_after"),
    [
        ("first", "one third", "one third", "8 months' custody"),
        ("after-first", "one quarter", "one tenth", "9 months' custody"),
        ("trial", "one tenth", "one tenth", "about 10.8 months' custody (329 days)"),
        ("none", "no reduction", "no reduction", "1 year's custody"),
    ],
)
def test_the_plea_reduction_at_each_stage(stage: str, most: str, least: str, start_after: str) -> None:
    result = run("possession", (1, 0, 0), plea=stage)
    assert result.to_json()["plea_reduction"] == {"most": most, "least": least}
    chosen = [text for text in lines(result, "plea") if text.startswith("This case:")]
    assert len(chosen) == 1
    assert f"starting point {start_after};" in chosen[0]


def test_without_a_stated_plea_every_stage_is_shown_and_none_is_applied() -> None:
    result = run("possession", (1, 0, 0))
    plea = lines(result, "plea")
    assert sum(text.startswith(("guilty plea", "no guilty plea")) for text in plea) == 4
    assert result.to_json()["plea_reduction"] is None
    assert any("Plea not stated" in text for text in plea)


def test_a_first_hearing_before_the_plea_guideline_is_not_assessed() -> None:
    facts = CaseFacts(
        "possession",
        ImageCounts.typed(1, 0, 0),
        Dates.from_given(date(2018, 1, 10), first_hearing=date(2017, 5, 1)),
        plea="first",
    )
    result = assess(facts, bundled_law())
    assert "Not assessed" in lines(result, "plea")[0]
    assert result.to_json()["plea_reduction"] is None


def test_a_tested_sentence_above_the_statutory_maximum_is_flagged() -> None:
    over = run("possession", (1, 0, 0), tested="6y").to_json()["tested_sentence"]
    assert over["above_maximum"] is True
    assert over["within_range"] is False
    at = run("possession", (1, 0, 0), tested="5y").to_json()["tested_sentence"]
    assert at["above_maximum"] is False


def test_the_range_says_the_maximum_does_not_cut_it_when_it_does_not() -> None:
    text = lines(run("distribution", (1, 0, 0)), "maximum")[0]
    assert "within the statutory maximum of 10 years' custody" in text
    assert "never above 10 years' custody" in text


def test_a_range_above_the_statutory_maximum_is_cut_to_it() -> None:
    files = raw_files()
    files["offences"]["offences"][0]["maximum"] = "2y"  # a lower maximum, as for an older offence date
    result = run("possession", (1, 0, 0), law=build_law(files)).to_json()
    assert result["range"]["high"]["text"] == "2 years' custody"
    assert result["maximum"]["text"] == "2 years' custody"
    step = next(step for step in result["steps"] if step["id"] == "maximum")
    assert "is cut to 26 weeks' custody to 2 years' custody" in step["lines"][0]["text"]


def test_an_offence_before_the_recorded_maxima_is_refused() -> None:
    facts = CaseFacts(
        "possession", ImageCounts.typed(1, 0, 0), Dates.from_given(date(2025, 1, 1), offence=date(2000, 6, 1))
    )
    with pytest.raises(NotAssessableError, match="maximum then was different"):
        assess(facts, bundled_law())


@pytest.mark.parametrize(
    ("conviction", "limit", "thirty_months", "twelve_months_must"),
    [(date(2026, 3, 21), "2 years", False, False), (date(2026, 3, 22), "3 years", True, True)],
)
def test_suspension_on_either_side_of_22_march_2026(
    conviction: date, limit: str, thirty_months: bool, twelve_months_must: bool
) -> None:
    thirty = run("possession", (1, 0, 0), day=conviction, tested="30m", age=30).to_json()
    assert thirty["suspension"]["limit"] == limit
    assert thirty["tested_sentence"]["suspendable"] is thirty_months
    twelve = run("possession", (1, 0, 0), day=conviction, tested="12m", age=30).to_json()
    assert twelve["tested_sentence"]["suspendable"] is True
    assert twelve["tested_sentence"]["must_be_suspended"] is twelve_months_must
    assert twelve["suspension"]["presumption_up_to"] == ("12 months" if twelve_months_must else None)


def test_after_22_march_2026_a_term_over_12_months_may_but_need_not_be_suspended() -> None:
    result = run("possession", (1, 0, 0), day=date(2026, 4, 1), tested="13m", age=19).to_json()
    assert result["tested_sentence"]["suspendable"] is True
    assert result["tested_sentence"]["must_be_suspended"] is False


def test_the_suspension_rule_follows_the_conviction_date_not_the_sentence_date() -> None:
    facts = CaseFacts(
        "possession",
        ImageCounts.typed(1, 0, 0),
        Dates.from_given(date(2026, 3, 20), sentence=date(2026, 5, 1)),
        tested=parse_disposal("30m"),
    )
    result = assess(facts, bundled_law()).to_json()
    assert result["suspension"]["limit"] == "2 years"
    assert result["tested_sentence"]["suspendable"] is False


def test_the_presumption_shown_follows_the_offenders_age() -> None:
    young = " ".join(lines(run("possession", (1, 0, 0), day=date(2026, 4, 1), age=19), "suspension"))
    older = " ".join(lines(run("possession", (1, 0, 0), day=date(2026, 4, 1), age=40), "suspension"))
    assert "aged 18 to 20 when convicted" in young and "aged 21 or over" not in young
    assert "aged 21 or over" in older and "aged 18 to 20" not in older


@pytest.mark.parametrize(
    ("tested", "period"),
    [
        ("26w", "7 years"),
        ("6m", "7 years"),
        ("183d", "10 years"),
        ("20m", "10 years"),
        ("912d", "10 years"),
        ("30m", "an indefinite period"),
        ("2.5y", "an indefinite period"),
        ("community:high", "5 years"),
    ],
)
def test_notification_at_and_around_its_boundaries(tested: str, period: str) -> None:
    result = run("possession", (1, 0, 0), tested=tested).to_json()
    assert result["tested_sentence"]["notification"] == period


@pytest.mark.parametrize(
    ("tested", "period"),
    [
        ("20m", "5 years (half of 10 years, under 18)"),
        ("6m", "42 months (half of 7 years, under 18)"),
        ("30m", "an indefinite period"),
    ],
)
def test_notification_periods_are_halved_under_18_except_indefinite(tested: str, period: str) -> None:
    result = run("possession", (1, 0, 0), tested=tested, age=17).to_json()
    assert result["applicable"] is False  # the adult guideline does not apply
    text = " ".join(line["text"] for step in result["steps"] for line in step["lines"])
    assert period in text


def test_factors_are_listed_with_their_words_and_move_no_figure() -> None:
    plain = run("possession", (1, 0, 0)).to_json()
    weighed = run(
        "possession", (1, 0, 0), aggravating=("moving-images", "period"), mitigating=("remorse",),
        previous_convictions=2,
    ).to_json()  # fmt: skip
    assert weighed["starting_point"] == plain["starting_point"]
    assert weighed["range"] == plain["range"]
    factors = " ".join(
        lines(run("possession", (1, 0, 0), previous_convictions=2, mitigating=("remorse",)), "factors")
    )
    assert "Applied, statutory aggravating: Previous convictions" in factors
    assert "Applied, mitigating: Remorse (stated)" in factors
    assert "no numerical weight" in factors


def test_an_unknown_or_misfiled_factor_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(NotAssessableError, match="known: previous-convictions"):
        run("possession", (1, 0, 0), aggravating=("being-unpleasant",))
    with pytest.raises(NotAssessableError, match="not a mitigating factor"):
        run("possession", (1, 0, 0), mitigating=("moving-images",))


def test_moving_images_in_the_counts_are_pointed_out_for_the_court() -> None:
    counts = ImageCounts(
        {"A": CategoryCount(3, 2, 1, 3), "B": CategoryCount(0, 0, 0, 0), "C": CategoryCount(0, 0, 0, 0)},
        "files",
    )
    result = assess(CaseFacts("possession", counts, Dates.from_given(date(2025, 1, 1))), bundled_law())
    assert any("Indicated by the counts" in text and "1 moving" in text for text in lines(result, "factors"))


def test_a_sentence_date_before_the_guideline_is_refused() -> None:
    with pytest.raises(NotAssessableError, match="no guideline data for 2014-03-31"):
        run("possession", (1, 0, 0), day=date(2014, 3, 31))


def test_it_never_claims_to_be_the_sentence_and_lists_what_it_cannot_know() -> None:
    result = run("possession", (1, 0, 0)).to_json()
    assert result["notice"].startswith("This is not a sentence")
    assert "The court decides the sentence" in result["notice"]
    assert len(result["cannot_know"]) >= 5


def test_every_unverified_figure_used_is_listed_with_its_reason_and_every_source_with_its_address() -> None:
    result = run("possession", (1, 0, 0), plea="first", tested="20m").to_json()
    figures = {item["figure"] for item in result["unverified"]}
    assert "starting point and range (possession, A)" in figures
    assert "statutory maximum (possession)" not in figures  # read in s.160(2A) CJA 1988
    assert "statutory maximum: from when (possession)" in figures
    assert all(item["reason"] for item in result["unverified"])
    cited = {source["id"] for source in result["sources"]}
    assert {"sc-iioc", "soa-2003-s82", "sc-plea-2017"} <= cited
    assert all(source["url"] for source in result["sources"])
    unverified_lines = [
        line
        for step in result["steps"]
        for line in step["lines"]
        if line["check"] and not line["check"]["verified"]
    ]
    assert unverified_lines  # shown where they are used, not only in the list


def test_the_case_from_the_news_entered_by_hand() -> None:
    # Possession, 1,694 images some in Category A, a suspended 20-month sentence; the split is made up.
    result = run("possession", (50, 150, 1494), day=date(2025, 9, 1), plea="first", tested="20m").to_json()
    assert result["category"] == "A"
    assert result["starting_point"]["text"] == "1 year's custody"
    assert (result["range"]["low"]["text"], result["range"]["high"]["text"]) == (
        "26 weeks' custody",
        "3 years' custody",
    )
    tested = result["tested_sentence"]
    assert tested["before_reduction"]["high"]["text"] == "30 months' custody"
    assert tested["within_range"] is True
    assert tested["suspendable"] is True
    assert tested["must_be_suspended"] is False  # convicted before 22 March 2026: no duty to suspend
    assert tested["notification"] == "10 years"
    assert result["suspension"]["limit"] == "2 years"
    assert result["inputs"]["counts"]["total"] == 1694


def test_an_unknown_offence_or_plea_stage_is_refused() -> None:
    with pytest.raises(NotAssessableError, match="unknown offence 'possesion'"):
        run("possesion", (1, 0, 0))
    with pytest.raises(NotAssessableError, match="unknown plea stage"):
        run("possession", (1, 0, 0), plea="early")

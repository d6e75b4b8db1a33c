"""The calculation from a case's facts and the law to an :class:`Assessment`: pure (no file, clock, tty)."""

from __future__ import annotations

from warden.model.categories import INDECENT, Category, most_serious
from warden.sentencing import consequences
from warden.sentencing.assessment import Assessment
from warden.sentencing.duration import Disposal, Kind
from warden.sentencing.facts import CaseFacts
from warden.sentencing.law import PLEA_STAGES, Cell, Guideline, Law, NoVersionError, Offence
from warden.sentencing.regime import assumed_law, governing_days, version_used


class NotAssessableError(ValueError):
    """The facts name something the law data does not have (an offence, a factor, a date before the data).

    Internal: ``warden sentence`` reports it as a ``UsageError``, a report's sentencing section as a note.
    """


def assess(facts: CaseFacts, law: Law) -> Assessment:
    """Place a case in the guideline, step by step.

    Raises:
        NotAssessableError: unknown offence or factor, or no guideline data for the dates given.
    """
    if facts.plea is not None and facts.plea not in PLEA_STAGES:
        raise NotAssessableError(f"unknown plea stage {facts.plea!r} (known: {', '.join(PLEA_STAGES)})")
    offence = law.offences.get(facts.offence)
    if offence is None:
        raise NotAssessableError(f"unknown offence {facts.offence!r} (known: {', '.join(law.offences)})")
    if facts.dates.offence is not None and facts.dates.offence < offence.maximum_from:
        raise NotAssessableError(
            f"offence date {facts.dates.offence.isoformat()} is before {offence.maximum_from.isoformat()}: "
            "the statutory maximum then was different and is not in the data"
        )
    try:
        guideline = law.guidelines.in_force(governing_days(facts.dates))
    except NoVersionError as error:
        raise NotAssessableError(str(error)) from None
    _check_factors(facts, guideline)
    maximum = Disposal(Kind.CUSTODY, term=offence.maximum)
    result = Assessment(facts, True, "", offence.name, maximum, sources=law.sources)
    result.versions.append(version_used(law.guidelines, guideline, facts.dates))
    _assess(result, facts, law, offence, guideline, maximum)
    result.assumed_law = assumed_law(result, law, offence)
    return result


def _assess(
    result: Assessment, facts: CaseFacts, law: Law, offence: Offence, guideline: Guideline, maximum: Disposal
) -> None:
    _offence_step(result, offence, guideline)
    _counts_step(result, facts)
    if facts.age is not None and facts.age < guideline.adult_age:
        result.applicable = False
        result.reason = (
            f"the offender was {facts.age} at conviction; this guideline is for {guideline.applies_to}"
        )
        result.step("applicability", "Not assessed").say(f"Not assessed: {result.reason}.", guideline.check)
        consequences.notification_step(result, facts, law, None, None)
        return
    category = most_serious([c for c in INDECENT if facts.counts.by_category[c.value].images > 0])
    if category is None:
        result.applicable = False
        result.reason = "no image is counted in Category A, B or C, so the guideline has nothing to apply to"
        result.step("category", "Offence category").say(f"Not assessed: {result.reason}.")
        return
    cell = guideline.table[(offence.id, category.value)]
    _category_step(result, facts, guideline, category)
    low, start, high = _range_step(result, offence, category, cell, maximum)
    _factors_step(result, facts, guideline)
    _maximum_step(result, offence, cell, maximum)
    stage = consequences.plea_step(result, facts, law, low, start, high)
    low_after = consequences.reduce(low, stage.max) if stage else low
    high_after = consequences.reduce(high, stage.min) if stage else high
    rule = consequences.suspension_step(result, facts, law, low_after, high_after)
    notification = consequences.notification_step(
        result, facts, law, low_after, high_after, start=start, stage=stage
    )
    if facts.tested is not None:
        consequences.tested_step(result, facts, (low, high), stage, rule, notification)
    step = result.step("ancillary", "Orders to consider")
    for order in law.ancillary:
        step.say(f"{order.name}: {order.text}", result.cite(f"ancillary: {order.name}", order.check))


def _check_factors(facts: CaseFacts, guideline: Guideline) -> None:
    for wanted, aggravating in ((facts.aggravating, True), (facts.mitigating, False)):
        kind = "an aggravating" if aggravating else "a mitigating"
        known = [f.id for f in guideline.factors.values() if f.aggravating is aggravating]
        for factor_id in wanted:
            if factor_id not in known:
                raise NotAssessableError(
                    f"{factor_id!r} is not {kind} factor of {guideline.id} (known: {', '.join(known)})"
                )


def _offence_step(result: Assessment, offence: Offence, guideline: Guideline) -> None:
    step = result.step("offence", "Offence and guideline")
    step.say(f"Offence: {offence.name} ({offence.statute}). {offence.description}")
    step.say(
        f"Statutory maximum on indictment: {Disposal(Kind.CUSTODY, term=offence.maximum)}.",
        result.cite(f"statutory maximum ({offence.id})", offence.check),
    )
    step.say(
        f"The data records this maximum for offences committed on or after "
        f"{offence.maximum_from.isoformat()}.",
        result.cite(f"statutory maximum: from when ({offence.id})", offence.maximum_from_check),
    )
    step.say(
        f"Guideline: {guideline.title}, for sentences passed on or after {guideline.effective.isoformat()} "
        f"(sentence date {result.facts.dates.sentence.isoformat()}); it applies to {guideline.applies_to}.",
        result.cite("guideline: date and scope", guideline.check),
    )
    for assumption in result.facts.dates.assumptions:
        step.say(f"Assumed: {assumption}.")


def _counts_step(result: Assessment, facts: CaseFacts) -> None:
    step = result.step("counts", "Images counted")
    counts = facts.counts
    for category in INDECENT:
        count = counts.by_category[category.value]
        detail = ""
        if count.stills is not None and count.movies is not None:
            detail = f" ({count.stills:,} still, {count.movies:,} moving; {count.distinct or 0:,} distinct)"
        step.say(f"Category {category.value}: {count.images:,} images{detail}.")
    step.say(f"{counts.total:,} images in all; counted as {counts.basis}.")


def _category_step(result: Assessment, facts: CaseFacts, guideline: Guideline, category: Category) -> None:
    result.category = category.value
    step = result.step("category", "Step 1: offence category")
    count = facts.counts.by_category[category.value].images
    step.say(
        f"Category {category.value} ({guideline.categories[category.value]}): the most serious category with "
        f"images counted ({count:,} in Category {category.value}).",
        result.cite("category rule", guideline.category_rule.check),
    )
    step.say(guideline.category_rule.text, guideline.category_rule.check)
    step.say(f"Activity: {guideline.activities[facts.offence]}.")


def _range_step(
    result: Assessment, offence: Offence, category: Category, cell: Cell, maximum: Disposal
) -> tuple[Disposal, Disposal, Disposal]:
    step = result.step("starting-point", "Step 2: starting point and category range")
    check = result.cite(f"starting point and range ({offence.id}, {category.value})", cell.check)
    step.say(
        f"Starting point: {cell.starting_point}. Category range: {cell.low} to {cell.high}.",
        check,
    )
    start, low, high = (min(value, maximum) for value in (cell.starting_point, cell.low, cell.high))
    result.starting_point, result.range_low, result.range_high = start, low, high
    return low, start, high


def _factors_step(result: Assessment, facts: CaseFacts, guideline: Guideline) -> None:
    step = result.step("factors", "Step 2 (continued): aggravating and mitigating factors")
    step.say(guideline.weighing.text, result.cite("how factors are weighed", guideline.weighing.check))
    applied: list[tuple[str, str]] = [(f, "stated") for f in facts.aggravating + facts.mitigating]
    previous = facts.previous_convictions
    if previous and "previous-convictions" not in facts.aggravating:
        applied.append(("previous-convictions", f"{previous} previous conviction(s) given"))
    if previous == 0 and "no-previous-convictions" not in facts.mitigating:
        applied.append(("no-previous-convictions", "no previous convictions given"))
    check = result.cite("factor lists", guideline.factors_check)
    for factor_id, origin in applied:
        factor = guideline.factors[factor_id]
        kind = "aggravating" if factor.aggravating else "mitigating"
        if factor.statutory:
            kind = f"statutory {kind}"
        step.say(f"Applied, {kind}: {factor.text} ({origin}).", check)
    if not applied:
        step.say(
            "No factor was given: the engine moves nothing from the starting point; the court may find some."
        )
    movies = facts.counts.movies
    if movies and "moving-images" in guideline.factors and "moving-images" not in facts.aggravating:
        step.say(
            f"Indicated by the counts, for the court to decide: {guideline.factors['moving-images'].text} "
            f"({movies:,} moving images counted).",
            check,
        )
    step.say(
        f"{facts.counts.total:,} images in all. The guideline lists a high volume of images as aggravating "
        "but sets no number at which a volume is high: the court weighs it."
    )
    if facts.age is not None:
        step.say(
            f"Age at conviction: {facts.age}; any effect of age or maturity on responsibility is for the "
            "court."
        )


def _maximum_step(result: Assessment, offence: Offence, cell: Cell, maximum: Disposal) -> None:
    step = result.step("maximum", "Statutory maximum")
    if cell.high > maximum:
        step.say(
            f"The top of the range ({cell.high}) is above the statutory maximum ({maximum}): the range is "
            f"cut to {result.range_low} to {result.range_high}.",
            offence.check,
        )
    else:
        step.say(
            f"The range tops out at {cell.high}, within the statutory maximum of {maximum}: the maximum does "
            f"not cut it. Factors may take a sentence above the range only where the court thinks it right, "
            f"and never above {maximum}.",
            offence.check,
        )

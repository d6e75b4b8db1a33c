"""The steps after the range: the guilty-plea reduction, suspension, notification, and a sentence tested."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from warden.sentencing.assessment import Assessment, Step
from warden.sentencing.duration import Disposal, Kind, Term, Unit
from warden.sentencing.facts import CaseFacts
from warden.sentencing.law import (
    GOVERNING,
    Band,
    Law,
    NotificationRule,
    NoVersionError,
    PleaStage,
    Presumption,
    SuspensionRule,
    V,
    Versions,
)
from warden.sentencing.regime import governing_days, version_used

_FRACTION_WORDS = {
    Fraction(0): "no reduction",
    Fraction(1, 3): "one third",
    Fraction(1, 4): "one quarter",
    Fraction(1, 10): "one tenth",
}
_NUDGE = Fraction(1, 1000)  # of a day: a point just inside an open bound ("more than 6 months")


def fraction_words(fraction: Fraction) -> str:
    """``1/3`` as "one third"."""
    return _FRACTION_WORDS.get(fraction, f"{fraction.numerator}/{fraction.denominator}")


def reduce(disposal: Disposal, fraction: Fraction) -> Disposal:
    """A custodial term less ``fraction``; a non-custodial disposal is returned as it is."""
    if not disposal.is_custody or not fraction:
        return disposal
    return Disposal(Kind.CUSTODY, term=disposal.custodial_term().reduced(fraction))


def _in_force(result: Assessment, step: Step, versions: Versions[V], *, missing: str = "") -> V | None:
    """The version of a rule the case's dates select (each version by its own governing date), recorded as
    used; None, said in ``step``, when the data begins later (``missing`` adds why)."""
    dates = result.facts.dates
    try:
        version = versions.in_force(governing_days(dates))
    except NoVersionError as error:
        step.say(f"Not assessed: {error}{missing}.")
        return None
    result.versions.append(version_used(versions, version, dates))
    return version


def _assumed(facts: CaseFacts, name: str) -> str:
    reason = facts.dates.assumed_from(name)
    return f" (assumed: {reason})" if reason else ""


def _between(low: Disposal, high: Disposal) -> str:
    return str(low) if low == high else f"{low} to {high}"


def plea_step(
    result: Assessment, facts: CaseFacts, law: Law, low: Disposal, start: Disposal, high: Disposal
) -> PleaStage | None:
    """Show the reduction at every stage; return this case's stage (None when not stated or not encoded)."""
    step = result.step("plea", "Reduction for a guilty plea")
    plea = _in_force(result, step, law.pleas, missing="; the earlier plea guideline is not encoded")
    if plea is None:
        return None
    step.say(
        f"{plea.title}: applies where the first hearing is on or after {plea.effective.isoformat()} (first "
        f"hearing {facts.dates.first_hearing.isoformat()}). The reduction comes last, after the factors.",
        result.cite("guilty plea guideline: scope", plea.check),
    )
    for stage in plea.stages.values():
        size = fraction_words(stage.max)
        if stage.min != stage.max:
            size = f"at most {size}, sliding towards {fraction_words(stage.min)}"
        reduced_range = _between(reduce(low, stage.max), reduce(high, stage.min))
        after = f"starting point {reduce(start, stage.max)}; range {reduced_range}"
        chosen = "This case: " if stage.id == facts.plea else ""
        step.say(
            f"{chosen}{stage.text}: {size} ({after}).",
            result.cite(f"plea reduction ({stage.id})", stage.check),
        )
    if facts.plea is None:
        step.say("Plea not stated: the steps below use the range before any reduction.")
        return None
    step.say(
        "The reduced term is the sentence imposed: suspension and the notification period (below) follow "
        "it, so a reduction can make a term suspendable or shorten notification."
    )
    stage = plea.stages[facts.plea]
    result.plea_reduction = (fraction_words(stage.max), fraction_words(stage.min))
    if low.kind is not Kind.CUSTODY:
        step.say(
            "A reduction cannot shorten a community order; where the court's sentence is not custody it may "
            "be reflected in the order's requirements or in the type of sentence."
        )
    return stage


def _presumptions(rule: SuspensionRule, age: int | None) -> list[Presumption]:
    return [p for p in rule.presumptions if age is None or p.covers(age)]


def suspension_step(
    result: Assessment, facts: CaseFacts, law: Law, low: Disposal, high: Disposal
) -> SuspensionRule | None:
    """Which terms of the (reduced) range can, or must, be suspended, under the law the case's dates select
    (the 2012 limit by sentence date, the Sentencing Act 2026 by conviction date)."""
    step = result.step("suspension", "Whether a custodial term can be suspended")
    rule = _in_force(
        result,
        step,
        law.suspension,
        missing="; the law before LASPO 2012 (terms of up to 12 months) is not encoded",
    )
    if rule is None:
        return None
    day = facts.dates.day(rule.governed_by)
    step.say(
        f"{rule.title}. {rule.commencement.text}",
        result.cite(f"suspension: commencement ({rule.id})", rule.commencement.check),
    )
    step.say(
        f"{rule.governing.text} Here the {GOVERNING[rule.governed_by]} is {day.isoformat()}"
        f"{_assumed(facts, rule.governed_by)}.",
        result.cite(f"suspension: governing date ({rule.id})", rule.governing.check),
    )
    check = result.cite(f"suspension limits ({rule.id})", rule.check)
    step.say(
        f"A custodial term of {rule.minimum} to {rule.maximum} may be suspended; a longer one cannot.", check
    )
    for number, note in enumerate(rule.notes, 1):
        step.say(note.text, result.cite(f"suspension: {rule.id} note {number}", note.check))
    result.suspension_limit = str(rule.maximum)
    presumptions = _presumptions(rule, facts.age)
    for presumption in presumptions:
        step.say(presumption.text, result.cite(f"duty to suspend ({presumption.id})", presumption.check))
        result.presumption_up_to = str(presumption.up_to)
    for number, exception in enumerate(rule.exceptions if presumptions else (), 1):
        step.say(
            f"The duty does not apply where {exception.text}.",
            result.cite(f"duty to suspend: exception {number}", exception.check),
        )
    if not rule.presumptions:
        step.say(
            "There is no duty to suspend: whether to suspend a term that can be suspended is for the court."
        )
    span = f"{low} to {high}"
    if not high.is_custody:
        step.say(f"The range ({span}) holds no custodial term: suspension arises only above it.")
    elif high.custodial_term() <= rule.maximum:
        step.say(f"Every custodial term in the range ({span}) is short enough to be suspended.", check)
    elif low.is_custody and low.custodial_term() > rule.maximum:
        step.say(
            f"No term in the range ({span}) can be suspended: all are longer than {rule.maximum}.", check
        )
    else:
        step.say(
            f"In the range ({span}), terms up to {rule.maximum} can be suspended; longer ones cannot.", check
        )
    for presumption in presumptions:
        if high.is_custody and (not low.is_custody or low.custodial_term() <= presumption.up_to):
            who = f"aged {presumption.age_min}" + (
                f" to {presumption.age_max}" if presumption.age_max else " or over"
            )
            step.say(
                f"Terms of {presumption.up_to} or less in that range must be suspended for an offender {who} "
                "unless there are exceptional circumstances.",
                presumption.check,
            )
    step.say(
        f"{law.imposition['text']} For suspending: {'; '.join(law.imposition['for'])}. Against: "
        f"{'; '.join(law.imposition['against'])}.",
        result.cite("imposition guideline factors", law.imposition_check),
    )
    return rule


def period(band: Band, under_18: bool) -> str:
    """The notification period of ``band``, halved where the offender is under 18 and the band is halved."""
    if under_18 and band.halved_under_18 and band.period_term is not None:
        return f"{band.period_term.reduced(Fraction(1, 2))} (half of {band.period}, under 18)"
    return band.period


def _in_range(band: Band, low: Disposal, high: Disposal) -> bool:
    if band.otherwise:
        return low.kind in (Kind.ABSOLUTE_DISCHARGE, Kind.FINE, Kind.COMMUNITY_ORDER)
    if band.disposal is not None:
        return low <= band.disposal <= high
    if not high.is_custody:
        return False
    top = high.custodial_term().days
    bottom = low.custodial_term().days if low.is_custody else Fraction(0)
    bounds = [b.days for b in (band.at_least, band.at_most) if b] + [
        b.days + sign * _NUDGE for b, sign in ((band.more_than, 1), (band.less_than, -1)) if b
    ]
    candidates = [d for d in [bottom, top, *bounds] if bottom <= d <= top]
    return any(band.matches(Disposal(Kind.CUSTODY, term=Term(d, Unit.DAY))) for d in candidates)


def notification_step(
    result: Assessment,
    facts: CaseFacts,
    law: Law,
    low: Disposal | None,
    high: Disposal | None,
    *,
    start: Disposal | None = None,
    stage: PleaStage | None = None,
) -> NotificationRule | None:
    """The notification period for each kind of sentence, marking those the (reduced) range can lead to,
    and what the plea reduction of ``stage`` does to the starting point ``start``'s period."""
    step = result.step("notification", "Notification period (Sexual Offences Act 2003)")
    rule = _in_force(result, step, law.notification)
    if rule is None:
        return None
    step.say(
        f"The table in force for a conviction on {facts.dates.conviction.isoformat()}"
        f"{_assumed(facts, 'conviction')}; the period runs from the conviction.",
        result.cite("notification table", rule.check),
    )
    step.say(
        rule.follows_sentence.text,
        result.cite("notification follows the sentence imposed", rule.follows_sentence.check),
    )
    under_18 = facts.age is not None and facts.age < 18
    if start is not None and stage is not None and start.is_custody and stage.max:
        reduced = reduce(start, stage.max)
        before, after = (period(rule.band_for(term), under_18) for term in (start, reduced))
        moved = f"moves it from {before} to {after}" if before != after else f"leaves it at {after}"
        step.say(
            f"Here the reduction ({fraction_words(stage.max)}) takes the starting point from {start} to "
            f"{reduced}, which {moved}.",
            rule.follows_sentence.check,
        )
    for band in rule.bands:
        reachable = low is not None and high is not None and _in_range(band, low, high)
        mark = " (a sentence in this case's range can fall here)" if reachable else ""
        step.say(
            f"{band.text}: {period(band, under_18)}{mark}.",
            result.cite(f"notification: {band.id}", band.check),
        )
    for name, note in (("suspended terms", rule.suspended_terms), ("under 18", rule.under_18)):
        step.say(note.text, result.cite(f"notification: {name}", note.check))
    step.say(rule.condition.text, result.cite("notification: Schedule 3 condition", rule.condition.check))
    return rule


def tested_step(
    result: Assessment,
    facts: CaseFacts,
    cell_range: tuple[Disposal, Disposal],
    stage: PleaStage | None,
    rule: SuspensionRule | None,
    notification: NotificationRule | None,
) -> None:
    """Check a given sentence: range, maximum, suspension and notification, each with its reason."""
    tested = facts.tested
    if tested is None:
        return
    step = result.step("tested", f"The sentence tested: {tested}")
    out: dict[str, Any] = {"sentence": tested.to_json()}
    before_low = before_high = tested
    if stage is not None and tested.is_custody and stage.max:
        term = tested.custodial_term()
        before_low = Disposal(Kind.CUSTODY, term=term.enlarged(stage.min))
        before_high = Disposal(Kind.CUSTODY, term=term.enlarged(stage.max))
        step.say(
            f"After a reduction of {fraction_words(stage.max)}"
            + (f" to {fraction_words(stage.min)}" if stage.min != stage.max else "")
            + f" ({stage.text}), it corresponds to {_between(before_low, before_high)} before the reduction."
        )
    out["before_reduction"] = {"low": before_low.to_json(), "high": before_high.to_json()}
    low, high = cell_range
    within = not (before_high < low or before_low > high)
    out["within_range"] = within
    step.say(f"{'Within' if within else 'Outside'} the category range ({low} to {high}).")
    out["above_maximum"] = tested > result.maximum
    if out["above_maximum"]:
        step.say(f"Above the statutory maximum of {result.maximum}: a court cannot pass it.")
    out["suspendable"] = None
    out["must_be_suspended"] = None
    if rule is not None and tested.is_custody:
        term = tested.custodial_term()
        out["suspendable"] = rule.minimum <= term <= rule.maximum
        verdict = "can be suspended" if out["suspendable"] else "cannot be suspended"
        step.say(
            f"It {verdict}: the limit is {rule.minimum} to {rule.maximum} (the rule for a "
            f"{GOVERNING[rule.governed_by]} of {facts.dates.day(rule.governed_by).isoformat()}).",
            rule.check,
        )
        # With the age unknown every adult band is shown: together they cover every adult alike.
        duties = [p for p in _presumptions(rule, facts.age) if term <= p.up_to] if out["suspendable"] else []
        out["must_be_suspended"] = bool(duties)
        for duty in duties:
            step.say(
                f"It is {duty.up_to} or less: the court must suspend it unless exceptional circumstances "
                f"(offender aged {duty.age_min}{f' to {duty.age_max}' if duty.age_max else ' or over'}).",
                duty.check,
            )
    out["notification"] = None
    out["notification_before_reduction"] = None
    if notification is not None:
        under_18 = facts.age is not None and facts.age < 18
        band = notification.band_for(tested)
        out["notification"] = period(band, under_18)
        step.say(f"Notification: {out['notification']} ({band.text}), by the sentence imposed.", band.check)
        if before_low is not tested:
            unreduced = list(
                dict.fromkeys(period(notification.band_for(d), under_18) for d in (before_low, before_high))
            )
            out["notification_before_reduction"] = unreduced
            if unreduced != [out["notification"]]:
                step.say(
                    f"Without the reduction, {_between(before_low, before_high)} would have meant "
                    f"{' to '.join(unreduced)}: the reduction shortens notification, which follows the "
                    "sentence imposed.",
                    notification.follows_sentence.check,
                )
    result.tested = out

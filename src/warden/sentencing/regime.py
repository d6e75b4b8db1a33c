"""Which version of each rule the case's dates select, and a plain statement of the law assumed for dates
nobody gave (shown at the top of every output)."""

from __future__ import annotations

from datetime import date
from typing import Any

from warden.sentencing.assessment import Assessment, VersionUsed
from warden.sentencing.facts import Dates
from warden.sentencing.law import GOVERNING, Law, Offence, V, Versions


def governing_days(dates: Dates) -> dict[str, date]:
    """The case's date for each kind of governing date (``conviction``, ``sentence``, ``first_hearing``)."""
    return {name: dates.day(name) for name in GOVERNING}


def _assumed_bases(versions: Versions[Any], dates: Dates) -> list[str]:
    """The governing dates the rule's choice turned on that nobody gave (conviction first)."""
    bases = {item.governed_by for item in versions.items}
    return [name for name in GOVERNING if name in bases and dates.assumed_from(name) is not None]


def version_used(versions: Versions[V], version: V, dates: Dates) -> VersionUsed:
    """The record of ``version`` as chosen by ``dates``; ``assumed`` when the choice turned on a date not
    given (for suspension that is either the conviction or the sentence date)."""
    return VersionUsed(
        versions.rule,
        version.id,
        version.title,
        version.effective.isoformat(),
        GOVERNING[version.governed_by],
        dates.day(version.governed_by).isoformat(),
        assumed=bool(_assumed_bases(versions, dates)),
    )


def _rules(law: Law) -> dict[str, Versions[Any]]:
    every: tuple[Versions[Any], ...] = (law.guidelines, law.pleas, law.suspension, law.notification)
    return {versions.rule: versions for versions in every}


def _line(versions: Versions[Any], used: VersionUsed, dates: Dates) -> str:
    alike: dict[tuple[date, str | None], list[str]] = {}
    for name in _assumed_bases(versions, dates):
        alike.setdefault((dates.day(name), dates.assumed_from(name)), []).append(GOVERNING[name])
    taken = "; ".join(
        f"the {' and the '.join(names)} {'were' if len(names) > 1 else 'was'} not given and "
        f"{'were' if len(names) > 1 else 'was'} taken as {day.isoformat()} ({reason})"
        for (day, reason), names in alike.items()
    )
    text = (
        f"{used.rule[0].upper()}{used.rule[1:]}: {used.title} (for a {used.governed_by} on or after "
        f"{used.effective}), because {taken}."
    )
    version = next(item for item in versions.items if item.id == used.id)
    before, after = versions.around(version)
    if after is not None:
        text += (
            f" A {GOVERNING[after.governed_by]} on or after {after.effective.isoformat()} would bring "
            f"instead: {after.title}."
        )
    if before is not None:
        text += f" Before {used.effective} the rule was: {before.title}."
    return text


def assumed_law(result: Assessment, law: Law, offence: Offence) -> list[str]:
    """One plain sentence per rule whose version was chosen by a date nobody gave: which law was assumed,
    why, and what another date would have brought. Empty when every date that matters was given."""
    dates = result.facts.dates
    rules = _rules(law)
    lines = [_line(rules[used.rule], used, dates) for used in result.versions if used.assumed]
    if dates.offence is None:
        lines.append(
            f"Statutory maximum: {offence.maximum} ({offence.statute}), as recorded for offences committed "
            f"on or after {offence.maximum_from.isoformat()}, because the offence date was not given."
        )
    return lines

"""The report's ``sentencing`` object: a case's counts placed in the guideline for each offence considered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from warden.sentencing.assessment import CANNOT_KNOW, ENGINE, NOTICE
from warden.sentencing.bundled import bundled_law
from warden.sentencing.duration import Disposal
from warden.sentencing.engine import NotAssessableError, assess
from warden.sentencing.facts import CaseFacts, Dates, counts_from_report
from warden.sentencing.law import OFFENCES, Law


@dataclass(frozen=True, slots=True)
class SectionOptions:
    """What is known of the case beyond its counts; the report knows none of it, so everything is optional.

    Attributes:
        offences: the offences to assess; the charge is not in the case, so by default all three.
        dates: the case's dates; by default the report's creation date stands for all of them, and says so.
    """

    offences: tuple[str, ...] = OFFENCES
    dates: Dates | None = None
    plea: str | None = None
    aggravating: tuple[str, ...] = ()
    mitigating: tuple[str, ...] = ()
    age: int | None = None
    previous_convictions: int | None = None
    tested: Disposal | None = None


def report_date(report: Mapping[str, Any]) -> date:
    """The date the case was created (``case.created``), which stands in for dates nobody gave.

    Raises:
        ValueError: the report has no usable ``case.created``.
    """
    try:
        return date.fromisoformat(str(report["case"]["created"])[:10])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"report.json has no usable case.created: {error}") from None


_SHARED = ("engine", "notice", "cannot_know", "sources", "unverified", "assumed_law")


def sentencing_section(
    report: Mapping[str, Any], options: SectionOptions | None = None, law: Law | None = None
) -> dict[str, Any]:
    """The ``sentencing`` object for ``report`` (a ``report.json`` dict); same report in, same dict out.

    Each offence in ``options.offences`` gets an assessment; one that cannot be assessed (no data for its
    date, say) is recorded with ``applicable: false`` and the reason, never raised.

    Raises:
        ValueError: the report lacks ``summary.by_category`` or ``case.created``.
    """
    options = options or SectionOptions()
    law = law or bundled_law()
    counts = counts_from_report(report)
    dates = options.dates or Dates.from_given(
        report_date(report), default_reason="the date the case was created: no dates were given"
    )
    assessments: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = {}
    unverified: dict[str, dict[str, str]] = {}
    assumed: dict[str, None] = {}
    for offence in options.offences:
        facts = CaseFacts(
            offence, counts, dates, options.plea, options.aggravating, options.mitigating, options.age,
            options.previous_convictions, options.tested,
        )  # fmt: skip
        try:
            full = assess(facts, law).to_json()
        except NotAssessableError as error:
            name = law.offences[offence].name if offence in law.offences else offence
            assessments.append(
                {"offence": {"id": offence, "name": name}, "applicable": False, "reason": str(error)}
            )
            continue
        sources.update((source["id"], source) for source in full["sources"])
        unverified.update((item["figure"], item) for item in full["unverified"])
        assumed.update(dict.fromkeys(full["assumed_law"]))
        assessments.append({key: value for key, value in full.items() if key not in _SHARED})
    categories = {a.get("category") for a in assessments if a.get("category")}
    return {
        "engine": ENGINE,
        "notice": NOTICE,
        "assumed_law": list(assumed),
        "counts": counts.to_json(),
        "category": categories.pop() if len(categories) == 1 else None,
        "assessments": assessments,
        "cannot_know": list(CANNOT_KNOW),
        "unverified": list(unverified.values()),
        "sources": list(sources.values()),
    }

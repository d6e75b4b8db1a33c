"""The guideline and the statutes as typed, dated versions (built from the data files by ``build``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Generic, TypeVar

from warden.sentencing.duration import Disposal, Term
from warden.sentencing.provenance import Check, Source

OFFENCES = ("possession", "distribution", "production")
PLEA_STAGES = ("first", "after-first", "trial", "none")
GOVERNING = {
    "conviction": "conviction date",
    "sentence": "sentence date",
    "first_hearing": "first hearing date",
}
"""The dates a rule's version can be chosen by (a version's ``governed_by``), and their names in words."""


class NoVersionError(LookupError):
    """No version of a rule is in force on the date asked (the data begins later).

    Internal: the engine turns it into :class:`~warden.sentencing.engine.NotAssessableError`.
    """


@dataclass(frozen=True, slots=True)
class Offence:
    """One of the three offences, with its statutory maximum."""

    id: str
    name: str
    statute: str
    description: str
    maximum: Term
    maximum_from: date
    check: Check
    maximum_from_check: Check


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of the starting-point table."""

    starting_point: Disposal
    low: Disposal
    high: Disposal
    check: Check


@dataclass(frozen=True, slots=True)
class Factor:
    """An aggravating or mitigating factor the guideline lists."""

    id: str
    text: str
    aggravating: bool
    statutory: bool


@dataclass(frozen=True, slots=True)
class Note:
    """A piece of explanatory text with its check."""

    text: str
    check: Check


@dataclass(frozen=True, slots=True)
class Guideline:
    """A version of the "Indecent photographs of children" guideline."""

    id: str
    title: str
    effective: date
    governed_by: str
    applies_to: str
    adult_age: int
    check: Check
    categories: dict[str, str]
    activities: dict[str, str]
    category_rule: Note
    weighing: Note
    table: dict[tuple[str, str], Cell]
    factors: dict[str, Factor]
    factors_check: Check


@dataclass(frozen=True, slots=True)
class PleaStage:
    """The reduction for a plea at one stage: from ``min`` to ``max`` of the sentence."""

    id: str
    text: str
    max: Fraction
    min: Fraction
    check: Check


@dataclass(frozen=True, slots=True)
class PleaGuideline:
    """A version of the guilty-plea guideline."""

    id: str
    title: str
    effective: date
    governed_by: str
    adult_age: int
    check: Check
    stages: dict[str, PleaStage]


@dataclass(frozen=True, slots=True)
class Presumption:
    """A duty to suspend terms up to ``up_to`` for offenders of an age band."""

    id: str
    age_min: int
    age_max: int | None
    up_to: Term
    text: str
    check: Check

    def covers(self, age: int) -> bool:
        """True when an offender of ``age`` at conviction is in this band."""
        return age >= self.age_min and (self.age_max is None or age <= self.age_max)


@dataclass(frozen=True, slots=True)
class SuspensionRule:
    """A version of the law on suspended sentence orders.

    Attributes:
        check: the check of the limits (``minimum`` to ``maximum``).
        commencement: when the version came into force, with its check.
        governing: which date decides that the version applies (``governed_by``), with its check.
        notes: further rules of the version (consecutive terms), each with its check.
    """

    id: str
    title: str
    effective: date
    governed_by: str
    minimum: Term
    maximum: Term
    check: Check
    commencement: Note
    governing: Note
    presumptions: tuple[Presumption, ...]
    exceptions: tuple[Note, ...]
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Band:
    """A row of the notification table."""

    id: str
    text: str
    period: str
    period_term: Term | None
    halved_under_18: bool
    check: Check
    at_least: Term | None = None
    more_than: Term | None = None
    less_than: Term | None = None
    at_most: Term | None = None
    disposal: Disposal | None = None
    otherwise: bool = False

    def matches(self, disposal: Disposal) -> bool:
        """True when ``disposal`` falls in this row (the ``otherwise`` row is left to the caller)."""
        if self.disposal is not None:
            return disposal.kind is self.disposal.kind
        if not disposal.is_custody or self.otherwise:
            return False
        term = disposal.custodial_term()
        return (
            (self.at_least is None or term >= self.at_least)
            and (self.more_than is None or term > self.more_than)
            and (self.less_than is None or term < self.less_than)
            and (self.at_most is None or term <= self.at_most)
        )


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """A version of the notification table."""

    id: str
    title: str
    effective: date
    governed_by: str
    check: Check
    bands: tuple[Band, ...]
    follows_sentence: Note
    under_18: Note
    suspended_terms: Note
    condition: Note

    def band_for(self, disposal: Disposal) -> Band:
        """The row that ``disposal`` falls in."""
        for band in self.bands:
            if not band.otherwise and band.matches(disposal):
                return band
        return next(band for band in self.bands if band.otherwise)


@dataclass(frozen=True, slots=True)
class Ancillary:
    """An order or consequence to consider."""

    id: str
    name: str
    text: str
    check: Check


V = TypeVar("V", Guideline, PleaGuideline, SuspensionRule, NotificationRule)


@dataclass(frozen=True, slots=True)
class Versions(Generic[V]):
    """The versions of one rule, oldest first; :meth:`on` picks the one in force on a date."""

    rule: str
    items: tuple[V, ...]

    def on(self, day: date) -> V:
        """The latest version effective on or before ``day`` (every version judged by the same date).

        Raises:
            NoVersionError: every version begins after ``day``.
        """
        return self.in_force(dict.fromkeys(GOVERNING, day))

    def in_force(self, days: Mapping[str, date]) -> V:
        """The newest version whose own governing date (``days[version.governed_by]``) is on or after its
        effective date.

        Versions of one rule may be chosen by different dates: the 2012 suspension limit by the sentence
        date, the Sentencing Act 2026 by the conviction date.

        Raises:
            NoVersionError: no version applies on its governing date (the data begins later).
        """
        for item in reversed(self.items):
            if item.effective <= days[item.governed_by]:
                return item
        if not self.items:
            raise NoVersionError(f"no {self.rule} data at all")
        first = self.items[0]
        day = days[first.governed_by].isoformat()
        raise NoVersionError(f"no {self.rule} data for {day} (the data begins {first.effective.isoformat()})")

    def around(self, version: V) -> tuple[V | None, V | None]:
        """The versions just before and just after ``version``."""
        index = self.items.index(version)
        before = self.items[index - 1] if index > 0 else None
        after = self.items[index + 1] if index + 1 < len(self.items) else None
        return before, after


@dataclass(frozen=True, slots=True)
class Law:
    """Everything the engine reads: sources, offences, and each rule's versions."""

    sources: dict[str, Source]
    offences: dict[str, Offence]
    guidelines: Versions[Guideline]
    pleas: Versions[PleaGuideline]
    suspension: Versions[SuspensionRule]
    notification: Versions[NotificationRule]
    ancillary: tuple[Ancillary, ...]
    imposition: dict[str, Any]
    imposition_check: Check
    not_encoded: tuple[dict[str, str], ...]

"""Sentences as values: custodial terms in days, weeks, months or years, and non-custodial levels below."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, IntEnum
from fractions import Fraction
from functools import total_ordering
from typing import Any


class Unit(Enum):
    """A unit a term is written in, with its length in days.

    Months and years are calendar units; to compare "26 weeks" with "6 months" a month counts as a twelfth of
    365.25 days. Equal terms in different units compare equal (12 months == 1 year).
    """

    DAY = ("day", Fraction(1))
    WEEK = ("week", Fraction(7))
    MONTH = ("month", Fraction(1461, 48))
    YEAR = ("year", Fraction(1461, 4))

    def __init__(self, word: str, days: Fraction) -> None:
        self.word = word
        self.days = days


_UNIT_WORDS = {
    "d": Unit.DAY, "day": Unit.DAY, "days": Unit.DAY,
    "w": Unit.WEEK, "week": Unit.WEEK, "weeks": Unit.WEEK,
    "m": Unit.MONTH, "month": Unit.MONTH, "months": Unit.MONTH,
    "y": Unit.YEAR, "year": Unit.YEAR, "years": Unit.YEAR,
}  # fmt: skip


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Term:
    """A length of time in the unit it was written in (``Term(26, Unit.WEEK)``); may be fractional after a
    reduction for a guilty plea."""

    amount: Fraction
    unit: Unit

    @classmethod
    def of(cls, amount: int | Fraction, unit: Unit) -> Term:
        """A term of ``amount`` ``unit``s."""
        if amount < 0:
            raise ValueError("a term cannot be negative")
        return cls(Fraction(amount), unit)

    @property
    def days(self) -> Fraction:
        """Length in days (exact; a month is 365.25/12 days)."""
        return self.amount * self.unit.days

    def reduced(self, fraction: Fraction) -> Term:
        """This term less ``fraction``; part of a year is given in months (1 year less a third: 8 months)."""
        return Term(self.amount * (1 - fraction), self.unit)._readable()

    def enlarged(self, fraction: Fraction) -> Term:
        """The term that ``fraction`` off would bring down to this one (the term before a reduction)."""
        return Term(self.amount / (1 - fraction), self.unit)._readable()

    def _readable(self) -> Term:
        if self.unit is Unit.YEAR and not self.exact:
            return Term(self.amount * 12, Unit.MONTH)
        return self

    @property
    def exact(self) -> bool:
        """True when the amount is a whole number of its unit."""
        return self.amount.denominator == 1

    def __str__(self) -> str:
        if self.exact:
            n = int(self.amount)
            return f"{n} {self.unit.word}{'' if n == 1 else 's'}"
        return f"about {float(self.amount):.1f} {self.unit.word}s"

    def possessive(self) -> str:
        """The guideline's form: "1 year's", "26 weeks'", "about 17.3 weeks'"."""
        return f"{self}'s" if self.amount == 1 else f"{self}'"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and self.days == other.days

    def __lt__(self, other: Term) -> bool:
        return self.days < other.days

    def __hash__(self) -> int:
        return hash(self.days)


class Kind(IntEnum):
    """Kinds of disposal, least severe first: the order ranks any custody above any community order."""

    CAUTION = 0
    ABSOLUTE_DISCHARGE = 1
    CONDITIONAL_DISCHARGE = 2
    FINE = 3
    COMMUNITY_ORDER = 4
    CUSTODY = 5


class Level(IntEnum):
    """The three levels of community order the guidelines name."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


_KIND_WORDS = {
    Kind.CAUTION: "caution",
    Kind.ABSOLUTE_DISCHARGE: "absolute discharge",
    Kind.CONDITIONAL_DISCHARGE: "conditional discharge",
    Kind.FINE: "fine",
}


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Disposal:
    """One sentence or outcome: ``1 year's custody``, ``high-level community order``, ``caution``...

    Disposals compare by severity: kind first, then community level or custodial length.
    """

    kind: Kind
    level: Level | None = None
    term: Term | None = None

    @classmethod
    def custody(cls, amount: int | Fraction, unit: Unit) -> Disposal:
        """A custodial term."""
        return cls(Kind.CUSTODY, term=Term.of(amount, unit))

    @classmethod
    def community(cls, level: Level) -> Disposal:
        """A community order of ``level``."""
        return cls(Kind.COMMUNITY_ORDER, level=level)

    @property
    def is_custody(self) -> bool:
        """True for a custodial term."""
        return self.kind is Kind.CUSTODY

    def custodial_term(self) -> Term:
        """The term of a custodial disposal.

        Raises:
            ValueError: the disposal is not custody.
        """
        if self.term is None:
            raise ValueError(f"{self} has no custodial term")
        return self.term

    def _key(self) -> tuple[int, Fraction]:
        if self.term is not None:
            return (self.kind, self.term.days)
        return (self.kind, Fraction(self.level or 0))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Disposal) and self._key() == other._key()

    def __lt__(self, other: Disposal) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        if self.term is not None:
            days = "" if self.term.exact else f" ({round(self.term.days)} days)"
            return f"{self.term.possessive()} custody{days}"
        if self.level is not None:
            return f"{self.level.name.lower()}-level community order"
        return _KIND_WORDS[self.kind]

    def to_json(self) -> dict[str, Any]:
        """The report's form: the words, and the parts a program can compare."""
        out: dict[str, Any] = {"text": str(self), "kind": self.kind.name.lower()}
        if self.term is not None:
            out["term"] = str(self.term)
            out["days"] = round(float(self.term.days), 2)
        if self.level is not None:
            out["level"] = self.level.name.lower()
        return out


_TERM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
_CUSTODY_SUFFIX = re.compile(r"['’]?s?\s+custody$")


def parse_term(text: str) -> Term:
    """Read a term: ``20m``, ``20 months``, ``26w``, ``1y``, ``14 days``.

    Raises:
        ValueError: the text is not a term.
    """
    match = _TERM.match(text.lower())
    if not match or match.group(2) not in _UNIT_WORDS:
        raise ValueError(f"not a term: {text!r} (write e.g. 20m, 26w, 1y, 14d)")
    return Term.of(Fraction(match.group(1)), _UNIT_WORDS[match.group(2)])


def parse_disposal(text: str) -> Disposal:
    """Read a disposal as the data files and the command line write it.

    Accepts a term (``20m``, ``1 year's custody``), ``community:high`` or ``high-level community order``,
    ``caution``, ``absolute-discharge``, ``conditional-discharge``, ``fine``.

    Raises:
        ValueError: the text names no disposal.
    """
    value = " ".join(text.strip().lower().replace("_", " ").split())
    for kind, word in _KIND_WORDS.items():
        if value in (word, word.replace(" ", "-")):
            return Disposal(kind)
    community = re.match(
        r"^(?:community:(low|medium|high)|(low|medium|high)[- ]level community order)$", value
    )
    if community:
        return Disposal.community(Level[(community.group(1) or community.group(2)).upper()])
    return Disposal(Kind.CUSTODY, term=parse_term(_CUSTODY_SUFFIX.sub("", value)))

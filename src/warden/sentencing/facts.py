"""What the engine is told of a case: the offence, the image counts, the dates, the plea and the offender."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from warden.model.categories import INDECENT
from warden.sentencing.duration import Disposal

COUNT_BASIS_FILES = (
    "files: every copy of a still or moving image counted, stills and moving images added together "
    "(report.json summary.by_category.<X>.stills_files + movies_files)"
)
"""Why files and not distinct images: the guideline counts images, the indictment's counts total what was
found on every device, and a copy found twice was possessed twice; the distinct count is shown beside it. The
choice cannot change the category (a category with files has distinct images too), only the volume weighed."""

COUNT_BASIS_TYPED = "typed by hand: images per category as given"


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """The images of one category; the split is known only when the counts come from a case."""

    images: int
    stills: int | None = None
    movies: int | None = None
    distinct: int | None = None

    def __post_init__(self) -> None:
        if self.images < 0 or any(n is not None and n < 0 for n in (self.stills, self.movies, self.distinct)):
            raise ValueError("image counts cannot be negative")

    def to_json(self) -> dict[str, int | None]:
        """The report's form."""
        return {
            "images": self.images,
            "stills": self.stills,
            "movies": self.movies,
            "distinct": self.distinct,
        }


@dataclass(frozen=True, slots=True)
class ImageCounts:
    """The images per category and how they were counted."""

    by_category: dict[str, CategoryCount]
    basis: str

    @classmethod
    def typed(cls, a: int, b: int, c: int) -> ImageCounts:
        """Counts typed by hand."""
        return cls({"A": CategoryCount(a), "B": CategoryCount(b), "C": CategoryCount(c)}, COUNT_BASIS_TYPED)

    @property
    def total(self) -> int:
        """All images, every category."""
        return sum(count.images for count in self.by_category.values())

    @property
    def movies(self) -> int | None:
        """Moving images in all, when known."""
        values = [count.movies for count in self.by_category.values()]
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        out: dict[str, Any] = {name: count.to_json() for name, count in self.by_category.items()}
        out["total"] = self.total
        out["basis"] = self.basis
        return out


def counts_from_report(report: Mapping[str, Any]) -> ImageCounts:
    """The counts of a ``report.json`` dict, by :data:`COUNT_BASIS_FILES`.

    Raises:
        ValueError: the report has no ``summary.by_category`` with A, B and C.
    """
    try:
        by_category = report["summary"]["by_category"]
        counts = {}
        for category in INDECENT:
            c = by_category[category.value]
            stills, movies = int(c["stills_files"]), int(c["movies_files"])
            counts[category.value] = CategoryCount(
                stills + movies, stills, movies, int(c["stills_unique"]) + int(c["movies_unique"])
            )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"report.json has no usable summary.by_category: {error}") from None
    return ImageCounts(counts, COUNT_BASIS_FILES)


@dataclass(frozen=True, slots=True)
class Dates:
    """The dates that decide which version of each rule applies.

    Attributes:
        conviction: governs suspension (Sentencing Act 2026) and the notification table.
        sentence: governs the guideline version.
        first_hearing: governs the guilty-plea guideline.
        offence: governs the statutory maximum; None when not known.
        assumptions: what was assumed for dates not given, in words.
        assumed: each date not given (``conviction``, ``sentence``, ``first_hearing``, ``offence``) with what
            stands in for it, in words (``"--date"``, ``"the conviction date"``...).
    """

    conviction: date
    sentence: date
    first_hearing: date
    offence: date | None = None
    assumptions: tuple[str, ...] = ()
    assumed: tuple[tuple[str, str], ...] = ()

    def assumed_from(self, name: str) -> str | None:
        """What stands in for the date ``name`` when it was not given; None when it was given."""
        return dict(self.assumed).get(name)

    def day(self, name: str) -> date:
        """The date a rule is governed by (``conviction``, ``sentence`` or ``first_hearing``)."""
        day: date = getattr(self, name)
        return day

    @classmethod
    def from_given(
        cls,
        default: date,
        *,
        conviction: date | None = None,
        sentence: date | None = None,
        first_hearing: date | None = None,
        offence: date | None = None,
        default_reason: str = "the date given",
    ) -> Dates:
        """Fill the dates not given from ``default`` (or from each other), saying so.

        Raises:
            ValueError: the dates are out of order.
        """
        notes = []
        assumed: list[tuple[str, str]] = []
        if conviction is None:
            conviction = default
            notes.append(f"conviction date not given: taken as {default.isoformat()} ({default_reason})")
            assumed.append(("conviction", default_reason))
        if sentence is None:
            given_conviction = not assumed and conviction >= default
            sentence = max(default, conviction)
            reason = "the conviction date" if given_conviction else default_reason
            notes.append(f"sentence date not given: taken as {sentence.isoformat()} ({reason})")
            assumed.append(("sentence", reason))
        if first_hearing is None:
            first_hearing = conviction
            notes.append(
                f"first hearing date not given: taken as the conviction date {conviction.isoformat()} "
                "(a first hearing before 1 June 2017 falls under the earlier plea guideline)"
            )
            assumed.append(("first_hearing", "the conviction date"))
        if offence is None:
            notes.append("offence date not given: the statutory maxima in the data are assumed to apply")
            assumed.append(("offence", "not known"))
        if (
            sentence < conviction
            or first_hearing > conviction
            or (offence is not None and offence > first_hearing)
        ):
            raise ValueError("the dates must run offence <= first hearing <= conviction <= sentence")
        return cls(conviction, sentence, first_hearing, offence, tuple(notes), tuple(assumed))

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        return {
            "conviction": self.conviction.isoformat(),
            "sentence": self.sentence.isoformat(),
            "first_hearing": self.first_hearing.isoformat(),
            "offence": self.offence.isoformat() if self.offence else None,
            "assumptions": list(self.assumptions),
            "assumed": dict(self.assumed),
        }


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything the engine is given; factors are the guideline's ids (``warden sentence --list-factors``).

    Attributes:
        plea: ``first``, ``after-first``, ``trial``, ``none``, or None when not stated (every stage is shown).
        age: the offender's age at conviction, when known.
        previous_convictions: how many, when known; relevance and recency are for the court.
        tested: a sentence to check against the guideline (e.g. the one a court imposed), if any.
    """

    offence: str
    counts: ImageCounts
    dates: Dates
    plea: str | None = None
    aggravating: tuple[str, ...] = ()
    mitigating: tuple[str, ...] = ()
    age: int | None = None
    previous_convictions: int | None = None
    tested: Disposal | None = None

    def to_json(self) -> dict[str, Any]:
        """The inputs as the report echoes them."""
        return {
            "offence": self.offence,
            "counts": self.counts.to_json(),
            "dates": self.dates.to_json(),
            "plea": self.plea,
            "aggravating": list(self.aggravating),
            "mitigating": list(self.mitigating),
            "age": self.age,
            "previous_convictions": self.previous_convictions,
            "tested_sentence": self.tested.to_json() if self.tested else None,
        }

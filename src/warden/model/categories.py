"""The UK legal categories of indecent images, and the grades beside them that cases use in practice."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a hash-set entry or an examiner says an image is.

    ``A``, ``B`` and ``C`` are the categories of the Sentencing Council guideline (in force 1 April 2014).
    ``NOT_INDECENT`` is the "ignorable" grade (CAID, MSAB XAMN): seen in cases, not indecent.
    ``KNOWN_GOOD`` marks files known to be harmless software or system files (NSRL).
    ``UNCATEGORISED`` is a listed hash whose category the list does not give.
    """

    A = "A"
    B = "B"
    C = "C"
    NOT_INDECENT = "not_indecent"
    KNOWN_GOOD = "known_good"
    UNCATEGORISED = "uncategorised"

    @property
    def is_indecent(self) -> bool:
        """True for the three legal categories."""
        return self in INDECENT

    @property
    def severity(self) -> int:
        """Rank for "the most serious category wins": higher is more serious."""
        return _SEVERITY[self]

    @classmethod
    def parse(cls, text: str | None) -> Category:
        """Read a category as written in a canonical CSV cell; empty means uncategorised.

        Raises:
            ValueError: the text names no category.
        """
        value = (text or "").strip()
        if not value:
            return cls.UNCATEGORISED
        for category in cls:
            if value.lower() == category.value.lower():
                return category
        raise ValueError(f"unknown category {value!r} (expected A, B, C, not_indecent, known_good or empty)")


INDECENT: tuple[Category, ...] = (Category.A, Category.B, Category.C)

_SEVERITY: dict[Category, int] = {
    Category.A: 60,
    Category.B: 50,
    Category.C: 40,
    Category.UNCATEGORISED: 30,
    Category.NOT_INDECENT: 20,
    Category.KNOWN_GOOD: 10,
}


def most_serious(categories: list[Category]) -> Category | None:
    """The most serious of ``categories``, or None when there are none."""
    return max(categories, key=lambda c: c.severity) if categories else None

"""The rules of grading, pure: what an examiner may grade an item as, what a second review must say, who may
review whose grade, and which batch an undo takes back. ``case.grades`` applies them to the stored grades."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from warden.model.categories import Category

GRADES: tuple[Category, ...] = (Category.A, Category.B, Category.C, Category.NOT_INDECENT)
"""What an examiner may grade an item as."""

VERDICTS = ("confirm", "dispute")
"""What a second reviewer may say of a grade."""


def grade_problem(category: Category, item_ids: Sequence[int]) -> str | None:
    """Why grading ``item_ids`` as ``category`` is refused, or None."""
    if category not in GRADES:
        return f"{category.value} is not a grade (grades: {', '.join(g.value for g in GRADES)})"
    if not item_ids:
        return "nothing to grade"
    return None


def review_problem(verdict: str, note: str | None) -> str | None:
    """Why a second review with this verdict and note is refused, or None: a dispute must give its reason."""
    if verdict not in VERDICTS:
        return f"a review is {' or '.join(VERDICTS)}, not {verdict!r}"
    if verdict == "dispute" and not (note or "").strip():
        return "a dispute needs a reason"
    return None


def independence_problem(
    judge_id: int, judge_name: str, reviewer_id: int, tied: Collection[str]
) -> str | None:
    """Why ``reviewer_id`` may not review a grade judged by ``judge_id``, or None when he may.

    Args:
        tied: the names of the accounts tied to the reviewer (one created the other, directly or through
            accounts it created): their grades are his own for this rule.
    """
    if judge_id == reviewer_id:
        return "a grade is reviewed by someone other than the examiner who gave it"
    if judge_name in tied:
        return (
            f"{judge_name}'s grade is reviewed by someone independent: one of your two accounts created the "
            "other (directly or through accounts it created)"
        )
    return None


def batch_to_undo(batches_newest_first: Iterable[str], undone: Collection[str]) -> str | None:
    """The user's latest batch of grades not undone yet (undoing again goes one batch further back)."""
    return next((batch for batch in batches_newest_first if batch not in undone), None)

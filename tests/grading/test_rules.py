"""The grading rules, without a database: what may be graded, what a review must say, who may review whose
grade, and which batch an undo takes back."""

from __future__ import annotations

from warden.grading.rules import batch_to_undo, grade_problem, independence_problem, review_problem
from warden.model.categories import Category


def test_only_the_legal_categories_and_not_indecent_are_grades() -> None:
    assert grade_problem(Category.B, [1]) is None
    assert grade_problem(Category.NOT_INDECENT, [1]) is None
    assert "is not a grade" in (grade_problem(Category.KNOWN_GOOD, [1]) or "")
    assert grade_problem(Category.A, []) == "nothing to grade"


def test_a_dispute_gives_its_reason_and_a_verdict_is_confirm_or_dispute() -> None:
    assert review_problem("confirm", None) is None
    assert review_problem("dispute", "  ") == "a dispute needs a reason"
    assert review_problem("dispute", "the child is an adult") is None
    assert "confirm or dispute" in (review_problem("approve", None) or "")


def test_nobody_reviews_his_own_grade_or_one_of_an_account_tied_to_him() -> None:
    assert "someone other than the examiner" in (independence_problem(3, "ann", 3, ()) or "")
    assert "one of your two accounts" in (independence_problem(3, "ann-2", 4, {"ann-2"}) or "")
    assert independence_problem(3, "ann", 4, {"bob"}) is None


def test_undo_takes_back_the_latest_batch_not_undone_yet() -> None:
    assert batch_to_undo(["b3", "b2", "b1"], {"b3"}) == "b2"
    assert batch_to_undo(["b1"], {"b1"}) is None

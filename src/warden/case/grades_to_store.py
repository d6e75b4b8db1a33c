"""A case's grades into the hash-set store: the set :mod:`warden.grading.feedback` makes from the case's
items, stored, and the export recorded in the case's audit log."""

from __future__ import annotations

from typing import Any

from warden.case.folder import Case
from warden.case.items import load_items
from warden.errors import UsageError
from warden.grading.feedback import Feedback, hashset_from_grades
from warden.hashsets.store import HashSetStore


def add_grades_to_store(
    case: Case, store: HashSetStore, name: str, *, include_disputed: bool = False
) -> tuple[Feedback, dict[str, Any]]:
    """Make the set from ``case``'s grades, add it to ``store`` and record the export in the case's audit log.

    Raises:
        UsageError: the case has no grade to put in a set (or the name is not a valid set name).
        HashSetExistsError: a set of that name is already in the store.
    """
    feedback = hashset_from_grades(case.id, load_items(case.engine), name, include_disputed=include_disputed)
    if not feedback.hashset.entries:
        reason = (
            f"{feedback.left_out_disputed} disputed (add --include-disputed to take them)"
            if feedback.left_out_disputed
            else "none graded A, B, C or not indecent"
        )
        raise UsageError(f"case {case.id} has no grade to make a hash set from: {reason}")
    manifest = store.add(feedback.hashset)
    case.audit(
        "hashset.from_grades",
        {
            "name": manifest["name"],
            "entries": manifest["entries"],
            "counts": feedback.counts(),
            "sha256": manifest["source_sha256"],
            "include_disputed": include_disputed,
            "left_out_disputed": feedback.left_out_disputed,
        },
    )
    case.log(
        f"hash set {manifest['name']!r} made from {feedback.graded} grades: {manifest['entries']} entries"
    )
    return feedback, manifest

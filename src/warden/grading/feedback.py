"""Grades feed back: a case's examiner grades become a hash set, so the next case finds those images itself.

One entry per distinct graded file content (by SHA-1): its MD5, SHA-1, SHA-256, PDQ (when of matchable
quality) or vPDQ (videos), the grade's category, and ``source_id`` ``<case id>:<evidence>/<path>`` of the
first copy. Pure: :mod:`warden.case.grades_to_store` puts the set into the hash-set store like any imported
list; ``warden hashset export NAME --format vics --profile uk`` then writes the VICS 2.0 file that is
submitted upstream (CAID, Project VIC).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from warden import settings
from warden.grading.rules import GRADES
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.readers import write_hashset
from warden.hashsets.store import check_name
from warden.model.categories import Category, most_serious
from warden.model.hashes import vpdq_from_text
from warden.model.records import ItemRecord, item_place

FORMAT = "grades"
"""The ``format`` a set made from grades is recorded with (it was read from no file)."""


@dataclass(slots=True)
class Feedback:
    """What went into the set and what was left out, and why.

    Attributes:
        hashset: the set (entries in the order of their first copy).
        graded: items with a current grade of A, B, C or not indecent.
        left_out_disputed: graded items left out because a second reviewer disputes the grade.
        left_out_no_digest: graded items without an MD5 (unreadable), which no list can carry.
        conflicting: distinct contents whose copies were graded differently (the most serious grade is used).
    """

    hashset: HashSet
    graded: int = 0
    left_out_disputed: int = 0
    left_out_no_digest: int = 0
    conflicting: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Entries per category."""
        return {name: count for name, count in self.hashset.counts().items() if count}


def _pdq(item: ItemRecord) -> str | None:
    # A hash of too little detail would only make false leads in the next case; the digests still match.
    min_quality = settings.get_int(settings.PDQ_MIN_QUALITY)
    if item.pdq and item.pdq_quality is not None and item.pdq_quality >= min_quality:
        return item.pdq
    return None


def _entry(case_id: str, copies: list[ItemRecord], category: Category) -> Entry:
    first = copies[0]
    video = next((copy.vpdq for copy in copies if copy.vpdq), None)
    return Entry(
        md5=first.md5,
        sha1=first.sha1,
        sha256=first.sha256,
        pdq=next((pdq for pdq in map(_pdq, copies) if pdq), None),
        vpdq=vpdq_from_text(video) if video else None,
        category=category,
        source_id=f"{case_id}:{item_place(first.evidence, first.path)}",
    )


def canonical_sha256(entries: Iterable[Entry]) -> str:
    """SHA-256 of the entries as Warden's canonical CSV: what ``warden hashset export NAME`` writes, so
    anyone can check which list a case was matched against."""
    buffer = io.StringIO()
    write_hashset(list(entries), buffer, "csv")
    return hashlib.sha256(buffer.getvalue().encode("utf-8")).hexdigest()


def hashset_from_grades(
    case_id: str, items: Iterable[ItemRecord], name: str, *, include_disputed: bool = False
) -> Feedback:
    """The hash set of a case's current grades (pure: the same items give the same set).

    Confirmed and unreviewed grades go in; disputed ones only with ``include_disputed``.
    """
    groups: dict[str, list[ItemRecord]] = {}
    feedback = Feedback(HashSet(name=check_name(name), format=FORMAT))
    for item in sorted(items, key=lambda i: (i.evidence, i.path)):
        grade = item.grade
        if grade is None or grade.category not in GRADES:
            continue
        feedback.graded += 1
        if grade.status == "disputed" and not include_disputed:
            feedback.left_out_disputed += 1
            continue
        if not item.md5:
            feedback.left_out_no_digest += 1
            continue
        groups.setdefault(item.sha1 or item.md5, []).append(item)
    entries = []
    for key, copies in groups.items():
        categories = {copy.grade.category for copy in copies if copy.grade is not None}
        if len(categories) > 1:
            feedback.conflicting.append(key)
        category = most_serious(sorted(categories, key=lambda c: c.value)) or Category.UNCATEGORISED
        entries.append(_entry(case_id, copies, category))
    feedback.hashset.entries = entries
    feedback.hashset.source = f"grades of case {case_id}"
    feedback.hashset.source_sha256 = canonical_sha256(entries)
    return feedback

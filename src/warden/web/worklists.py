"""What waits for whom: the examiner's queue of clusters, the reviewer's queue, and the disputes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from warden.case import accounts, grades
from warden.case.items import read_items
from warden.grading.clusters import Candidate, cluster
from warden.model.categories import Category, most_serious
from warden.model.records import GradeRecord, ItemRecord, Media
from warden.model.states import State


@dataclass(frozen=True, slots=True)
class Entry:
    """An item as the lists show it.

    Attributes:
        id: the item's id.
        evidence: label of its evidence root.
        path: its path inside the evidence.
        media: ``still`` or ``movie``.
        format: the sniffed format.
        size: bytes.
        state: live, deleted, carved or thumbnail.
        matched: the most serious category a hash set gave it, if any.
        problem: its recorded errors, if any.
        pdq: its PDQ hash and ``pdq_quality``, if it has one (what clusters it).
    """

    id: int
    evidence: str
    path: str
    media: Media
    format: str | None
    size: int | None
    state: State
    matched: Category | None = None
    problem: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None

    @property
    def name(self) -> str:
        """The last level of its path, for a short label."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Cluster:
    """Near-duplicates graded by one decision (a video or a split-off item is a cluster of one)."""

    members: tuple[Entry, ...]

    @property
    def ids(self) -> list[int]:
        """The members' item ids."""
        return [member.id for member in self.members]


@dataclass(frozen=True, slots=True)
class Graded:
    """An item with its current grade, for the reviewer's queue and the disputes."""

    entry: Entry
    grade: GradeRecord


REVIEWED_MEDIA = (Media.STILL, Media.MOVIE)
"""What an examiner looks at and grades: stills and videos."""


def _entry(item_id: int, record: ItemRecord) -> Entry:
    categories = [match.category for match in record.matches]
    problems = record.problems
    return Entry(
        id=item_id,
        evidence=record.evidence,
        path=record.path,
        media=record.media,
        format=record.format,
        size=record.size,
        state=record.state,
        matched=most_serious(categories) if categories else None,
        problem="; ".join(f"{p.stage}: {p.message}" for p in problems) if problems else None,
        pdq=record.pdq,
        pdq_quality=record.pdq_quality,
    )


def _entries(connection: Connection, item_ids: list[int] | None = None) -> dict[int, Entry]:
    records = read_items(connection, item_ids, media=REVIEWED_MEDIA)
    return {item_id: _entry(item_id, record) for item_id, record in records.items()}


@dataclass(frozen=True, slots=True)
class _Clustering:
    """One call of :func:`~warden.grading.clusters.cluster`: its arguments and its clusters."""

    threshold: int
    alone: frozenset[int]
    candidates: dict[int, Candidate]
    groups: list[list[int]]

    def left_after_grading(self, candidates: Sequence[Candidate]) -> list[list[int]] | None:
        """The clusters of ``candidates`` when they are whole clusters of this clustering, else None."""
        if any(self.candidates.get(candidate.item_id) != candidate for candidate in candidates):
            return None
        waiting = {candidate.item_id for candidate in candidates}
        kept = [group for group in self.groups if group[0] in waiting]
        whole = all(member in waiting for group in kept for member in group)
        return kept if whole and sum(len(group) for group in kept) == len(waiting) else None


class QueueClusters:
    """The queue's last clustering, reused while the items waiting are what is left of it after whole clusters
    were graded (single linkage: taking whole clusters out leaves every other one as it was).

    Clustering compares every pair of stills waiting, seconds for tens of thousands, and every view of the
    queue needs it; a split, an item graded on its own, new items or another threshold cluster afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: _Clustering | None = None

    def groups(self, candidates: Sequence[Candidate], *, threshold: int, alone: set[int]) -> list[list[int]]:
        """What :func:`~warden.grading.clusters.cluster` gives for these arguments."""
        with self._lock:
            last = self._last
        if last is not None and last.threshold == threshold and last.alone == alone:
            kept = last.left_after_grading(candidates)
            if kept is not None:
                return kept
        groups = cluster(candidates, threshold=threshold, alone=alone)
        with self._lock:
            self._last = _Clustering(
                threshold,
                frozenset(alone),
                {candidate.item_id: candidate for candidate in candidates},
                groups,
            )
        return groups


def review_queue(
    connection: Connection,
    *,
    threshold: int,
    include_matched: bool = False,
    clusters: QueueClusters | None = None,
) -> list[Cluster]:
    """Stills and videos no one has graded (and, unless asked, no hash set matched), in clusters, largest
    first; ``clusters`` keeps the last clustering to reuse."""
    entries = {
        item_id: _entry(item_id, record)
        for item_id, record in read_items(connection, media=REVIEWED_MEDIA).items()
        if record.grade is None and (include_matched or not record.matches)
    }
    candidates = [
        Candidate(item_id, entry.pdq, entry.pdq_quality) if entry.media is Media.STILL else Candidate(item_id)
        for item_id, entry in sorted(entries.items())
    ]
    alone = grades.split_items(connection)
    if clusters is None:
        groups = cluster(candidates, threshold=threshold, alone=alone)
    else:
        groups = clusters.groups(candidates, threshold=threshold, alone=alone)
    return [Cluster(tuple(entries[item_id] for item_id in group)) for group in groups]


def awaiting_review(connection: Connection, reviewer_id: int) -> list[Graded]:
    """Graded items whose current grade no one has reviewed yet, leaving out the grades the reviewer may not
    review: his own and those of accounts tied to his (one created by the other)."""
    tied = accounts.tied_to(connection, reviewer_id)
    current = {
        item_id: record
        for item_id, record in grades.current_grades(connection).items()
        if record.status == "unreviewed" and record.user not in tied
    }
    entries = _entries(connection, list(current))
    return [Graded(entries[item_id], current[item_id]) for item_id in sorted(current) if item_id in entries]


def disputes(connection: Connection) -> list[Graded]:
    """Items whose current grade a reviewer disputes, most recently disputed first."""
    disputed = grades.disputed(connection)
    entries = _entries(connection, list(disputed))
    listed = [Graded(entries[item_id], record) for item_id, record in disputed.items() if item_id in entries]
    return sorted(listed, key=lambda graded: graded.grade.reviews[-1].at, reverse=True)

"""What waits for whom: the examiner's queue of clusters, the reviewer's queue, and the disputes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from warden.case import accounts, schema
from warden.case.records import GradeRecord
from warden.grading import grades
from warden.grading.categories import Category, most_serious
from warden.grading.clusters import Candidate, cluster


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
    media: str
    format: str | None
    size: int | None
    state: str
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


def _entries(connection: Connection, item_ids: list[int] | None = None) -> dict[int, Entry]:
    labels = dict(connection.execute(select(schema.evidence.c.id, schema.evidence.c.label)).all())
    match_query = select(schema.matches.c.item_id, schema.matches.c.category)
    error_query = select(
        schema.item_errors.c.item_id, schema.item_errors.c.stage, schema.item_errors.c.message
    )
    query = select(schema.items).where(schema.items.c.media.in_(("still", "movie")))
    if item_ids is not None:
        match_query = match_query.where(schema.matches.c.item_id.in_(item_ids))
        error_query = error_query.where(schema.item_errors.c.item_id.in_(item_ids))
        query = query.where(schema.items.c.id.in_(item_ids))
    matched: dict[int, list[Category]] = {}
    for item_id, category in connection.execute(match_query):
        matched.setdefault(int(item_id), []).append(Category(category))
    problems: dict[int, list[str]] = {}
    for item_id, stage, message in connection.execute(error_query.order_by(schema.item_errors.c.id)):
        problems.setdefault(int(item_id), []).append(f"{stage}: {message}")
    return {
        int(row["id"]): Entry(
            id=int(row["id"]),
            evidence=labels[row["evidence_id"]],
            path=row["path"],
            media=row["media"],
            format=row["format"],
            size=row["size"],
            state=row["state"],
            matched=most_serious(matched.get(int(row["id"]), [])) if int(row["id"]) in matched else None,
            problem="; ".join(problems[int(row["id"])]) if int(row["id"]) in problems else None,
            pdq=row["pdq"],
            pdq_quality=row["pdq_quality"],
        )
        for row in connection.execute(query).mappings()
    }


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
    graded = set(grades.current_grades(connection))
    entries = {
        item_id: entry
        for item_id, entry in _entries(connection).items()
        if item_id not in graded and (include_matched or entry.matched is None)
    }
    candidates = [
        Candidate(item_id, entry.pdq, entry.pdq_quality) if entry.media == "still" else Candidate(item_id)
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

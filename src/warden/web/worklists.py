"""What waits for whom: the examiner's queue of clusters, the reviewer's queue, and the disputes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from warden.case import schema
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
        )
        for row in connection.execute(query).mappings()
    }


def review_queue(connection: Connection, *, threshold: int, include_matched: bool = False) -> list[Cluster]:
    """Stills and videos no one has graded (and, unless asked, no hash set matched), in clusters, largest
    first."""
    graded = set(grades.current_grades(connection))
    listed = {int(row[0]) for row in connection.execute(select(schema.matches.c.item_id).distinct())}
    hashes = {
        int(row.id): (row.pdq, row.pdq_quality)
        for row in connection.execute(
            select(schema.items.c.id, schema.items.c.pdq, schema.items.c.pdq_quality).where(
                schema.items.c.media == "still"
            )
        )
    }
    entries = {
        item_id: entry
        for item_id, entry in _entries(connection).items()
        if item_id not in graded and (include_matched or item_id not in listed)
    }
    candidates = [
        Candidate(item_id, *hashes.get(item_id, (None, None)))
        if entry.media == "still"
        else Candidate(item_id)
        for item_id, entry in sorted(entries.items())
    ]
    groups = cluster(candidates, threshold=threshold, alone=grades.split_items(connection))
    return [Cluster(tuple(entries[item_id] for item_id in group)) for group in groups]


def awaiting_review(connection: Connection, reviewer: str) -> list[Graded]:
    """Graded items whose current grade no one has reviewed yet, leaving out the reviewer's own grades."""
    current = {
        item_id: record
        for item_id, record in grades.current_grades(connection).items()
        if record.status == "unreviewed" and record.user != reviewer
    }
    entries = _entries(connection, list(current))
    return [Graded(entries[item_id], current[item_id]) for item_id in sorted(current) if item_id in entries]


def disputes(connection: Connection) -> list[Graded]:
    """Items whose current grade a reviewer disputes, most recently disputed first."""
    disputed = grades.disputed(connection)
    entries = _entries(connection, list(disputed))
    listed = [Graded(entries[item_id], record) for item_id, record in disputed.items() if item_id in entries]
    return sorted(listed, key=lambda graded: graded.grade.reviews[-1].at, reverse=True)


def entry(connection: Connection, item_id: int) -> Entry | None:
    """One still or video as the lists show it."""
    return _entries(connection, [item_id]).get(item_id)

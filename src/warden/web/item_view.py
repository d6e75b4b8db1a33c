"""Everything the item page shows: where the item was found step by step, its hashes, matches and grades."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from warden.case import grades
from warden.case.grades import HistoryEntry
from warden.case.items import evidence_roots, read_item
from warden.model.hashes import Media
from warden.model.records import GradeRecord, ItemRecord, MatchRecord


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item of evidence for its page.

    Attributes:
        id: the item's id.
        evidence: label of its evidence root; ``evidence_path`` where that root was when scanned.
        path: the item's path inside the evidence root.
        media: still, movie or other.
        facts: size, media, format, dimensions, state, parent and timestamps, in display order.
        hashes: MD5, SHA-1, SHA-256, PDQ (with its quality) and the number of vPDQ frames, where known.
        provenance: the steps from the evidence root down to the item (kind, name, detail).
        matches: every hash-set entry it matched, the one that speaks for it first.
        errors: its per-item problems (``stage: message``) and notes.
        grade: its current grade with reviews, if graded.
        history: every grade, undo and review, oldest first.
        split: whether an examiner split it off its cluster.
    """

    id: int
    evidence: str
    evidence_path: str
    path: str
    media: Media
    facts: list[tuple[str, Any]]
    hashes: list[tuple[str, str]]
    provenance: list[dict[str, Any]]
    matches: list[MatchRecord]
    errors: list[str] = field(default_factory=list)
    grade: GradeRecord | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    split: bool = False


def item_view(connection: Connection, item_id: int) -> ItemView | None:
    """The item's page data, or None when the case has no such item."""
    record = read_item(connection, item_id)
    if record is None:
        return None
    return ItemView(
        id=item_id,
        evidence=record.evidence,
        evidence_path=evidence_roots(connection)[record.evidence],
        path=record.path,
        media=record.media,
        facts=_facts(record),
        hashes=_hashes(record),
        provenance=record.provenance,
        matches=record.matches,
        errors=[f"{problem.stage}: {problem.message}" for problem in record.problems] + record.notes,
        grade=record.grade,
        history=grades.history(connection, item_id),
        split=item_id in grades.split_items(connection),
    )


def _facts(record: ItemRecord) -> list[tuple[str, Any]]:
    """What the page lists of the item, in display order, leaving out what is not known."""
    facts: list[tuple[str, Any]] = [
        ("media", record.media),
        ("format", record.format),
        ("size", record.size),
        ("dimensions", f"{record.width} x {record.height}" if record.width else None),
        ("found", record.state),
        ("inside", record.parent),
        ("modified", record.mtime),
        ("changed", record.ctime),
        ("accessed", record.atime),
        ("created", record.crtime),
    ]
    return [(name, value) for name, value in facts if value is not None]


def _hashes(record: ItemRecord) -> list[tuple[str, str]]:
    pdq = f"{record.pdq} (quality {record.pdq_quality})" if record.pdq else None
    frames = f"{len(record.vpdq.split())} frames hashed" if record.vpdq else None
    named = (
        ("MD5", record.md5),
        ("SHA-1", record.sha1),
        ("SHA-256", record.sha256),
        ("PDQ", pdq),
        ("vPDQ", frames),
    )
    return [(name, str(value)) for name, value in named if value]

"""Everything the item page shows: where the item was found step by step, its hashes, matches and grades."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from warden.case import schema
from warden.case.records import GradeRecord
from warden.grading import grades
from warden.grading.grades import HistoryEntry


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item of evidence for its page.

    Attributes:
        id: the item's id.
        evidence: label of its evidence root; ``evidence_path`` where that root was when scanned.
        path: the item's path inside the evidence root.
        facts: size, media, format, dimensions, state, parent and timestamps, in display order.
        hashes: MD5, SHA-1, SHA-256, PDQ (with its quality) and the number of vPDQ frames, where known.
        provenance: the steps from the evidence root down to the item (kind, name, detail).
        matches: every hash-set entry it matched.
        errors: its per-item errors (``stage: message``) and notes.
        grade: its current grade with reviews, if graded.
        history: every grade, undo and review, oldest first.
        split: whether an examiner split it off its cluster.
    """

    id: int
    evidence: str
    evidence_path: str
    path: str
    media: str
    facts: list[tuple[str, Any]]
    hashes: list[tuple[str, str]]
    provenance: list[dict[str, Any]]
    matches: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    grade: GradeRecord | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    split: bool = False


def item_view(connection: Connection, item_id: int) -> ItemView | None:
    """The item's page data, or None when the case has no such item."""
    row = (
        connection.execute(
            select(schema.items, schema.evidence.c.label, schema.evidence.c.path.label("evidence_path"))
            .join(schema.evidence, schema.evidence.c.id == schema.items.c.evidence_id)
            .where(schema.items.c.id == item_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    facts: list[tuple[str, Any]] = [
        ("media", row["media"]),
        ("format", row["format"]),
        ("size", row["size"]),
        ("dimensions", f"{row['width']} x {row['height']}" if row["width"] else None),
        ("found", row["state"]),
        ("inside", row["parent"]),
        ("modified", row["mtime"]),
        ("changed", row["ctime"]),
        ("accessed", row["atime"]),
        ("created", row["crtime"]),
    ]
    hashes = [
        (name, str(value))
        for name, value in (
            ("MD5", row["md5"]),
            ("SHA-1", row["sha1"]),
            ("SHA-256", row["sha256"]),
            ("PDQ", f"{row['pdq']} (quality {row['pdq_quality']})" if row["pdq"] else None),
            ("vPDQ", f"{len(row['vpdq'].split())} frames hashed" if row["vpdq"] else None),
        )
        if value
    ]
    set_names = dict(connection.execute(select(schema.hashsets.c.id, schema.hashsets.c.name)).all())
    matches = [
        {
            "hashset": set_names.get(match["hashset_id"], "?"),
            "kind": match["kind"],
            "hash_kind": match["hash_kind"],
            "distance": match["distance"],
            "variant": match["variant"],
            "source_id": match["source_id"],
            "category": match["category"],
        }
        for match in connection.execute(
            select(schema.matches).where(schema.matches.c.item_id == item_id).order_by(schema.matches.c.id)
        ).mappings()
    ]
    errors = [
        f"{stage}: {message}"
        for stage, message in connection.execute(
            select(schema.item_errors.c.stage, schema.item_errors.c.message)
            .where(schema.item_errors.c.item_id == item_id)
            .order_by(schema.item_errors.c.id)
        )
    ]
    errors += json.loads(row["notes"]) if row["notes"] else []
    return ItemView(
        id=item_id,
        evidence=row["label"],
        evidence_path=row["evidence_path"],
        path=row["path"],
        media=row["media"],
        facts=[(name, value) for name, value in facts if value is not None],
        hashes=hashes,
        provenance=json.loads(row["provenance"]) if row["provenance"] else [],
        matches=matches,
        errors=errors,
        grade=grades.current_grades(connection, [item_id]).get(item_id),
        history=grades.history(connection, item_id),
        split=item_id in grades.split_items(connection),
    )

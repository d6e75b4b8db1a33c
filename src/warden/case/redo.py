"""Items an earlier Warden recorded with a failure of its own disk, not of the item: done again on a rerun.

Before issue 8, a spool whose disk was full made the item an error ("cannot be read: [Errno 28] No space
left on device"), and a rerun skipped it as done. Such items are found by the exact message that Warden
wrote, and replaced by what the rerun records, in the same transaction (so the case never holds neither).
An item an examiner has graded or split is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, select

from warden.case import audit, schema

_DISK_FULL = re.compile(
    r"cannot be read(?: as [\w.+-]+)?: (?:OSError: )?\[Errno (?:28|122)\] "
    r"(?:No space left on device|Disk quota exceeded)(?:: .*)?",
    re.DOTALL,
)


def is_disk_full_record(stage: str, message: str) -> bool:
    """True when a recorded error is an earlier Warden's full spool, not a fault of the item."""
    return stage == "read" and _DISK_FULL.fullmatch(message) is not None


def to_redo(engine: Engine) -> dict[tuple[int, str], int]:
    """(evidence id, path) -> item id of every recorded item to be done again."""
    items, errors = schema.items, schema.item_errors
    with engine.connect() as connection:
        rows = connection.execute(
            select(items.c.id, items.c.evidence_id, items.c.path, errors.c.stage, errors.c.message)
            .join(errors, errors.c.item_id == items.c.id)
            .where(errors.c.stage == "read", errors.c.message.like("cannot be read%[Errno %"))
        ).all()
        kept = {int(row.item_id) for row in connection.execute(select(schema.grades.c.item_id))}
        kept |= {int(row.item_id) for row in connection.execute(select(schema.cluster_splits.c.item_id))}
    return {
        (int(row.evidence_id), str(row.path)): int(row.id)
        for row in rows
        if int(row.id) not in kept and is_disk_full_record(row.stage, row.message)
    }


def forget(
    connection: Connection,
    item_ids: Iterable[int],
    *,
    actor: str,
    scan_id: int,
    reason: str = "an earlier run recorded them unreadable because Warden's own disk was full",
) -> None:
    """Delete items (with their matches and errors) inside the caller's transaction, before rewriting them.

    The audit log records it, releasing the rows from its seal so that their removal is not tampering.
    """
    ids = sorted(set(item_ids))
    if not ids:
        return
    matches, errors = schema.matches, schema.item_errors
    paths = connection.execute(select(schema.items.c.path).where(schema.items.c.id.in_(ids))).scalars().all()
    audit.append(
        connection,
        actor,
        "scan.redo",
        {
            "scan": scan_id,
            "items": list(paths),
            "reason": reason,
        },
        releasing={
            "items": ids,
            "matches": connection.execute(select(matches.c.id).where(matches.c.item_id.in_(ids)))
            .scalars()
            .all(),
            "item_errors": connection.execute(select(errors.c.id).where(errors.c.item_id.in_(ids)))
            .scalars()
            .all(),
        },
    )
    connection.execute(delete(schema.matches).where(schema.matches.c.item_id.in_(ids)))
    connection.execute(delete(schema.item_errors).where(schema.item_errors.c.item_id.in_(ids)))
    connection.execute(delete(schema.items).where(schema.items.c.id.in_(ids)))

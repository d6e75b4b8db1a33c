"""The container limits a case's scans raised for one exhibit (``warden scan --raise-limit``), as recorded.

Whatever reads an item inside a container again (the report's annex, the review app's previews) must open
that container under the limits the scan used, or a container the examiner had the scan read under a raised
limit would be refused again. Each scan run records its raised limits in its options; the highest value
any run used for an exhibit is the one to open it with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from warden.case import schema


def recorded_raises(engine: Engine) -> dict[str, dict[str, int]]:
    """Per exhibit label, the limits raised for it by any scan run (setting name -> highest value used)."""
    raises: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for (text,) in connection.execute(select(schema.scans.c.options)):
            try:
                options = json.loads(text)
            except ValueError:
                continue
            if not isinstance(options, dict):
                continue
            for entry in options.get("raised_limits") or []:
                try:
                    exhibit, name, value = str(entry["exhibit"]), str(entry["limit"]), int(entry["value"])
                except (KeyError, TypeError, ValueError):
                    continue
                limits = raises.setdefault(exhibit, {})
                limits[name] = max(value, limits.get(name, 0))
    return raises


@dataclass(frozen=True, slots=True)
class RecordedError:
    """An error recorded against an item: the item's id, exhibit id and path, and the error's message."""

    item_id: int
    evidence_id: int
    path: str
    message: str


def ungraded_errors_like(engine: Engine, evidence_ids: Iterable[int], pattern: str) -> list[RecordedError]:
    """The recorded errors of items of these exhibits whose message is ``LIKE pattern`` (one per error, in
    exhibit then path order), leaving out the items an examiner has graded or split off: they stay as
    they are."""
    items, errors = schema.items, schema.item_errors
    with engine.connect() as connection:
        rows = connection.execute(
            select(items.c.id, items.c.evidence_id, items.c.path, errors.c.message)
            .join(errors, errors.c.item_id == items.c.id)
            .where(items.c.evidence_id.in_(sorted(set(evidence_ids))), errors.c.message.like(pattern))
            .order_by(items.c.evidence_id, items.c.path)
        ).all()
        kept = {int(item_id) for item_id in connection.execute(select(schema.grades.c.item_id)).scalars()}
        kept |= {
            int(item_id) for item_id in connection.execute(select(schema.cluster_splits.c.item_id)).scalars()
        }
    return [
        RecordedError(int(row.id), int(row.evidence_id), str(row.path), str(row.message))
        for row in rows
        if int(row.id) not in kept
    ]

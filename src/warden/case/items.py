"""Writing scanned items into the case database in batches, and reading them back for reports."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, select

from warden.case import schema
from warden.case.records import NOT_EXAMINED, ItemError, ItemRecord, MatchKind, MatchRecord, Media
from warden.grading.categories import Category
from warden.grading.grades import current_grades


def done_keys(engine: Engine) -> set[tuple[int, str]]:
    """(evidence id, path) of every item already recorded: a resumed scan skips these."""
    with engine.connect() as connection:
        rows = connection.execute(select(schema.items.c.evidence_id, schema.items.c.path)).all()
    return {(int(evidence_id), str(path)) for evidence_id, path in rows}


def paths_recorded_differently(engine: Engine) -> int:
    """How many items recorded before case format 4 have a path format 4 may write differently: one holding
    a backslash (now written twice), a colon (an NTFS stream name's is now escaped) or a character beyond
    ASCII (a zip name without the UTF-8 flag is now read as DOS did). A rerun records such an item again
    under its new path, beside the old record."""
    with engine.connect() as connection:
        mark = connection.execute(
            select(schema.case_meta.c.value).where(schema.case_meta.c.key == "paths_before_format_4")
        ).scalar()
        if mark is None:
            return 0
        recorded_before = select(schema.items.c.path).where(schema.items.c.id <= int(mark))
        paths = connection.execute(recorded_before.execution_options(yield_per=10_000)).scalars()
        return sum(1 for path in paths if "\\" in path or ":" in path or not path.isascii())


def write_items(
    connection: Connection,
    records: Iterable[tuple[int, ItemRecord]],
    *,
    scan_id: int,
    hashset_ids: dict[str, int],
) -> int:
    """Insert items with their matches and errors inside the caller's transaction; returns how many.

    Args:
        records: (evidence id, record) pairs.
        scan_id: the scan run that produced them.
        hashset_ids: hash-set id by name, for the matches.
    """
    written = 0
    for evidence_id, record in records:
        category = record.category
        result = connection.execute(
            schema.items.insert().values(
                evidence_id=evidence_id,
                path=record.path,
                size=record.size,
                mtime=record.mtime,
                ctime=record.ctime,
                atime=record.atime,
                md5=record.md5,
                sha1=record.sha1,
                sha256=record.sha256,
                media=record.media.value,
                format=record.format,
                width=record.width,
                height=record.height,
                pdq=record.pdq,
                pdq_quality=record.pdq_quality,
                vpdq=record.vpdq,
                category=category.value if category else None,
                notes=json.dumps(record.notes) if record.notes else None,
                state=record.state,
                provenance=json.dumps(record.provenance, sort_keys=True) if record.provenance else None,
                parent=record.parent,
                crtime=record.crtime,
                scan_id=scan_id,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        item_id = int(key[0])
        if record.matches:
            connection.execute(
                schema.matches.insert(),
                [
                    {
                        "item_id": item_id,
                        "hashset_id": hashset_ids[match.hashset],
                        "kind": match.kind.value,
                        "hash_kind": match.hash_kind,
                        "distance": match.distance,
                        "variant": match.variant,
                        "source_id": match.source_id,
                        "category": match.category.value,
                    }
                    for match in record.matches
                ],
            )
        problems = list(record.errors)
        if record.not_examined:
            problems.append(ItemError(NOT_EXAMINED, record.not_examined))
        if problems:
            connection.execute(
                schema.item_errors.insert(),
                [{"item_id": item_id, "stage": e.stage, "message": e.message} for e in problems],
            )
        written += 1
    return written


def load_items(engine: Engine) -> list[ItemRecord]:
    """Every item of the case with its matches and errors, ordered by evidence label then path."""
    with engine.connect() as connection:
        labels = dict(connection.execute(select(schema.evidence.c.id, schema.evidence.c.label)).all())
        set_names = dict(connection.execute(select(schema.hashsets.c.id, schema.hashsets.c.name)).all())
        matches: dict[int, list[MatchRecord]] = defaultdict(list)
        for row in connection.execute(select(schema.matches)).mappings():
            matches[row["item_id"]].append(
                MatchRecord(
                    hashset=set_names.get(row["hashset_id"], "?"),
                    kind=MatchKind(row["kind"]),
                    hash_kind=row["hash_kind"],
                    distance=float(row["distance"]),
                    variant=row["variant"],
                    source_id=row["source_id"],
                    category=Category(row["category"]),
                )
            )
        errors: dict[int, list[ItemError]] = defaultdict(list)
        for row in connection.execute(
            select(schema.item_errors).order_by(schema.item_errors.c.id)
        ).mappings():
            errors[row["item_id"]].append(ItemError(row["stage"], row["message"]))
        grades = current_grades(connection)
        records = []
        for row in connection.execute(select(schema.items)).mappings():
            item_id = row["id"]
            provenance = json.loads(row["provenance"]) if row["provenance"] else []
            found_errors, not_examined = _facts_apart(errors.get(item_id, []), provenance)
            records.append(
                ItemRecord(
                    evidence=labels[row["evidence_id"]],
                    path=row["path"],
                    media=Media(row["media"]),
                    format=row["format"],
                    size=row["size"],
                    mtime=row["mtime"],
                    ctime=row["ctime"],
                    atime=row["atime"],
                    crtime=row["crtime"],
                    state=row["state"],
                    provenance=provenance,
                    parent=row["parent"],
                    md5=row["md5"],
                    sha1=row["sha1"],
                    sha256=row["sha256"],
                    width=row["width"],
                    height=row["height"],
                    pdq=row["pdq"],
                    pdq_quality=row["pdq_quality"],
                    vpdq=row["vpdq"],
                    matches=sorted(matches.get(item_id, []), key=MatchRecord.rank),
                    errors=found_errors,
                    not_examined=not_examined,
                    notes=json.loads(row["notes"]) if row["notes"] else [],
                    grade=grades.get(item_id),
                    item_id=item_id,
                )
            )
    records.sort(key=lambda r: (r.evidence, r.path))
    return records


def _facts_apart(
    problems: list[ItemError], provenance: list[dict[str, object]]
) -> tuple[list[ItemError], str | None]:
    """An item's recorded problems split into its errors and why it was not examined.

    Before case format 4 a container that could not be opened was recorded as an ``evidence`` error of its
    ``(unreadable)`` item (the one whose last step is of kind ``error``), and a file of zero bytes as a
    ``read`` error; both are read as the facts they are (the second is counted by its size).
    """
    unopened = bool(provenance) and provenance[-1].get("kind") == "error"

    def is_fact(problem: ItemError) -> bool:
        return problem.stage == NOT_EXAMINED or (unopened and problem.stage == "evidence")

    reasons = [problem.message for problem in problems if is_fact(problem)]
    errors = [
        problem
        for problem in problems
        if not is_fact(problem) and (problem.stage, problem.message) != _EMPTY_BEFORE_FORMAT_4
    ]
    return errors, "; ".join(reasons) or None


_EMPTY_BEFORE_FORMAT_4 = ("read", "the file is empty (0 bytes)")
"""How a case of format 3 or older recorded a file of zero bytes: as an error."""

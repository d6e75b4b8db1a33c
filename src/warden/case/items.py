"""Writing scanned items into the case database in batches, and reading them back: the one item reader,
for the reports, the item page and the review app's lists alike."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, select

from warden.case import schema
from warden.case.grades import current_grades
from warden.model.categories import Category
from warden.model.records import (
    NOT_EXAMINED,
    ItemError,
    ItemRecord,
    MatchRecord,
    Media,
    VideoSegment,
    match_kind,
)
from warden.model.states import State


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
                state=record.state.value,
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
                        "kind": str(match.kind),
                        "hash_kind": match.hash_kind,
                        "distance": match.distance,
                        "variant": match.variant,
                        "source_id": match.source_id,
                        "category": match.category.value,
                        "segments": _segments_text(match.segments),
                    }
                    for match in record.matches
                ],
            )
        problems = record.problems
        if problems:
            connection.execute(
                schema.item_errors.insert(),
                [{"item_id": item_id, "stage": e.stage, "message": e.message} for e in problems],
            )
        written += 1
    return written


def _segments_text(segments: tuple[VideoSegment, ...]) -> str | None:
    """A video match's stretches as stored (JSON), None for a match without any."""
    if not segments:
        return None
    return json.dumps([segment.to_json() for segment in segments], sort_keys=True)


def _segments(text: str | None) -> tuple[VideoSegment, ...]:
    """The stretches :func:`_segments_text` stored."""
    return tuple(VideoSegment.from_json(value) for value in json.loads(text)) if text else ()


def load_items(engine: Engine) -> list[ItemRecord]:
    """Every item of the case with its matches, errors and grade, ordered by evidence label then path."""
    with engine.connect() as connection:
        records = list(read_items(connection).values())
    records.sort(key=lambda r: (r.evidence, r.path))
    return records


def read_item(connection: Connection, item_id: int) -> ItemRecord | None:
    """One item with its matches, errors and grade, or None when the case has no such item."""
    return read_items(connection, [item_id]).get(item_id)


def read_items(
    connection: Connection, item_ids: Iterable[int] | None = None, *, media: Iterable[Media] | None = None
) -> dict[int, ItemRecord]:
    """The case's items (only ``item_ids``, or of these ``media``, when given) by id, in id order, each with
    its matches (the one that speaks for it first), its errors, why it was not examined, and its current
    grade. The one place an item is read from the database: reports, the item page and the review app's
    lists are all built from these records."""
    wanted = None if item_ids is None else sorted(set(item_ids))
    items, matches_table, errors_table = schema.items, schema.matches, schema.item_errors
    query = select(items).order_by(items.c.id)
    match_query = select(matches_table)
    error_query = select(errors_table).order_by(errors_table.c.id)
    if wanted is not None:
        query = query.where(items.c.id.in_(wanted))
        match_query = match_query.where(matches_table.c.item_id.in_(wanted))
        error_query = error_query.where(errors_table.c.item_id.in_(wanted))
    if media is not None:
        query = query.where(items.c.media.in_([kind.value for kind in media]))
    labels = dict(connection.execute(select(schema.evidence.c.id, schema.evidence.c.label)).all())
    set_names = dict(connection.execute(select(schema.hashsets.c.id, schema.hashsets.c.name)).all())
    min_quality = _min_quality_by_scan(connection)
    matches: dict[int, list[MatchRecord]] = defaultdict(list)
    for row in connection.execute(match_query).mappings():
        matches[row["item_id"]].append(
            MatchRecord(
                hashset=set_names.get(row["hashset_id"], "?"),
                kind=match_kind(row["kind"]),
                hash_kind=row["hash_kind"],
                distance=float(row["distance"]),
                variant=row["variant"],
                source_id=row["source_id"],
                category=Category(row["category"]),
                segments=_segments(row["segments"]),
            )
        )
    errors: dict[int, list[ItemError]] = defaultdict(list)
    for row in connection.execute(error_query).mappings():
        errors[row["item_id"]].append(ItemError(row["stage"], row["message"]))
    grades = current_grades(connection, wanted)
    records: dict[int, ItemRecord] = {}
    for row in connection.execute(query).mappings():
        item_id = int(row["id"])
        provenance = json.loads(row["provenance"]) if row["provenance"] else []
        found_errors, not_examined = _facts_apart(errors.get(item_id, []), provenance)
        floor = min_quality.get(row["scan_id"])
        records[item_id] = ItemRecord(
            evidence=labels[row["evidence_id"]],
            path=row["path"],
            media=Media(row["media"]),
            format=row["format"],
            size=row["size"],
            mtime=row["mtime"],
            ctime=row["ctime"],
            atime=row["atime"],
            crtime=row["crtime"],
            state=State(row["state"]),
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
            low_quality_pdq=is_low_quality(row["pdq"], row["pdq_quality"], floor),
            notes=json.loads(row["notes"]) if row["notes"] else [],
            grade=grades.get(item_id),
            item_id=item_id,
        )
    return records


def is_low_quality(pdq: str | None, quality: int | None, min_quality: int | None) -> bool:
    """Whether a PDQ hash has too little detail to match perceptually: quality under the minimum its scan
    held it to (the scan writes the same fact as a note on the item)."""
    return pdq is not None and quality is not None and min_quality is not None and quality < min_quality


def _min_quality_by_scan(connection: Connection) -> dict[int, int]:
    """The ``pdq_min_quality`` each scan run recorded in its options, by scan id."""
    found: dict[int, int] = {}
    for scan_id, options in connection.execute(select(schema.scans.c.id, schema.scans.c.options)):
        try:
            value = json.loads(options).get("pdq_min_quality")
        except (ValueError, AttributeError):
            continue
        if isinstance(value, int):
            found[int(scan_id)] = value
    return found


def held_items(
    connection: Connection, item_ids: Iterable[int], *, media: Iterable[Media] | None = None
) -> set[int]:
    """Which of ``item_ids`` the case holds (only those of these ``media``, when given)."""
    query = select(schema.items.c.id).where(schema.items.c.id.in_(sorted(set(item_ids))))
    if media is not None:
        query = query.where(schema.items.c.media.in_([kind.value for kind in media]))
    return {int(item_id) for item_id in connection.execute(query).scalars()}


def evidence_roots(connection: Connection) -> dict[str, str]:
    """Where each evidence root was when scanned (its stored, escaped path), by evidence label."""
    return {
        str(label): str(path)
        for label, path in connection.execute(select(schema.evidence.c.label, schema.evidence.c.path))
    }


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

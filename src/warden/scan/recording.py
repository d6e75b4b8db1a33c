"""Turning what the walk found and what a worker computed into the case's record of an item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.evidence.walk import Found
from warden.model.hashes import EXACT_KINDS, VideoHash, VpdqFrame, vpdq_from_text
from warden.model.records import ItemError, ItemRecord, Media
from warden.scan.matcher import ItemHashes


def record_for(label: str, found: Found) -> ItemRecord:
    """The record of an item before hashing: where it is, its times, and its problem if it has one (an error,
    or why it was not examined)."""
    item = found.item
    record = ItemRecord(
        evidence=label,
        path=item.path,
        size=item.size,
        mtime=item.mtime,
        ctime=item.ctime,
        atime=item.atime,
        crtime=item.crtime,
        state=item.state,
        provenance=[dict(step.to_json()) for step in item.steps],
        parent=found.parent,
    )
    if item.problem and item.not_examined:
        record.not_examined = item.problem
    elif item.problem:
        record.errors.append(ItemError("evidence", item.problem))
    return record


def apply_hashes(record: ItemRecord, result: dict[str, Any], min_quality: int) -> ItemHashes:
    """Fill ``record`` from a worker's result; returns what matching needs."""
    record.media = Media(result.get("media") or "other")
    record.format = result.get("format")
    record.md5, record.sha1, record.sha256 = result.get("md5"), result.get("sha1"), result.get("sha256")
    record.size = result.get("size", record.size)
    record.width, record.height = result.get("width"), result.get("height")
    record.pdq, record.pdq_quality = result.get("pdq"), result.get("pdq_quality")
    for error in result.get("errors") or []:
        record.errors.append(ItemError(error["stage"], error["message"]))
    frames = tuple(
        VpdqFrame(pdq=frame["pdq"], quality=int(frame["quality"]), timestamp=float(frame["timestamp"]))
        for frame in result.get("vpdq") or []
    )
    if frames:
        record.vpdq = " ".join(frame.to_text() for frame in frames)
    if record.pdq is not None and record.pdq_quality is not None and record.pdq_quality < min_quality:
        record.low_quality_pdq = True
        record.notes.append(
            f"pdq quality {record.pdq_quality} < {min_quality}: too little detail to match perceptually"
        )
    digests = {kind: result[kind.value] for kind in EXACT_KINDS if result.get(kind.value)}
    variants = [(v["variant"], v["pdq"], int(v["quality"])) for v in result.get("pdq_variants") or []]
    values = {
        str(name): [(str(variant), str(value)) for variant, value in pairs]
        for name, pairs in (result.get("hash_values") or {}).items()
    }
    return ItemHashes(
        digests=digests,
        pdq_variants=variants,
        video=frames or None,
        values=values,
        video_variants=_video_variants(record, result),
    )


def _video_variants(record: ItemRecord, result: dict[str, Any]) -> dict[str, VideoHash]:
    """A movie's extra frames by variant; one a worker sent malformed is left out, with an error."""
    found: dict[str, VideoHash] = {}
    for name, text in (result.get("video_variants") or {}).items():
        try:
            found[str(name)] = vpdq_from_text(str(text))
        except ValueError as error:
            record.errors.append(ItemError("vpdq-variants", f"{name} frames unreadable: {error}"))
    return found


def refused(
    params: object, reason: str, labels: Mapping[Any, str], batch: Sequence[tuple[int, ItemRecord]]
) -> str:
    """Which item the case database refused, and why, for the error message.

    Args:
        params: the refused statement's parameters (a dict naming ``path`` and ``evidence_id``, if known).
        reason: the database's own words.
        labels: exhibit labels by evidence id.
        batch: what was being written (its first item is named when the parameters do not say).
    """
    named = params if isinstance(params, dict) else {}
    path, evidence_id = named.get("path"), named.get("evidence_id")
    if path is None and batch:
        evidence_id, path = batch[0][0], batch[0][1].path
    why = reason.strip().splitlines()[0] if reason.strip() else "a constraint failed"
    return (
        f"the case database refused to record the item {labels.get(evidence_id, '?')}//{path} "
        f"({why}); the items recorded before it are kept. Two items of one evidence may not share a "
        "path: this is a fault in Warden, please report it with this message"
    )

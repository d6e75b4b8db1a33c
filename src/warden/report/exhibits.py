"""Counts per exhibit, and the indictment's totals across all exhibits, counted as the summary counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from warden.model.categories import INDECENT
from warden.model.records import ItemRecord
from warden.model.states import State
from warden.report.summary import summarize

INDICTMENT_BASIS = (
    "every copy found (files), still and moving images apart, per category, totalled across all exhibits; "
    "thumbnails are not counted. Distinct images (by SHA-1) are shown beside: an image found on two "
    "exhibits is one distinct image, so distinct counts do not add up across exhibits"
)


def exhibit_sections(
    evidence: Sequence[Mapping[str, Any]], items: Sequence[ItemRecord]
) -> list[dict[str, Any]]:
    """One object per exhibit (evidence root, in the order added) with its own counts.

    An item whose evidence label is not among ``evidence`` (which a case cannot produce) still gets an
    exhibit of its own, so the exhibits always add up to the indictment.
    """
    by_label: dict[str, list[ItemRecord]] = defaultdict(list)
    for item in items:
        by_label[item.evidence].append(item)
    known = [dict(record) for record in evidence]
    labels = {record["label"] for record in known}
    known += [
        {"label": label, "path": None, "kind": None, "sha256": None}
        for label in sorted(set(by_label) - labels)
    ]
    exhibits = []
    for number, record in enumerate(known, start=1):
        summary: dict[str, Any] = summarize(by_label.get(record["label"], [])).to_json()
        exhibits.append(
            {
                "number": number,
                "label": record["label"],
                "path": record.get("path"),
                "kind": record.get("kind"),
                "sha256": record.get("sha256"),
                "files_total": summary["files_total"],
                "media_total": summary["media_total"],
                "errors": summary["errors"],
                "not_examined": summary["not_examined"],
                "zero_byte_files": summary["zero_byte_files"],
                "unmatched_media": summary["unmatched_media"],
                "by_category": summary["by_category"],
                "by_established": summary["by_established"],
                "thumbnails": summary["by_state"][State.THUMBNAIL.value],
                "graded": summary["graded"],
                "disputed": summary["disputed"],
            }
        )
    return exhibits


def indictment_section(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The indictment table: per category, stills and moving images (files), their total, distinct beside."""
    counts: dict[str, dict[str, int]] = {}
    for category in INDECENT:
        found = summary["by_category"][category.value]
        counts[category.value] = {
            "stills": found["stills_files"],
            "movies": found["movies_files"],
            "total": found["stills_files"] + found["movies_files"],
            "distinct_stills": found["stills_unique"],
            "distinct_movies": found["movies_unique"],
        }
    most_serious = next((name for name, row in counts.items() if row["total"]), None)
    return {
        "basis": INDICTMENT_BASIS,
        "counts": counts,
        "total": sum(row["total"] for row in counts.values()),
        "most_serious": most_serious,
    }

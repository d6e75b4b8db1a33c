"""What the scan found but did not look inside, with the reason: containers it cannot open, encrypted members.

A fact the court must see beside the counts (nothing inside these was counted), kept apart from the errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.model.records import ItemRecord, item_place
from warden.report.html_parts import cell, e, table


def not_examined_section(items: Sequence[ItemRecord]) -> list[dict[str, Any]]:
    """One entry per item not examined, in the items' order: the container (or member) that was not looked
    inside, its format where known, and why.

    A container that could not be opened is recorded as an item just below it (``<container>//(unreadable)``,
    whose last step names the container's format); the entry names the container itself.
    """
    entries = []
    for item in items:
        if not item.not_examined:
            continue
        last = item.provenance[-1] if item.provenance else {}
        detail = last.get("detail") or {}
        below_container = last.get("kind") == "error" and item.parent is not None
        entries.append(
            {
                "evidence": item.evidence,
                "path": item.parent if below_container else item.path,
                "format": detail.get("container") or detail.get("archive") or item.format,
                "reason": item.not_examined,
            }
        )
    return entries


def not_examined_html(entries: Sequence[Mapping[str, Any]], summary: Mapping[str, Any]) -> str:
    """The court report's list of what was not examined, and the count of files of zero bytes."""
    zero = summary.get("zero_byte_files", 0)
    parts = [
        '<section id="not-examined"><h2>Not examined</h2>',
        f"<p>Containers and members Warden recognised but did not look inside: {e(len(entries))}. Nothing "
        "inside them is in the counts. They are listed with the reason; they are not errors. Files of zero "
        f"bytes (counted, holding no image): {e(zero)}.</p>",
    ]
    if entries:
        rows = [
            [
                cell(item_place(entry["evidence"], entry["path"]), css="path"),
                cell(entry["format"]),
                cell(entry["reason"]),
            ]
            for entry in entries
        ]
        parts.append(table(("Item", "Format", "Why it was not examined"), rows, "not-examined"))
    parts.append("</section>")
    return "".join(parts)

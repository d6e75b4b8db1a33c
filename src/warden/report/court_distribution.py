"""The court report's "Distribution" section, from ``report.json``'s ``distribution``: per category, the
images sent and received in messages, then each message with who sent it, to whom, when, the matched item
and where the message was read. No image and no grooming lead, ever."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warden.report.html_parts import cell, e, short_hash, table

INTRO = (
    "Messages on the evidence whose attachment is a file that matched a hash set: the app's record of the "
    "attachment gives the file's SHA-256, or its path on the same device. Times are UTC as the app stored "
    "them (the stored value is in report.json). A sent image is evidence of distribution; a received one, "
    "of possession by that route."
)


def _who(person: Mapping[str, Any] | None) -> str:
    if person is None:
        return "not recorded"
    if person.get("is_owner"):
        return "the device's own account"
    name, key = person.get("name"), person.get("key")
    return f"{name} ({key})" if name else str(key)


def distribution_html(section: Mapping[str, Any]) -> str:
    """The section as HTML."""
    sources = section.get("sources", {})
    counts = table(
        [
            "category",
            "messages sent",
            "images sent",
            "messages received",
            "images received",
            "direction unknown",
        ],
        [
            [
                cell(name),
                cell(row["sent_messages"], numeric=True),
                cell(row["sent_images"], numeric=True),
                cell(row["received_messages"], numeric=True),
                cell(row["received_images"], numeric=True),
                cell(row["unknown_messages"], numeric=True),
            ]
            for name, row in section["by_category"].items()
        ],
    )
    read = (
        f"{sources.get('read', 0)} app databases were read ({sources.get('messages', 0)} messages); "
        f"{sources.get('failed', 0)} could not be read (listed with the items' errors)."
    )
    parts = [f"<h2>Distribution</h2><p>{e(INTRO)}</p><p>{e(read)}</p>", counts]
    messages = section["messages"]
    if not messages:
        parts.append("<p>No message carried a matched image.</p>")
        return "\n".join(parts)
    rows = [
        [
            cell(m["utc"] or f"not read as a time: {m['raw_time']}"),
            cell(m["direction"]),
            cell(_who(m["sender"])),
            cell("; ".join(_who(other) for other in m["others"]) or "-"),
            cell(m["conversation"]["title"] or m["conversation"]["key"]),
            cell(m["category"]),
            cell(m["item"]["evidence"] + ": " + m["item"]["path"], css="path"),
            cell(short_hash(m["item"]["sha256"]), css="hash"),
            cell(f"{m['provenance']} ({m['app']}; linked by {m['attachment']['linked_by']})", css="path"),
        ]
        for m in messages
    ]
    parts.append(
        table(
            [
                "time (UTC)",
                "direction",
                "from",
                "to",
                "conversation",
                "category",
                "matched item",
                "SHA-256",
                "message read from",
            ],
            rows,
        )
    )
    return "\n".join(parts)

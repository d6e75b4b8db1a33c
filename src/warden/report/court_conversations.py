"""The court report's "Conversations" section, from ``report.json``'s ``conversations``: each conversation
an examiner included, its messages in the source's order with who sent them and when. Nothing of a grooming
lead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warden.report.html_parts import cell, e, table

INTRO = (
    "Conversations an examiner read on the evidence and included, as what was said: every message as the "
    "app stored it, in the app's order. Times are UTC as the app stored them (the stored value is in "
    "report.json)."
)


def _who(person: Mapping[str, Any] | None) -> str:
    if person is None:
        return "not recorded"
    name, key = person.get("name"), person.get("key")
    named = f"{name} ({key})" if name else str(key)
    return f"{named}, the device's own account" if person.get("is_owner") else named


def conversations_html(section: Mapping[str, Any]) -> str:
    """The section as HTML."""
    parts = [f"<h2>Conversations</h2><p>{e(INTRO)}</p>"]
    for chat in section.get("included", []):
        people = "; ".join(_who(p) for p in chat["participants"]) or "not listed by the source"
        parts.append(
            f"<h3>{e(chat['title'] or chat['key'])}</h3>"
            f'<p>{e(chat["app"])}, read from <span class="path">{e(chat["source"])}</span>; '
            f"participants: {e(people)}. "
            f"Included by {e(chat['included_by'])} at {e(chat['included_at'])}.</p>"
        )
        rows = [
            [
                cell(m["utc"] or f"not read as a time: {m['raw_time']}"),
                cell(_who(m["sender"])),
                cell(m["direction"]),
                cell(
                    (m["text"] or "")
                    + (" [files: " + ", ".join(m["attachments"]) + "]" if m["attachments"] else "")
                    + (" [marked deleted]" if m["deleted"] else "")
                ),
                cell(m["provenance"], css="path"),
            ]
            for m in chat["messages"]
        ]
        parts.append(table(["time (UTC)", "from", "direction", "text", "read from"], rows))
    return "\n".join(parts)

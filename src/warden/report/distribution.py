"""The report's ``distribution`` section (pure): the messages that carried a matched image, sent or received,
by whom, to whom and when, per category, with the provenance of each message and of the matched item.

A message is in it when one of its attachments is linked to a recorded item (``warden.case.conversations``:
the app's recorded SHA-256 or path) whose category is A, B or C. Images are counted as files a message
carried and as distinct images (by SHA-256), per direction; a message whose direction the source does not
say (an export of one chat) is counted apart, as ``unknown``. Grooming leads are never part of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warden.case.conversations import LinkedMessage
from warden.model.categories import INDECENT
from warden.model.records import ItemRecord, item_place

DIRECTIONS = ("sent", "received", "unknown")


@dataclass(frozen=True, slots=True)
class DistributionData:
    """What the section is made from: the linked messages and how many sources were read.

    Attributes:
        messages: messages whose attachment is a matched item (``warden.case.conversations.linked_messages``).
        sources: ``sources`` (app databases looked at), ``read``, ``failed`` and ``messages`` (stored).
    """

    messages: tuple[LinkedMessage, ...]
    sources: Mapping[str, int]


def _person(key: str | None, people: Mapping[str, tuple[str | None, bool]]) -> dict[str, Any] | None:
    if key is None:
        return None
    name, owner = people.get(key, (None, False))
    return {"key": key, "name": name, "is_owner": owner}


def _message_json(message: LinkedMessage, item: ItemRecord, places: Mapping[int, str]) -> dict[str, Any]:
    people = {key: (name, owner) for key, name, owner in message.participants}
    others = [_person(key, people) for key, _, _ in message.participants if key != message.sender]
    best = item.best_match
    category = item.category
    return {
        "category": category.value if category is not None else None,
        "direction": message.direction,
        "sender": _person(message.sender, people),
        "others": others,
        "utc": message.utc,
        "raw_time": message.raw_time,
        "app": message.app,
        "conversation": {"key": message.conversation, "title": message.title},
        "text": message.text,
        "deleted": message.deleted,
        "source": places.get(message.source_item_id),
        "provenance": message.provenance,
        "attachment": {
            "name": message.attachment,
            "provenance": message.attachment_provenance,
            "linked_by": message.linked_by,
        },
        "item": {
            "evidence": item.evidence,
            "path": item.path,
            "md5": item.md5,
            "sha1": item.sha1,
            "sha256": item.sha256,
            "established_by": item.established_by,
            "match": (
                {"hashset": best.hashset, "source_id": best.source_id, "hash_kind": best.hash_kind}
                if best is not None
                else None
            ),
        },
    }


def distribution_section(data: DistributionData, items: Sequence[ItemRecord]) -> dict[str, Any]:
    """The ``distribution`` section: counts per category and direction, then each message, earliest first
    (messages without a readable time last), from ``data`` and the report's items."""
    by_id = {item.item_id: item for item in items if item.item_id is not None}
    places = {
        item.item_id: item_place(item.evidence, item.path) for item in items if item.item_id is not None
    }
    entries = []
    for message in data.messages:
        item = by_id.get(message.item_id)
        if item is None or item.category not in INDECENT:
            continue
        entries.append(_message_json(message, item, places))
    entries.sort(key=lambda m: (m["utc"] is None, m["utc"] or "", m["provenance"], m["item"]["path"]))
    counts: dict[str, dict[str, int]] = {}
    for category in INDECENT:
        mine = [m for m in entries if m["category"] == category.value]
        row: dict[str, int] = {}
        for direction in DIRECTIONS:
            these = [m for m in mine if m["direction"] == direction]
            row[f"{direction}_messages"] = len({m["provenance"] for m in these})
            row[f"{direction}_images"] = len({m["item"]["sha256"] or m["item"]["path"] for m in these})
        counts[category.value] = row
    return {"sources": dict(data.sources), "by_category": counts, "messages": entries}

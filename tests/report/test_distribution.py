"""The distribution section: per category, messages and distinct images sent and received; each message
with who, to whom and when, earliest first; items not in A, B or C left out; names shown as text in the
court report, never as markup."""

from __future__ import annotations

from warden.case.conversations import LinkedMessage
from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media
from warden.report.contract import CaseHeader, ReportContext, build_report
from warden.report.distribution import DistributionData, distribution_section
from warden.report.html import render_html

PEOPLE = (("owner", None, True), ("bob@x", "<b>Bob</b>", False))


def item(item_id: int, path: str, sha256: str, category: Category) -> ItemRecord:
    match = MatchRecord("listed", MatchKind.EXACT, "md5", 0, "original", f"L-{item_id}", category)
    return ItemRecord("phone", path, Media.STILL, sha256=sha256, matches=[match], item_id=item_id)


def message(rowid: int, direction: str, utc: str | None, item_id: int) -> LinkedMessage:
    return LinkedMessage(
        message_id=rowid,
        source_item_id=9,
        app="whatsapp-android",
        conversation="bob@x",
        title="Bob",
        participants=PEOPLE,
        sender="owner" if direction == "sent" else "bob@x",
        direction=direction,
        utc=utc,
        raw_time=f"{rowid} ms since 1970-01-01",
        text=None,
        kind="message",
        deleted=False,
        provenance=f"phone/msgstore.db//message:{rowid}",
        attachment=f"{rowid}.jpg",
        attachment_provenance=f"phone/msgstore.db//message_media:{rowid}",
        item_id=item_id,
        linked_by="sha256",
    )


ITEMS = [
    item(1, "Media/a.jpg", "aa" * 32, Category.A),
    item(2, "Media/a-copy.jpg", "aa" * 32, Category.A),
    item(3, "Media/c.jpg", "cc" * 32, Category.C),
    item(4, "Media/ignorable.jpg", "dd" * 32, Category.NOT_INDECENT),
    ItemRecord("phone", "msgstore.db", Media.OTHER, format="sqlite", item_id=9),
]
DATA = DistributionData(
    (
        message(5, "sent", "2026-12-01T10:05:00+00:00", 1),
        message(4, "sent", "2026-12-01T10:04:00+00:00", 2),
        message(6, "received", None, 3),
        message(7, "received", "2026-12-01T10:07:00+00:00", 4),
    ),
    {"sources": 1, "read": 1, "failed": 0, "messages": 7},
)


def test_counts_messages_and_distinct_images_per_category_and_direction() -> None:
    section = distribution_section(DATA, ITEMS)

    assert section["by_category"]["A"] == {
        "sent_messages": 2, "sent_images": 1, "received_messages": 0, "received_images": 0,
        "unknown_messages": 0, "unknown_images": 0,
    }  # fmt: skip
    assert section["by_category"]["C"]["received_messages"] == 1
    assert [m["provenance"].rsplit(":", 1)[1] for m in section["messages"]] == ["4", "5", "6"]
    first = section["messages"][0]
    assert first["sender"] == {"key": "owner", "name": None, "is_owner": True}
    assert first["others"] == [{"key": "bob@x", "name": "<b>Bob</b>", "is_owner": False}]
    assert (first["item"]["path"], first["category"], first["source"]) == (
        "Media/a-copy.jpg",
        "A",
        "phone/msgstore.db",
    )


def test_the_section_is_in_report_json_and_the_court_report_only_when_conversations_were_read() -> None:
    header = CaseHeader("case-1", "2026-12-01T00:00:00+00:00", [], [])
    plain = build_report(header, ITEMS)
    assert "distribution" not in plain
    assert "Distribution" not in render_html(plain)

    report = build_report(header, ITEMS, ReportContext(distribution=DATA))

    html = render_html(report)
    section = html[html.index("<h2>Distribution</h2>") :]
    assert "&lt;b&gt;Bob&lt;/b&gt; (bob@x)" in section and "<b>Bob</b>" not in section
    assert "not read as a time: 6 ms since 1970-01-01" in section
    assert section.index("message:4") < section.index("message:5") < section.index("message:6")

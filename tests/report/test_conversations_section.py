"""The report's ``conversations`` section: an included conversation's messages, every field documented, in
report.json and the court report, escaped; absent when nothing was included."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.report.test_contract import DOCS, sample, undocumented
from warden.case.conversation_messages import StoredConversation, StoredMessage
from warden.conversations.model import Direction, Message, Participant
from warden.report.contract import CaseHeader, ReportContext, build_report
from warden.report.conversations import IncludedConversation
from warden.report.writers import WRITERS

CHAT = StoredConversation(
    ref="c1",
    source="phone/msgstore.db",
    app="whatsapp-android",
    key="447700900011@s.whatsapp.net",
    title="Alex",
    participants=(Participant("owner", None, True), Participant("447700900011@s.whatsapp.net", "Alex")),
    provenance="phone/msgstore.db//chat:1",
)
MESSAGES = (
    StoredMessage(
        1,
        Message(
            "447700900011@s.whatsapp.net",
            "447700900011@s.whatsapp.net",
            Direction.RECEIVED,
            datetime(2026, 3, 13, 16, 0, tzinfo=UTC),
            "1796140800000 ms since 1970-01-01",
            "<script>alert(1)</script> see you at the park",
            provenance="phone/msgstore.db//message:1",
        ),
        ("IMG-1.jpg",),
    ),
)


def report_with(included: tuple[IncludedConversation, ...]) -> dict[str, object]:
    header = CaseHeader("case-1", "2026-11-28T00:00:00Z", [], [])
    return build_report(header, [], ReportContext(conversations=included))


def test_an_included_conversation_is_in_report_json_and_the_court_report_escaped() -> None:
    report = report_with((IncludedConversation(CHAT, MESSAGES, "ann", "2026-12-03T21:00:00Z"),))
    section = report["conversations"]
    assert isinstance(section, dict)
    (chat,) = section["included"]
    assert chat["included_by"] == "ann" and chat["messages"][0]["text"].endswith("see you at the park")
    assert chat["messages"][0]["sender"] == {"key": CHAT.key, "name": "Alex", "is_owner": False}
    assert chat["messages"][0]["utc"] == "2026-03-13T16:00:00+00:00"
    assert undocumented(report) == set() and "`conversations`" in DOCS.read_text()
    html = WRITERS.get("html").render(report).decode()
    assert "<h2>Conversations</h2>" in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; see you at the park [files: IMG-1.jpg]" in html


def test_no_section_when_nothing_was_included() -> None:
    assert "conversations" not in sample() and "conversations" not in report_with(())

"""Conversations in the case: a large source stored whole, in batches, with every attachment on its own
message; sources read once; a source's error on its item; attachments linked by SHA-256, own evidence first;
only messages carrying a matched item read back for the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from warden.case import conversations as stored
from warden.case import schema
from warden.case.folder import Case
from warden.case.items import load_items, write_items
from warden.conversations.model import (
    Attachment,
    Conversation,
    Conversations,
    Direction,
    Message,
    Participant,
    RowProblem,
)
from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media

LISTED = "ab" * 32
UNLISTED = "cd" * 32


def _case(tmp_path: Path) -> tuple[Case, int, dict[str, int]]:
    """Two exhibits, each with an app database, a copy of the listed photo (matched) and an unlisted photo."""
    case = Case.open(tmp_path / "case", create=True)
    set_ids = case.set_hashsets(
        [
            {
                "name": "listed",
                "format": "csv",
                "profile": None,
                "entries": 1,
                "sha256": "ef" * 32,
                "source": "x",
            }
        ],
        has_items=False,
    )
    scan = case.start_scan({})
    match = MatchRecord("listed", MatchKind.EXACT, "md5", 0, "original", "L-1", Category.A)
    for label in ("one", "two"):
        exhibit = case.add_evidence(label, str(tmp_path / label), "folder", None, None)
        records = [
            ItemRecord(label, "db/msgstore.db", Media.OTHER, format="sqlite", sha256="00" * 32),
            ItemRecord(label, "Media/listed.jpg", Media.STILL, sha256=LISTED, matches=[match]),
            ItemRecord(label, "Media/other.jpg", Media.STILL, sha256=UNLISTED),
            ItemRecord(label, "notes.txt", Media.OTHER, sha256="11" * 32),
        ]
        with case.engine.begin() as connection:
            write_items(connection, [(exhibit, r) for r in records], scan_id=scan, hashset_ids=set_ids)
    ids = {f"{r.evidence}/{r.path}": r.item_id or 0 for r in load_items(case.engine)}
    return case, scan, ids


def _found(count: int, sha256: str | None = None) -> Conversations:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    people = (Participant("owner", is_owner=True), Participant("sam@s.whatsapp.net", "Sam"))
    found = Conversations(
        "whatsapp-android",
        [Conversation("sam@s.whatsapp.net", "whatsapp-android", "Sam", people, "db//chat:1")],
    )
    for n in range(count):
        attachments = (
            (Attachment(name=f"{n}.jpg", path=f"Media/{n}.jpg", sha256=sha256, provenance=f"db//media:{n}"),)
            if n % 3 == 0
            else ()
        )
        found.messages.append(
            Message(
                "sam@s.whatsapp.net" if n else "chat:9",
                "owner" if n % 2 else "sam@s.whatsapp.net",
                Direction.SENT if n % 2 else Direction.RECEIVED,
                start + timedelta(seconds=n),
                f"{n} s",
                f"message {n}",
                attachments,
                f"db//message:{n}",
            )
        )
    found.problems.append(RowProblem("db//message:7", "the text is not valid UTF-8"))
    return found


def test_a_large_source_is_stored_whole_with_each_attachment_on_its_message(tmp_path: Path) -> None:
    case, scan, ids = _case(tmp_path)
    count = 2 * stored.BATCH + 345

    stored.store_source(
        case.engine, ids["one/db/msgstore.db"], scan, reader="whatsapp-android", found=_found(count)
    )

    messages, attachments = schema.messages, schema.message_attachments
    with case.engine.connect() as connection:
        rows = connection.execute(select(messages).order_by(messages.c.position)).all()
        pairs = connection.execute(
            select(attachments.c.provenance, messages.c.provenance).join(
                messages, messages.c.id == attachments.c.message_id
            )
        ).all()
        people = connection.execute(select(schema.conversation_participants.c.name)).scalars().all()
        problems = connection.execute(select(schema.conversation_problems.c.message)).scalars().all()
    assert [r.provenance for r in rows] == [f"db//message:{n}" for n in range(count)]
    assert (
        rows[1].utc == "2026-12-01T00:00:01+00:00"
        and rows[1].direction == "sent"
        and rows[1].text == "message 1"
    )
    assert rows[0].conversation_id is None and rows[0].conversation_key == "chat:9"  # a chat the source lacks
    assert all(r.conversation_id is not None for r in rows[1:])
    assert len(pairs) == len(range(0, count, 3))
    assert all(a.split(":")[1] == m.split(":")[1] for a, m in pairs)
    assert people == [None, "Sam"] and problems == ["the text is not valid UTF-8"]


def test_a_source_is_read_once_and_its_error_is_its_items(tmp_path: Path) -> None:
    case, scan, ids = _case(tmp_path)
    assert [c.path for c in stored.candidates(case.engine)] == ["db/msgstore.db", "db/msgstore.db"]

    stored.store_source(case.engine, ids["one/db/msgstore.db"], scan, reader=None, error="damaged")
    stored.store_source(case.engine, ids["two/db/msgstore.db"], scan, reader=None)

    assert stored.candidates(case.engine) == []
    errors = {r.path: [(e.stage, e.message) for e in r.errors] for r in load_items(case.engine) if r.errors}
    assert errors == {"db/msgstore.db": [("conversations", "damaged")]}
    assert stored.source_counts(case.engine) == {"sources": 2, "read": 0, "failed": 1, "messages": 0}


def test_attachments_link_by_sha256_to_the_sources_own_evidence_first(tmp_path: Path) -> None:
    case, scan, ids = _case(tmp_path)
    stored.store_source(
        case.engine,
        ids["two/db/msgstore.db"],
        scan,
        reader="whatsapp-android",
        found=_found(4, LISTED.upper()),
    )

    assert stored.link_by_sha256(case.engine) == 2

    attachments = schema.message_attachments
    with case.engine.connect() as connection:
        linked = connection.execute(select(attachments.c.item_id, attachments.c.linked_by)).all()
        report = stored.linked_messages(connection)
    assert linked == [(ids["two/Media/listed.jpg"], "sha256")] * 2
    assert [(m.provenance, m.item_id, m.title) for m in report] == [
        ("db//message:0", ids["two/Media/listed.jpg"], None),  # its chat is not listed by the source
        ("db//message:3", ids["two/Media/listed.jpg"], "Sam"),
    ]
    assert report[1].participants == (("owner", None, True), ("sam@s.whatsapp.net", "Sam", False))


def test_only_messages_carrying_a_matched_item_are_read_back(tmp_path: Path) -> None:
    case, scan, ids = _case(tmp_path)
    stored.store_source(
        case.engine, ids["one/db/msgstore.db"], scan, reader="whatsapp-android", found=_found(4, UNLISTED)
    )

    assert stored.link_by_sha256(case.engine) == 2

    with case.engine.connect() as connection:
        assert stored.linked_messages(connection) == []

"""Telegram Desktop's JSON export: every fixture message of a result.json built here recovered exactly, and a
hostile result.json (malformed, too large, nested too deeply) one clear SourceError."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.media import media
from warden.conversations.model import Attachment, Direction, Message, Participant
from warden.conversations.readers import Limits, Source, SourceError
from warden.conversations.telegram_export import TelegramExportReader

LABEL = "laptop.E01//p2//Users/alice/Downloads/Telegram Desktop/DataExport_2026-03-20"
PHOTO = "photos/photo_4@12-03-2026_14-08-15.jpg"


def at(day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def unix(when: datetime) -> str:
    return str(int(when.timestamp()))


def family_messages() -> list[dict[str, Any]]:
    """A benign family group chat: a service message, emoji, Cyrillic and Japanese, a multi-line message, text
    with formatting entities, and a photo."""
    alice, bob = ("Alice", "user1001"), ("Bob", "user1002")
    rows: list[tuple[tuple[str, str], datetime, Any]] = [
        (alice, at(12, 14, 6, 30), ["Dinner at ", {"type": "bold", "text": "7"}, "? 🍝"]),
        (bob, at(12, 14, 7, 0), "Да, конечно! 😊 Café après?"),
        (alice, at(12, 14, 7, 40), "Shopping list:\nmilk\neggs 🥚\n夕飯の材料"),
        (bob, at(12, 14, 8, 15), ""),
        (alice, at(14, 9, 0, 5), "Lovely goldfish 🐟"),
    ]
    messages: list[dict[str, Any]] = [
        {
            "id": 1,
            "type": "service",
            "date": "2026-03-12T14:05:09",
            "date_unixtime": unix(at(12, 14, 5, 9)),
            "actor": "Alice",
            "actor_id": "user1001",
            "action": "create_group",
            "title": "Family 👨‍👩‍👧",
            "members": ["Alice", "Bob"],
            "text": "",
            "text_entities": [],
        }
    ]
    for number, ((name, key), when, text) in enumerate(rows, start=2):
        message: dict[str, Any] = {
            "id": number,
            "type": "message",
            "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": unix(when),
            "from": name,
            "from_id": key,
            "text": text,
        }
        if text == "":
            message |= {"photo": PHOTO, "photo_file_size": 4321, "width": 500, "height": 375}
        messages.append(message)
    return messages


def expected_family(provenance: str, owner_known: bool) -> list[Message]:
    def direction(sender: str) -> Direction:
        if not owner_known:
            return Direction.UNKNOWN
        return Direction.SENT if sender == "user1001" else Direction.RECEIVED

    def raw(when: datetime) -> str:
        return f"{unix(when)} s since 1970-01-01 (date {when:%Y-%m-%dT%H:%M:%S}, local)"

    photo = Attachment(
        name="photo_4@12-03-2026_14-08-15.jpg", path=PHOTO, size=4321, provenance=f"{provenance}messages[4]"
    )
    rows = [
        (
            "user1001",
            at(12, 14, 5, 9),
            "create_group; title: Family 👨‍👩‍👧; members: Alice, Bob",
            (),
            "system",
        ),
        ("user1001", at(12, 14, 6, 30), "Dinner at 7? 🍝", (), "message"),
        ("user1002", at(12, 14, 7, 0), "Да, конечно! 😊 Café après?", (), "message"),
        ("user1001", at(12, 14, 7, 40), "Shopping list:\nmilk\neggs 🥚\n夕飯の材料", (), "message"),
        ("user1002", at(12, 14, 8, 15), None, (photo,), "message"),
        ("user1001", at(14, 9, 0, 5), "Lovely goldfish 🐟", (), "message"),
    ]
    return [
        Message(
            "5550001",
            sender,
            direction(sender),
            when,
            raw(when),
            text,
            files,
            f"{provenance}messages[i]",
            kind,
        )
        for sender, when, text, files, kind in rows
    ]


def fix_provenance(messages: list[Message], provenance: str) -> list[Message]:
    from dataclasses import replace

    return [
        replace(m, provenance=m.provenance.replace("messages[i]", f"messages[{index}]"))
        for index, m in enumerate(messages)
    ]


@pytest.fixture
def full_export(tmp_path: Path) -> Path:
    """A whole-account export: personal information (the owner, Alice) and two chats, with the photo file."""
    folder = tmp_path / "DataExport_2026-03-20"
    (folder / "photos").mkdir(parents=True)
    shutil.copyfile(media("photos", "n01443537_goldfish.jpg"), folder / PHOTO)
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1001, "first_name": "Alice", "last_name": "Example"},
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [
                {
                    "name": "Family 👨‍👩‍👧",
                    "type": "private_group",
                    "id": 5550001,
                    "messages": family_messages(),
                },
                {
                    "name": "Carol",
                    "type": "personal_chat",
                    "id": 1003,
                    "messages": [
                        {
                            "id": 1,
                            "type": "message",
                            "date": "2026-03-15T10:00:00",
                            "from": "Carol",
                            "from_id": "user1003",
                            "text": "See you at the bakery? 🥐",
                            "file": "(File not included. Change data exporting settings to download.)",
                            "file_name": "menu.pdf",
                            "file_size": 2048,
                            "mime_type": "application/pdf",
                            "media_type": "file",
                        }
                    ],
                },
            ],
        },
    }
    (folder / "result.json").write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def test_every_message_of_a_full_export_is_recovered_exactly(full_export: Path) -> None:
    source = Source(full_export, LABEL)
    reader = TelegramExportReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    family = f"{LABEL}//result.json#chats.list[0]."
    assert found.messages[:6] == fix_provenance(expected_family(family, owner_known=True), family)
    assert found.messages[6:] == [
        Message(
            conversation="1003",
            sender="user1003",
            direction=Direction.RECEIVED,
            utc=None,
            raw_time="2026-03-15T10:00:00 (local time, zone not given)",
            text="See you at the bakery? 🥐",
            attachments=(
                Attachment(
                    name="menu.pdf",
                    mime="application/pdf",
                    size=2048,
                    provenance=f"{LABEL}//result.json#chats.list[1].messages[0]",
                ),
            ),
            provenance=f"{LABEL}//result.json#chats.list[1].messages[0]",
        )
    ]
    assert [(c.key, c.title, c.participants) for c in found.conversations] == [
        (
            "5550001",
            "Family 👨‍👩‍👧",
            (Participant("user1001", "Alice Example", is_owner=True), Participant("user1002", "Bob")),
        ),
        (
            "1003",
            "Carol",
            (Participant("user1001", "Alice Example", is_owner=True), Participant("user1003", "Carol")),
        ),
    ]
    assert found.problems == []


def test_a_single_chat_export_given_as_the_file_has_no_owner(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    chat = {"name": "Family 👨‍👩‍👧", "type": "private_group", "id": 5550001, "messages": family_messages()}
    path.write_text(json.dumps(chat), encoding="utf-8")
    label = "phone.E01//p3//Download/result.json"

    found = TelegramExportReader().read(Source(path, label), Limits())

    expected = fix_provenance(expected_family(f"{label}#", owner_known=False), f"{label}#")
    assert found.messages == expected
    assert found.conversations[0].provenance == label


def test_local_dates_without_unixtime_are_read_only_in_a_given_zone(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    chat = {
        "name": "x",
        "type": "personal_chat",
        "id": 1,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2026-03-15T10:00:00",
                "from": "Carol",
                "from_id": "user1003",
                "text": "hi",
            }
        ],
    }
    path.write_text(json.dumps(chat), encoding="utf-8")

    found = TelegramExportReader().read(Source(path, "x", zone="Europe/Berlin"), Limits())

    assert found.messages[0].utc == datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    assert found.messages[0].raw_time == "2026-03-15T10:00:00 (local time in Europe/Berlin)"


def test_malformed_json_is_one_source_error_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"name": "x", "type": "personal_chat", "messages": [\n  {"id": 1,, }\n]}')

    with pytest.raises(SourceError, match=r"^phone//result.json: not valid JSON at line 2, column \d+"):
        TelegramExportReader().read(Source(tmp_path, "phone"), Limits())


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"messages": [' + "x" * 5000)  # not JSON either: the size is what refuses it

    with pytest.raises(SourceError, match="5,014 bytes, over the limit of 4,096 bytes"):
        TelegramExportReader().read(Source(path, "phone"), Limits(bytes=4096))


def test_deeply_nested_json_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"messages": ' + "[" * 200_000 + "]" * 200_000 + "}")

    with pytest.raises(SourceError, match="nested too deeply"):
        TelegramExportReader().read(Source(path, "phone"), Limits())


def test_damaged_messages_are_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    messages: list[Any] = ["not a message", *family_messages()[:2]]
    messages[2]["date_unixtime"] = "soon"
    path.write_text(json.dumps({"name": "x", "type": "private_group", "id": 7, "messages": messages}))

    found = TelegramExportReader().read(Source(path, "phone"), Limits())

    assert [m.provenance for m in found.messages] == ["phone#messages[1]", "phone#messages[2]"]
    assert (found.messages[1].utc, found.messages[1].raw_time) == (
        None,
        "2026-03-12T14:06:30 (local time, zone not given)",
    )
    assert [(p.provenance, p.message) for p in found.problems] == [
        ("phone#messages[0]", "not a message object; skipped")
    ]


def test_the_message_limit_stops_reading_with_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps({"name": "x", "type": "private_group", "id": 7, "messages": family_messages()})
    )

    found = TelegramExportReader().read(Source(path, "phone"), Limits(messages=3))

    assert len(found.messages) == 3
    assert [p.message for p in found.problems] == ["more than 3 messages; the rest not read"]


def test_other_json_is_not_taken_for_a_telegram_export(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"results": [1, 2, 3], "messages": "none"}))

    assert not TelegramExportReader().recognises(Source(path, "x"))
    assert not TelegramExportReader().recognises(Source(tmp_path / "missing", "x"))


def test_a_pipe_or_a_folder_in_place_of_result_json_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "result.json")  # opening it would wait for a writer for ever

    assert not TelegramExportReader().recognises(Source(tmp_path, "x"))
    with pytest.raises(SourceError, match=r"^x//result.json: not a regular file; not read$"):
        TelegramExportReader().read(Source(tmp_path, "x"), Limits())

"""Meta's Instagram export: every fixture message of an export built here recovered exactly, with Meta's
double-encoded text (emoji, accents, Cyrillic, Japanese) repaired, and damaged thread files as problems."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.media import media
from warden.conversations.instagram_export import InstagramExportReader, repair
from warden.conversations.model import Attachment, Direction, Message, Participant
from warden.conversations.readers import Limits, Source

LABEL = "laptop.E01//p2//Users/alice/Downloads/instagram-alice_example-2026-03-20"
THREAD = "your_instagram_activity/messages/inbox/bobexample_1234567890"
PHOTO = f"{THREAD}/photos/412345678_1234567890.jpg"


def meta(text: str) -> str:
    """Text as Meta writes it: each UTF-8 byte as the Latin-1 character of that value."""
    return text.encode("utf-8").decode("latin-1")


def ms(day: int, hour: int, minute: int, second: int) -> int:
    return int(datetime(2026, 3, day, hour, minute, second, tzinfo=UTC).timestamp() * 1000)


# Meta writes the newest message first, across message_1.json, message_2.json...
NEWEST_FIRST: list[dict[str, Any]] = [
    {
        "sender_name": "Alice Example",
        "timestamp_ms": ms(14, 9, 0, 5),
        "content": "Lovely goldfish 🐟 très joli",
    },
    {
        "sender_name": "Bob Example",
        "timestamp_ms": ms(12, 14, 8, 15),
        "photos": [{"uri": PHOTO, "creation_timestamp": 1}],
    },
    {
        "sender_name": "Alice Example",
        "timestamp_ms": ms(12, 14, 7, 40),
        "content": "Shopping list:\nmilk\neggs 🥚\n夕飯の材料",
    },
    {
        "sender_name": "Bob Example",
        "timestamp_ms": ms(12, 14, 7, 0),
        "content": "Да, конечно! 😊 Café après?",
        "share": {"link": "https://www.instagram.com/p/Cabcdef/", "share_text": "A bakery 🥐"},
    },
    {"sender_name": "Alice Example", "timestamp_ms": ms(12, 14, 6, 30), "content": "Dinner at 7? 🍝"},
    {
        "sender_name": "Alice Example",
        "timestamp_ms": ms(12, 14, 5, 9),
        "content": "Audio call",
        "call_duration": 65,
    },
]


def encoded(message: dict[str, Any]) -> dict[str, Any]:
    out = dict(message)
    for key in ("sender_name", "content"):
        if key in out:
            out[key] = meta(out[key])
    return out


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "instagram-alice_example-2026-03-20"
    thread = root / THREAD
    (thread / "photos").mkdir(parents=True)
    shutil.copyfile(media("photos", "n01443537_goldfish.jpg"), root / PHOTO)
    people = [{"name": meta("Bob Example")}, {"name": meta("Alice Example")}]
    common = {
        "participants": people,
        "title": meta("Bob Example"),
        "thread_path": "inbox/bobexample_1234567890",
    }
    for number, part in ((1, NEWEST_FIRST[:4]), (2, NEWEST_FIRST[4:])):
        body = common | {"messages": [encoded(m) for m in part]}
        # Meta escapes every non-ASCII character, which is what makes the mojibake
        (thread / f"message_{number}.json").write_text(json.dumps(body, indent=2), encoding="ascii")
    personal = root / "personal_information/personal_information/personal_information.json"
    personal.parent.mkdir(parents=True)
    user = {
        "string_map_data": {"Name": {"value": meta("Alice Example")}, "Username": {"value": "alice_example"}}
    }
    personal.write_text(json.dumps({"profile_user": [user]}))
    return root


def expected(owner_known: bool) -> list[Message]:
    messages = []
    for index, said in enumerate(NEWEST_FIRST):
        part, position = (1, index) if index < 4 else (2, index - 4)
        provenance = f"{LABEL}//{THREAD}/message_{part}.json#messages[{position}]"
        attachments = ()
        if "photos" in said:
            attachments = (Attachment(name="412345678_1234567890.jpg", path=PHOTO, provenance=provenance),)
        if "share" in said:
            attachments = (Attachment(path="https://www.instagram.com/p/Cabcdef/", provenance=provenance),)
        sender = said["sender_name"]
        direction = Direction.UNKNOWN
        if owner_known:
            direction = Direction.SENT if sender == "Alice Example" else Direction.RECEIVED
        messages.append(
            Message(
                conversation="bobexample_1234567890",
                sender=sender,
                direction=direction,
                utc=datetime.fromtimestamp(said["timestamp_ms"] / 1000, UTC),
                raw_time=f"{said['timestamp_ms']} ms since 1970-01-01",
                text=said.get("content"),
                attachments=attachments,
                provenance=provenance,
                kind="system" if "call_duration" in said else "message",
            )
        )
    return messages


def test_every_message_is_recovered_exactly_with_the_text_repaired(export: Path) -> None:
    source = Source(export, LABEL)
    reader = InstagramExportReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    assert found.messages == expected(owner_known=True)
    assert found.problems == []
    [conversation] = found.conversations
    assert conversation.title == "Bob Example"
    assert conversation.provenance == f"{LABEL}//{THREAD}"
    assert conversation.participants == (
        Participant("Bob Example", "Bob Example"),
        Participant("Alice Example", "Alice Example", is_owner=True),
    )


def test_a_thread_folder_finds_its_exports_owner_and_a_thread_alone_has_none(
    export: Path, tmp_path: Path
) -> None:
    inside = InstagramExportReader().read(Source(export / THREAD, LABEL), Limits())
    alone = tmp_path / "alone" / "thread"
    shutil.copytree(export / THREAD, alone)

    found = InstagramExportReader().read(Source(alone, LABEL), Limits())

    assert [m.direction for m in inside.messages] == [m.direction for m in expected(owner_known=True)]
    assert [m.direction for m in found.messages] == [Direction.UNKNOWN] * len(NEWEST_FIRST)
    assert [m.text for m in found.messages] == [m.text for m in expected(owner_known=False)]


@pytest.mark.parametrize(
    "text",
    ["café", "naïve façade", "😀🐟🥚", "Да, конечно!", "夕飯の材料", "Zoë & Chloé 👨‍👩‍👧", "plain ASCII"],
)
def test_meta_mojibake_is_repaired(text: str) -> None:
    assert repair(meta(text)) == text


@pytest.mark.parametrize("text", ["é alone", "Straße", "£5", "ÿ"])
def test_text_that_is_not_mojibake_is_left_as_it_is(text: str) -> None:
    assert repair(text) == text


def test_a_damaged_thread_file_is_a_problem_and_other_threads_are_read(export: Path) -> None:
    other = export / "your_instagram_activity/messages/inbox/carol_99"
    other.mkdir()
    (other / "message_1.json").write_text('{"participants": [], "messages": [{"sender_name": "C",,}]}')
    deep = export / "your_instagram_activity/messages/inbox/dave_98"
    deep.mkdir()
    (deep / "message_1.json").write_text('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}")

    found = InstagramExportReader().read(Source(export, LABEL), Limits())

    assert found.messages == expected(owner_known=True)
    assert [(p.provenance, p.message.split(":")[0]) for p in found.problems] == [
        (
            f"{LABEL}//your_instagram_activity/messages/inbox/carol_99/message_1.json",
            "not valid JSON at line 1, column 55",
        ),
        (
            f"{LABEL}//your_instagram_activity/messages/inbox/dave_98/message_1.json",
            "JSON nested too deeply to read",
        ),
    ]


def test_a_thread_file_over_the_byte_limit_is_refused_before_it_is_parsed(export: Path) -> None:
    found = InstagramExportReader().read(Source(export, LABEL), Limits(bytes=100))

    assert found.messages == []
    assert {p.message.split(", over")[-1] for p in found.problems} == {
        " the limit of 100 bytes for one export file; not read"
    }


def test_other_folders_are_not_taken_for_an_instagram_export(tmp_path: Path) -> None:
    (tmp_path / "messages/inbox/x").mkdir(parents=True)
    (tmp_path / "messages/inbox/x/message_1.json").write_text('{"id": 1}')

    assert not InstagramExportReader().recognises(Source(tmp_path, "x"))
    assert not InstagramExportReader().recognises(Source(tmp_path / "nothing", "x"))

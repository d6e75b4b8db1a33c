"""Discord's data package: every fixture message of a package built here (messages.json and the older
messages.csv) recovered exactly, sent by the package's account, and damaged files as problems."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warden.conversations.discord_export import DiscordExportReader
from warden.conversations.model import Attachment, Conversation, Direction, Message, Participant
from warden.conversations.readers import Limits, Source, SourceError

LABEL = "laptop.E01//p2//Users/alice/Downloads/package"
PHOTO = "https://cdn.discordapp.com/attachments/111/222/goldfish.jpg?ex=65f0&is=65e0"
OWNER = Participant("900000000000000001", "Alice", is_owner=True)

NEW = [  # messages.json: Timestamp without an offset (UTC, as Discord writes it)
    {"ID": 1201, "Timestamp": "2026-03-12 14:06:30", "Contents": "Dinner at 7? 🍝", "Attachments": ""},
    {"ID": 1202, "Timestamp": "2026-03-12 14:07:40", "Contents": "Shopping list:\nmilk\neggs 🥚\n夕飯の材料",
     "Attachments": ""},
    {"ID": 1203, "Timestamp": "2026-03-12 14:08:15", "Contents": "", "Attachments": PHOTO},
]  # fmt: skip
OLD = [  # messages.csv: Timestamp with +00:00
    ["1101", "2021-06-01 10:00:00.123000+00:00", "Да, конечно! 😊 Café après?", ""],
    ["1102", "2021-06-01 10:05:00+00:00", "Two lines,\nwith a comma", ""],
]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    root = tmp_path / "package"
    messages = root / "messages"
    (root / "account").mkdir(parents=True)
    (root / "account/user.json").write_text(
        json.dumps({"id": "900000000000000001", "username": "alice_example", "global_name": "Alice"})
    )
    index = {
        "300000000000000001": "Direct Message with bob_example",
        "300000000000000002": "general in Bakers 🥐",
    }
    (messages / "c300000000000000001").mkdir(parents=True)
    (messages / "index.json").write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    dm = {"id": "300000000000000001", "type": 1, "recipients": ["900000000000000001", "900000000000000002"]}
    (messages / "c300000000000000001/channel.json").write_text(json.dumps(dm))
    (messages / "c300000000000000001/messages.json").write_text(json.dumps(NEW, ensure_ascii=False))
    guild = {"id": "300000000000000002", "type": 0, "name": "general", "guild": {"id": "4", "name": "Bakers"}}
    (messages / "300000000000000002").mkdir()
    (messages / "300000000000000002/channel.json").write_text(json.dumps(guild))
    with (messages / "300000000000000002/messages.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["ID", "Timestamp", "Contents", "Attachments"])
        writer.writerows(OLD)
    return root


def test_every_message_is_recovered_exactly(package: Path) -> None:
    source = Source(package, LABEL)
    reader = DiscordExportReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    dm = f"{LABEL}//messages/c300000000000000001/messages.json"
    csv_file = f"{LABEL}//messages/300000000000000002/messages.csv"
    photo = Attachment(name="goldfish.jpg", path=PHOTO, provenance=f"{dm}#[2]")
    dm_messages = [
        Message(
            "300000000000000001",
            OWNER.key,
            Direction.SENT,
            datetime(2026, 3, 12, 14, 6, 30, tzinfo=UTC),
            "2026-03-12 14:06:30 (UTC, as Discord writes it)",
            "Dinner at 7? 🍝",
            (),
            f"{dm}#[0]",
        ),
        Message(
            "300000000000000001",
            OWNER.key,
            Direction.SENT,
            datetime(2026, 3, 12, 14, 7, 40, tzinfo=UTC),
            "2026-03-12 14:07:40 (UTC, as Discord writes it)",
            "Shopping list:\nmilk\neggs 🥚\n夕飯の材料",
            (),
            f"{dm}#[1]",
        ),
        Message(
            "300000000000000001",
            OWNER.key,
            Direction.SENT,
            datetime(2026, 3, 12, 14, 8, 15, tzinfo=UTC),
            "2026-03-12 14:08:15 (UTC, as Discord writes it)",
            None,
            (photo,),
            f"{dm}#[2]",
        ),
    ]
    csv_messages = [
        Message(
            "300000000000000002",
            OWNER.key,
            Direction.SENT,
            datetime(2021, 6, 1, 10, 0, 0, 123000, tzinfo=UTC),
            "2021-06-01 10:00:00.123000+00:00",
            "Да, конечно! 😊 Café après?",
            (),
            f"{csv_file}:2",
        ),
        Message(
            "300000000000000002",
            OWNER.key,
            Direction.SENT,
            datetime(2021, 6, 1, 10, 5, tzinfo=UTC),
            "2021-06-01 10:05:00+00:00",
            "Two lines,\nwith a comma",
            (),
            f"{csv_file}:3",
        ),
    ]
    assert found.messages == csv_messages + dm_messages  # channel folders in name order
    assert found.conversations == [
        Conversation(
            "300000000000000002",
            "discord-export",
            "general in Bakers 🥐",
            (OWNER,),
            f"{LABEL}//messages/300000000000000002/channel.json",
        ),
        Conversation(
            "300000000000000001",
            "discord-export",
            "Direct Message with bob_example",
            (OWNER, Participant("900000000000000002")),
            f"{LABEL}//messages/c300000000000000001/channel.json",
        ),
    ]
    assert found.problems == []


def test_damaged_channel_files_are_problems_and_the_rest_is_read(package: Path) -> None:
    messages = package / "messages"
    (messages / "c5").mkdir()
    (messages / "c5/channel.json").write_text('{"id": "5"}')
    (messages / "c5/messages.json").write_text('[{"ID": 1, "Timestamp": "x",,}]')
    (messages / "c6").mkdir()
    (messages / "c6/channel.json").write_text('{"id": "6"}')
    (messages / "c6/messages.json").write_text('[{"ID": 1, "Timestamp": "yesterday", "Contents": "hi"}, 7]')
    (messages / "c7").mkdir()
    (messages / "c7/channel.json").write_text("[" * 100_000)
    (messages / "c8").mkdir()
    (messages / "c8/channel.json").write_text('{"id": "8"}')
    (messages / "c8/messages.csv").write_text(
        'ID,Timestamp,Contents,Attachments\n1,2021-01-01,"' + "x" * 200_000
    )

    found = DiscordExportReader().read(Source(package, LABEL), Limits())

    # The fixture's 5, the c6 message whose time is not a time (kept, without UTC), and the c8 row whose
    # 200,000 characters are read (the csv module's field limit raised for every reader), then cut.
    assert len(found.messages) == 5 + 2
    assert [(p.provenance.removeprefix(f"{LABEL}//messages/"), p.message[:40]) for p in found.problems] == [
        ("c5/messages.json", "not valid JSON at line 1, column 29: Exp"),
        ("c6/messages.json#[0]", "Timestamp 'yesterday' is not a time; tim"),
        ("c6/messages.json#[1]", "not a message object; skipped"),
        ("c7/channel.json", "JSON nested too deeply to read"),
        ("c7", "no messages.json or messages.csv; no mes"),
        ("c8/messages.csv:2", "text of 200,000 characters cut to 100,00"),
    ]


def test_a_folder_without_a_package_index_is_not_a_discord_package(tmp_path: Path) -> None:
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages/index.json").write_text('{"name": "x"}')

    assert not DiscordExportReader().recognises(Source(tmp_path, "x"))
    with pytest.raises(SourceError, match="not a Discord data package"):
        DiscordExportReader().read(Source(tmp_path, "x"), Limits())

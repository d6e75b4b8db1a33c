"""A generic CSV or JSON-lines export read through a mapping file: every fixture row recovered exactly, times
read in the mapping's zone (or not at all without one), and bad mappings and rows as SourceError or
problems."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warden.conversations.mapped import MappedExportReader
from warden.conversations.model import Attachment, Direction, Message, Participant
from warden.conversations.readers import Limits, Source, SourceError

LABEL = "phone.E01//p3//sdcard/Download/chat_export.csv"
ROWS = [
    ["thread", "from", "from_name", "sent", "body", "file"],
    ["t1", "+447700900001", "Alice", "12/03/2026 14:06", "Dinner at 7? 🍝", ""],
    ["t1", "+447700900002", "Bob", "12/03/2026 14:07", "Да, конечно! 😊\nCafé après?", ""],
    ["t1", "+447700900002", "Bob", "12/03/2026 14:08", "", "Media/IMG_0004.jpg"],
    ["t2", "+447700900003", "Carol", "29/03/2026 02:30", "夕飯の材料", ""],
]
MAPPING = {
    "format": "csv",
    "chat": "thread",
    "sender": "from",
    "sender_name": "from_name",
    "time": "sent",
    "time_format": "%d/%m/%Y %H:%M",
    "zone": "Europe/Berlin",
    "text": "body",
    "attachment": "file",
    "owner": "+447700900001",
}


def write(tmp_path: Path, rows: list[list[str]], mapping: dict[str, Any]) -> Source:
    data = tmp_path / "chat_export.csv"
    with data.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    (tmp_path / "mapping.json").write_text(json.dumps(mapping))
    return Source(data, LABEL, siblings={"mapping": tmp_path / "mapping.json"})


def test_every_csv_row_is_recovered_exactly(tmp_path: Path) -> None:
    source = write(tmp_path, ROWS, MAPPING)
    reader = MappedExportReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    def utc(hour: int, minute: int) -> datetime:
        return datetime(2026, 3, 12, hour, minute, tzinfo=UTC)

    assert found.messages == [
        Message(
            "t1",
            "+447700900001",
            Direction.SENT,
            utc(13, 6),
            "12/03/2026 14:06 (local time in Europe/Berlin)",
            "Dinner at 7? 🍝",
            (),
            f"{LABEL}:2",
        ),
        Message(
            "t1",
            "+447700900002",
            Direction.RECEIVED,
            utc(13, 7),
            "12/03/2026 14:07 (local time in Europe/Berlin)",
            "Да, конечно! 😊\nCafé après?",
            (),
            f"{LABEL}:3",
        ),
        Message(
            "t1",
            "+447700900002",
            Direction.RECEIVED,
            utc(13, 8),
            "12/03/2026 14:08 (local time in Europe/Berlin)",
            None,
            (Attachment(name="IMG_0004.jpg", path="Media/IMG_0004.jpg", provenance=f"{LABEL}:5"),),
            f"{LABEL}:5",
        ),
        Message(
            "t2",
            "+447700900003",
            Direction.RECEIVED,
            None,
            "29/03/2026 02:30 (local time in Europe/Berlin, repeated or skipped by a clock change)",
            "夕飯の材料",
            (),
            f"{LABEL}:6",
        ),
    ]
    assert [(c.key, c.participants) for c in found.conversations] == [
        (
            "t1",
            (Participant("+447700900001", "Alice", is_owner=True), Participant("+447700900002", "Bob")),
        ),
        ("t2", (Participant("+447700900003", "Carol"),)),
    ]
    assert found.problems == []


def test_without_a_zone_local_times_keep_utc_empty_and_say_so(tmp_path: Path) -> None:
    source = write(tmp_path, ROWS[:2], {k: v for k, v in MAPPING.items() if k not in ("zone", "owner")})

    [message] = MappedExportReader().read(source, Limits()).messages

    assert (message.utc, message.raw_time, message.direction) == (
        None,
        "12/03/2026 14:06 (local time, zone not given)",
        Direction.UNKNOWN,
    )


def test_json_lines_with_dotted_columns_and_unix_milliseconds(tmp_path: Path) -> None:
    data = tmp_path / "export.jsonl"
    lines = [
        {"room": {"id": "r1"}, "author": {"id": "u1"}, "ts": 1773324309000, "msg": "hi 👋"},
        "not json {",
        [1, 2],
        {"room": {"id": "r1"}, "author": {"id": "u2"}, "ts": "soon", "msg": "hello"},
    ]
    data.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    mapping = {
        "format": "jsonl",
        "chat": "room.id",
        "sender": "author.id",
        "time": "ts",
        "time_format": "unix_ms",
        "text": "msg",
    }
    (tmp_path / "m.json").write_text(json.dumps(mapping))

    found = MappedExportReader().read(Source(data, "x", siblings={"mapping": tmp_path / "m.json"}), Limits())

    assert [(m.conversation, m.sender, m.utc, m.raw_time, m.text, m.provenance) for m in found.messages] == [
        (
            "r1",
            "u1",
            datetime(2026, 3, 12, 14, 5, 9, tzinfo=UTC),
            "1773324309000 ms since 1970-01-01",
            "hi 👋",
            "x:1",
        ),
        ("r1", "u2", None, "soon", "hello", "x:4"),
    ]
    assert [(p.provenance, p.message[:30]) for p in found.problems] == [
        ("x:2", "not a JSON line: JSONDecodeErr"),
        ("x:3", "not a JSON object; skipped"),
        ("x:4", "'soon' is not a unix_ms time; "),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "x"}, "unknown keys colour"),
        ({"time": None}, "time must be given"),
        ({"format": "xlsx"}, "format 'xlsx' is not one of csv, jsonl"),
        ({"text": "message"}, "columns message of the mapping are not in the header"),
        ({"zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_a_bad_mapping_is_one_source_error(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    source = write(tmp_path, ROWS, MAPPING | change)

    with pytest.raises(SourceError, match=message):
        MappedExportReader().read(source, Limits())


def test_no_mapping_is_not_recognised(tmp_path: Path) -> None:
    source = write(tmp_path, ROWS, MAPPING)
    bare = Source(source.path, LABEL)

    assert not MappedExportReader().recognises(bare)
    (tmp_path / "mapping.json").write_text("{not json")
    assert not MappedExportReader().recognises(source)
    with pytest.raises(SourceError, match="no mapping file given"):
        MappedExportReader().read(bare, Limits())


def test_rows_stop_at_the_message_limit(tmp_path: Path) -> None:
    rows = ROWS[:1] + [["t", "a", "A", "12/03/2026 14:06", "again", ""]] * 10_000
    source = write(tmp_path, rows, MAPPING)

    found = MappedExportReader().read(source, Limits(messages=100))

    assert len(found.messages) == 100
    assert [p.message for p in found.problems] == ["more than 100 messages; the rest not read"]


def test_invalid_utf8_in_a_csv_is_a_problem_naming_the_row(tmp_path: Path) -> None:
    source = write(tmp_path, ROWS[:2], MAPPING)
    source.path.write_bytes(source.path.read_bytes() + b"t1,x,X,12/03/2026 14:09,caf\xe9,\n")

    found = MappedExportReader().read(source, Limits())

    assert found.messages[-1].text == "caf\ufffd"
    assert [(p.provenance, p.message) for p in found.problems] == [
        (f"{LABEL}:3", "not UTF-8; the bytes that are not shown as \ufffd")
    ]

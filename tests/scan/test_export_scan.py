"""``warden scan`` of a laptop holding app exports: a Telegram Desktop export (``result.json`` with its
``photos/``) and a WhatsApp ``.txt`` export with its photo beside it (and a Discord package and an Instagram
export, built as their readers' tests build them). The messages that sent or received a
listed photo are in report.json's ``distribution``, once however often the scan runs; a malformed
``result.json`` is an error of its item; the evidence is never written."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.test_discord_export import NEW as DISCORD_NEW
from tests.conversations.test_discord_export import OLD as DISCORD_OLD
from tests.conversations.test_discord_export import package  # noqa: F401 (a fixture)
from tests.conversations.test_instagram_export import NEWEST_FIRST as INSTAGRAM_MESSAGES
from tests.conversations.test_instagram_export import PHOTO as INSTAGRAM_PHOTO
from tests.conversations.test_instagram_export import THREAD as INSTAGRAM_THREAD
from tests.conversations.test_instagram_export import export  # noqa: F401 (a fixture)
from tests.scan.conversation_phone import RECEIVED_PHOTO, SENT_PHOTO, photo
from tests.scan.photo_scans import scanned
from tests.scan.test_conversation_scan import checksums, zipped

TELEGRAM = "Users/alice/Downloads/Telegram Desktop/DataExport_2026-12-02"
WHATSAPP = "Users/alice/Documents/WhatsApp Chat with Sam"
SHARED_PHOTO = "n01484850_great_white_shark.jpg"
SENT_FILE = "photos/photo_1@01-12-2026_18-30-00.jpg"
RECEIVED_FILE = "photos/photo_2@01-12-2026_18-31-10.jpg"
WHATSAPP_FILE = "IMG-20261213-WA0007.jpg"


def unix(text: str) -> str:
    return str(int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()))


def telegram_export(folder: Path) -> None:
    """A whole-account export by Alice (user 1001): she sends Bob a photo, he sends one back, then text."""
    (folder / "photos").mkdir(parents=True)
    messages: list[dict[str, Any]] = []
    rows = [
        ("Alice", "user1001", "2026-12-01T18:30:00", SENT_FILE, SENT_PHOTO),
        ("Bob", "user1002", "2026-12-01T18:31:10", RECEIVED_FILE, RECEIVED_PHOTO),
        ("Alice", "user1001", "2026-12-01T18:32:00", None, None),
    ]
    for number, (name, key, when, file, source) in enumerate(rows, start=1):
        message: dict[str, Any] = {
            "id": number,
            "type": "message",
            "date": when,
            "date_unixtime": unix(when),
            "from": name,
            "from_id": key,
            "text": "" if file else "Lovely!",
        }
        if file and source:
            message |= {"photo": file, "photo_file_size": len(photo(source))}
            (folder / file).write_bytes(photo(source))
        messages.append(message)
    data = {
        "personal_information": {"user_id": 1001, "first_name": "Alice", "last_name": "Example"},
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [{"name": "Bob", "type": "personal_chat", "id": 1002, "messages": messages}],
        },
    }
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def whatsapp_export(folder: Path) -> None:
    """An Android ``.txt`` export of a chat with Sam, who sends a photo, kept beside the chat file."""
    folder.mkdir(parents=True)
    lines = [
        f"13/12/2026, 18:40 - Sam: {WHATSAPP_FILE} (file attached)",
        "13/12/2026, 18:41 - Alex: Nice one",
    ]
    (folder / "_chat.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / WHATSAPP_FILE).write_bytes(photo(SHARED_PHOTO))


def build_laptop(root: Path) -> Path:
    laptop = root / "laptop"
    telegram_export(laptop / TELEGRAM)
    whatsapp_export(laptop / WHATSAPP)
    (laptop / "Users/alice/notes.txt").write_text("shopping: milk, eggs\n")
    return laptop


def hashset(folder: Path) -> Path:
    """``folder/set.csv``: the three photos in made-up categories A, B and C."""
    rows = [
        f"{hashlib.md5(photo(name)).hexdigest()},,,,{category},T-{category}"
        for name, category in ((SENT_PHOTO, "A"), (RECEIVED_PHOTO, "B"), (SHARED_PHOTO, "C"))
    ]
    path = folder / "set.csv"
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    return path


def seen(report: dict[str, Any]) -> list[tuple[str, str, str, str, str, str, str | None]]:
    """(app, direction, category, provenance, item path, how linked, UTC) of each distributed message."""
    return [
        (
            m["app"],
            m["direction"],
            m["category"],
            m["provenance"],
            m["item"]["path"],
            m["attachment"]["linked_by"],
            m["utc"],
        )
        for m in report["distribution"]["messages"]
    ]


@pytest.mark.slow
@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_exports_in_the_evidence_give_their_messages_in_the_distribution(
    tmp_path: Path, packed: bool
) -> None:
    laptop = build_laptop(tmp_path)
    evidence = zipped(laptop) if packed else laptop
    before = checksums(evidence)

    report = scanned(evidence, tmp_path, hashset(tmp_path))

    at = "laptop.zip//" if packed else "laptop/"
    telegram = f"{at}{TELEGRAM}/result.json"
    chat = f"{at}{WHATSAPP}/_chat.txt"
    item = "laptop.zip//" if packed else ""
    assert seen(report) == [
        ("telegram-export", "sent", "A", f"{telegram}#chats.list[0].messages[0]",
         f"{item}{TELEGRAM}/{SENT_FILE}", "path", "2026-12-01T18:30:00+00:00"),
        ("telegram-export", "received", "B", f"{telegram}#chats.list[0].messages[1]",
         f"{item}{TELEGRAM}/{RECEIVED_FILE}", "path", "2026-12-01T18:31:10+00:00"),
        ("whatsapp-text", "unknown", "C", f"{chat}:1", f"{item}{WHATSAPP}/{WHATSAPP_FILE}", "path", None),
    ]  # fmt: skip
    assert [m["source"] for m in report["distribution"]["messages"]] == [telegram, telegram, chat]
    assert report["distribution"]["sources"] == {"sources": 2, "read": 2, "failed": 0, "messages": 5}
    assert checksums(evidence) == before


@pytest.mark.slow
def test_a_rerun_reads_no_export_twice(tmp_path: Path) -> None:
    laptop = build_laptop(tmp_path)
    first = scanned(laptop, tmp_path, hashset(tmp_path))

    again = scanned(laptop, tmp_path, hashset(tmp_path))

    assert again["distribution"] == first["distribution"]
    with sqlite3.connect(tmp_path / "c" / "case.db") as case:
        tables = ("conversation_sources", "conversations", "messages", "message_attachments")
        counts = [case.execute(f"select count(*) from {t}").fetchone()[0] for t in tables]
    assert counts == [2, 2, 5, 3]


@pytest.mark.slow
def test_a_malformed_result_json_is_an_error_of_its_item_and_the_counts_stay(tmp_path: Path) -> None:
    laptop = build_laptop(tmp_path)
    result = laptop / TELEGRAM / "result.json"
    result.write_bytes(result.read_bytes()[:300])  # cut short: Telegram's keys, then broken JSON
    before = checksums(laptop)
    sets = hashset(tmp_path)
    without = scanned(laptop, tmp_path / "without", sets, "--no-conversations")

    report = scanned(laptop, tmp_path, sets)

    (item,) = [i for i in report["items"] if i["path"] == f"{TELEGRAM}/result.json"]
    assert item["error"].startswith("conversations: cannot be read as telegram-export: ")
    assert report["summary"]["by_category"] == without["summary"]["by_category"]
    assert report["summary"]["files_total"] == without["summary"]["files_total"]
    assert [m["app"] for m in report["distribution"]["messages"]] == ["whatsapp-text"]
    assert report["distribution"]["sources"] == {"sources": 2, "read": 2, "failed": 1, "messages": 2}
    assert checksums(laptop) == before


@pytest.mark.slow
def test_a_discord_package_and_an_instagram_export_are_read(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # built by the readers' own fixtures
    discord: Path = request.getfixturevalue("package")
    instagram: Path = request.getfixturevalue("export")
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    shutil.move(discord, laptop / "discord")
    shutil.move(instagram, laptop / instagram.name)
    before = checksums(laptop)
    sets = tmp_path / "set.csv"
    sets.write_text(
        f"md5,sha1,sha256,pdq,category,source_id\n{hashlib.md5(photo(SENT_PHOTO)).hexdigest()},,,,A,T\n"
    )

    report = scanned(laptop, tmp_path, sets)

    (message,) = report["distribution"]["messages"]
    assert (message["app"], message["direction"], message["category"], message["item"]["path"]) == (
        "instagram-export",
        "received",  # Bob sent it; the export's personal_information.json says it is Alice's
        "A",
        f"{instagram.name}/{INSTAGRAM_PHOTO}",
    )
    thread = f"laptop/{instagram.name}/{INSTAGRAM_THREAD}"
    assert message["source"] == f"{thread}/message_1.json"
    assert message["provenance"].startswith(f"{thread}//message_")
    assert report["distribution"]["sources"] == {
        "sources": 2,
        "read": 2,
        "failed": 0,
        "messages": len(DISCORD_NEW) + len(DISCORD_OLD) + len(INSTAGRAM_MESSAGES),
    }
    assert checksums(laptop) == before

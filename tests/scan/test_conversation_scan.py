"""``warden scan`` of a phone's extraction holding WhatsApp: the message that sent a listed photo and the one
that received another are in report.json's ``distribution`` and in the court report, once however often the
scan runs; a damaged database is an error of its item; the evidence is never written."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conversations.test_whatsapp_android import FRIEND, ms
from tests.scan.conversation_phone import (
    DATABASES,
    MEDIA,
    RECEIVED_AT,
    RECEIVED_PATH,
    RECEIVED_PHOTO,
    SENT_AT,
    SENT_PATH,
    SENT_PHOTO,
    build_phone,
    photo,
    photo_hashset,
)
from tests.scan.photo_scans import scan_report, scanned

MSGSTORE = f"{DATABASES}/msgstore.db"


def checksums(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (or of ``root`` itself), by relative path."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root.parent)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def zipped(phone: Path) -> Path:
    """The extraction as a zip (its members reached through the spool)."""
    archive = phone.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(p for p in phone.rglob("*") if p.is_file()):
            out.write(path, path.relative_to(phone).as_posix())
    shutil.rmtree(phone)
    return archive


def expected_messages(exhibit: str, prefix: str) -> list[dict[str, Any]]:
    """The two messages as the distribution section must give them (``prefix``: the items' path before the
    extraction's own paths)."""
    owner = {"key": "owner", "name": None, "is_owner": True}
    sam = {"key": FRIEND, "name": "Sam Lee", "is_owner": False}
    database = f"{exhibit}/{MSGSTORE}" if not prefix else f"{prefix}{MSGSTORE}"

    def message(rowid: int, direction: str, when: str, name: str, path: str, category: str) -> dict[str, Any]:
        data = photo(name)
        sender, other = (owner, sam) if direction == "sent" else (sam, owner)
        return {
            "category": category,
            "direction": direction,
            "sender": sender,
            "others": [other],
            "utc": when.replace(" ", "T") + "+00:00",
            "raw_time": f"{ms(when)} ms since 1970-01-01",
            "conversation": {"key": FRIEND, "title": "Sam Lee"},
            "app": "whatsapp-android",
            "source": database,
            "provenance": f"{database}//message:{rowid}",
            "item_path": f"{prefix}{MEDIA}/{path}",
            "sha256": hashlib.sha256(data).hexdigest(),
            "md5": hashlib.md5(data).hexdigest(),
            "linked_by": "sha256" if direction == "sent" else "path",
        }

    return [
        message(1, "sent", SENT_AT, SENT_PHOTO, SENT_PATH, "A"),
        message(2, "received", RECEIVED_AT, RECEIVED_PHOTO, RECEIVED_PATH, "B"),
    ]


def seen(report: dict[str, Any]) -> list[dict[str, Any]]:
    """What the test checks of each message of the distribution section."""
    return [
        {
            "category": m["category"],
            "direction": m["direction"],
            "sender": m["sender"],
            "others": m["others"],
            "utc": m["utc"],
            "raw_time": m["raw_time"],
            "conversation": m["conversation"],
            "app": m["app"],
            "source": m["source"],
            "provenance": m["provenance"],
            "item_path": m["item"]["path"],
            "sha256": m["item"]["sha256"],
            "md5": m["item"]["md5"],
            "linked_by": m["attachment"]["linked_by"],
        }
        for m in report["distribution"]["messages"]
    ]


@pytest.mark.slow
@pytest.mark.parametrize("packed", [False, True], ids=["folder", "zip"])
def test_a_photo_sent_and_one_received_are_the_distribution_with_who_when_and_where(
    tmp_path: Path, packed: bool
) -> None:
    phone = build_phone(tmp_path)
    evidence = zipped(phone) if packed else phone
    before = checksums(evidence)

    report = scanned(evidence, tmp_path, photo_hashset(tmp_path))

    prefix = "phone.zip//" if packed else ""
    assert seen(report) == expected_messages(evidence.name, prefix)
    assert report["distribution"]["by_category"] == {
        "A": {"sent_messages": 1, "sent_images": 1, "received_messages": 0, "received_images": 0,
              "unknown_messages": 0, "unknown_images": 0},
        "B": {"sent_messages": 0, "sent_images": 0, "received_messages": 1, "received_images": 1,
              "unknown_messages": 0, "unknown_images": 0},
        "C": {"sent_messages": 0, "sent_images": 0, "received_messages": 0, "received_images": 0,
              "unknown_messages": 0, "unknown_images": 0},
    }  # fmt: skip
    assert report["distribution"]["sources"] == {"sources": 2, "read": 1, "failed": 0, "messages": 3}
    html = (tmp_path / "c" / "report.html").read_text()
    section = html[html.index("<h2>Distribution</h2>") :]
    shown = (
        "2026-12-01T18:30:00+00:00",
        "2026-12-01T18:31:10+00:00",
        "Sam Lee (447700900004@",
        "the device&#x27;s own account",
        "IMG-20261201-WA0003.jpg",
        "msgstore.db//message:2",
    )
    assert [text for text in shown if text not in section] == []
    assert checksums(evidence) == before


@pytest.mark.slow
def test_a_rerun_stores_nothing_twice_and_gives_the_same_report(tmp_path: Path) -> None:
    phone = build_phone(tmp_path)
    hashset = photo_hashset(tmp_path)
    first = scanned(phone, tmp_path, hashset)

    again = scanned(phone, tmp_path, hashset)

    assert again["distribution"] == first["distribution"]
    with sqlite3.connect(tmp_path / "c" / "case.db") as case:
        tables = ("conversation_sources", "conversations", "messages", "message_attachments")
        counts = [case.execute(f"select count(*) from {t}").fetchone()[0] for t in tables]
    assert counts == [2, 1, 3, 2]


@pytest.mark.slow
def test_a_damaged_msgstore_is_an_error_of_its_item_and_the_counts_stay(tmp_path: Path) -> None:
    phone = build_phone(tmp_path)
    database = phone / MSGSTORE
    data = bytearray(database.read_bytes())
    data[100:4096] = b"\xa5" * 3996  # the schema page ruined behind an intact header
    database.write_bytes(bytes(data))
    hashset = photo_hashset(tmp_path)
    without = scanned(phone, tmp_path / "without", hashset, "--no-conversations")

    report = scanned(phone, tmp_path, hashset)

    (item,) = [i for i in report["items"] if i["path"] == MSGSTORE]
    assert item["error"].startswith("conversations: cannot be opened as a SQLite database: the database is")
    assert report["summary"]["by_category"] == without["summary"]["by_category"]
    assert report["summary"]["files_total"] == without["summary"]["files_total"]
    assert report["distribution"]["messages"] == []
    assert report["distribution"]["sources"]["failed"] == 1
    assert "distribution" not in without


@pytest.mark.slow
def test_conversations_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    phone = build_phone(tmp_path)
    monkeypatch.setenv("WARDEN_SCAN_CONVERSATIONS", "0")

    code, report = scan_report(phone, tmp_path, photo_hashset(tmp_path))

    assert code == 0 and report is not None
    assert "distribution" not in report
    with sqlite3.connect(tmp_path / "c" / "case.db") as case:
        assert case.execute("select count(*) from conversation_sources").fetchone() == (0,)

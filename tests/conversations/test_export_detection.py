"""Each export is read by its own reader when the built-in readers are tried in order, told by content: a
Telegram result.json, a Discord package, an Instagram export, a WhatsApp .txt, a mapped CSV; and a file of
none of these is read by none."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from warden.conversations.builtin import reader_for
from warden.conversations.readers import Source


def telegram(root: Path) -> Source:
    (root / "result.json").write_text(
        json.dumps({"name": "x", "type": "personal_chat", "id": 1, "messages": []})
    )
    return Source(root, "t")


def discord(root: Path) -> Source:
    (root / "messages/c1").mkdir(parents=True)
    (root / "messages/index.json").write_text('{"1": "Direct Message with bob"}')
    (root / "messages/c1/channel.json").write_text('{"id": "1", "type": 1}')
    return Source(root, "d")


def instagram(root: Path) -> Source:
    thread = root / "your_instagram_activity/messages/inbox/bob_1"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_text(json.dumps({"participants": [{"name": "Bob"}], "messages": []}))
    return Source(root, "i")


def whatsapp(root: Path) -> Source:
    (root / "_chat.txt").write_text("[12.03.26, 14:05:09] Bob: hi\n")
    return Source(root / "_chat.txt", "w")


def mapped(root: Path) -> Source:
    (root / "chat.csv").write_text("thread,sent\nt,2026-03-12T14:05:09Z\n")
    mapping = {"format": "csv", "chat": "thread", "time": "sent", "time_format": "iso8601"}
    (root / "mapping.json").write_text(json.dumps(mapping))
    return Source(root / "chat.csv", "m", siblings={"mapping": root / "mapping.json"})


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (telegram, "telegram-export"),
        (discord, "discord-export"),
        (instagram, "instagram-export"),
        (whatsapp, "whatsapp-text"),
        (mapped, "mapped-export"),
    ],
)
def test_each_export_is_recognised_by_its_own_reader(
    tmp_path: Path, build: Callable[[Path], Source], name: str
) -> None:
    reader = reader_for(build(tmp_path))

    assert reader is not None and reader.name == name


def test_other_files_are_recognised_by_no_reader(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("shopping: milk, eggs\n")
    (tmp_path / "data.json").write_text('{"messages": "none"}')

    assert reader_for(Source(tmp_path / "notes.txt", "x")) is None
    assert reader_for(Source(tmp_path / "data.json", "x")) is None
    assert reader_for(Source(tmp_path, "x")) is None

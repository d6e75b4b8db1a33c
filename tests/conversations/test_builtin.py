"""The built-in readers: registered once, in order, and each database found by its content, not its name."""

from __future__ import annotations

from pathlib import Path

from tests.conversations.test_whatsapp_android import build_current
from warden.conversations.builtin import BUILT_IN, reader_for, register_built_in
from warden.conversations.readers import READERS, Source


def test_the_built_in_readers_are_registered_in_order_once() -> None:
    register_built_in()
    register_built_in()
    names = READERS.names()
    assert names[: len(BUILT_IN)] == [name for name, _ in BUILT_IN]


def test_a_database_is_recognised_by_its_tables_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "spool-7f3a"
    build_current(path)
    reader = reader_for(Source(path, "phone//msgstore.db"))
    assert reader is not None and reader.name == "whatsapp-android"


def test_a_file_no_reader_knows_finds_none(tmp_path: Path) -> None:
    path = tmp_path / "notes.bin"
    path.write_bytes(b"\x00" * 64)
    assert reader_for(Source(path, "phone//notes.bin")) is None

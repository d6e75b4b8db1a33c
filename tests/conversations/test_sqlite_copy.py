"""Hostile app databases: each ends as a SourceError or row problems, never a traceback or a hang."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conversations.test_whatsapp_android import CURRENT_SCHEMA, build_current
from warden.conversations.readers import Limits, Source, SourceError
from warden.conversations.sqlite_copy import Database
from warden.conversations.whatsapp_android import WhatsAppAndroidReader

LABEL = "phone.E01//msgstore.db"


def many_messages(path: Path, count: int, *, journal: str = "DELETE") -> sqlite3.Connection:
    """A current-schema msgstore.db with one chat of ``count`` messages; the connection is left open."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA journal_mode = {journal}")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.executescript(CURRENT_SCHEMA)
    connection.execute("BEGIN")
    connection.execute("INSERT INTO jid (_id, user, server, raw_string) VALUES (1,"
        " '447700900004', 's.whatsapp.net',"
                       " '447700900004@s.whatsapp.net')")  # fmt: skip
    connection.execute("INSERT INTO chat (_id, jid_row_id) VALUES (1, 1)")
    connection.executemany(
        "INSERT INTO message (_id, chat_row_id, from_me, key_id, timestamp, message_type, text_data)"
        " VALUES (?, 1, ?, ?, ?, 0, ?)",
        ((i, i % 2, f"K{i}", 1772355600000 + i, f"message number {i}") for i in range(1, count + 1)),
    )
    connection.execute("COMMIT")
    return connection


def read(source: Source, limits: Limits | None = None) -> object:
    return WhatsAppAndroidReader().read(source, limits or Limits())


@pytest.mark.parametrize(
    "content",
    [b"", b"not a database at all\n" * 10, os.urandom(4096), b"SQLite format 3\x00" + b"\x10\x00"],
    ids=["empty", "text", "encrypted (random bytes, as SQLCipher)", "truncated header"],
)
def test_what_is_not_a_sqlite_database_is_a_source_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "msgstore.db"
    path.write_bytes(content)
    assert not WhatsAppAndroidReader().recognises(Source(path, LABEL))
    with pytest.raises(SourceError, match=r"SQLite|empty|truncated"):
        read(Source(path, LABEL))


def test_a_truncated_database_keeps_what_it_could_read_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    many_messages(path, 5_000).close()
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 3)
    try:  # the schema itself may be among the pages lost (a SourceError), or only some rows (problems)
        found = WhatsAppAndroidReader().read(Source(path, LABEL), Limits())
    except SourceError as error:
        read_count, problems = 0, [str(error)]
    else:
        read_count, problems = len(found.messages), [problem.message for problem in found.problems]

    assert read_count < 5_000
    assert any("damaged or truncated" in problem for problem in problems)


def test_a_database_locked_by_another_program_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    many_messages(path, 10).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(SourceError, match="locked by another program"):
            read(Source(path, LABEL))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.fixture
def wal_only(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A database whose main file is empty and whose every page is in the write-ahead log, copied to the spool
    under names of its own (as the spool names copies), while the app still has it open."""
    live = tmp_path / "app" / "msgstore.db"
    live.parent.mkdir()
    connection = many_messages(live, 25, journal="WAL")
    spool = tmp_path / "spool"
    spool.mkdir()
    shutil.copyfile(live.with_name("msgstore.db-wal"), spool / "copy-2")
    (spool / "copy-1").write_bytes(b"")
    yield spool / "copy-1", spool / "copy-2"
    connection.close()


def test_a_wal_only_database_is_read_from_its_log(wal_only: tuple[Path, Path]) -> None:
    main, wal = wal_only

    found = WhatsAppAndroidReader().read(Source(main, LABEL, {"wal": wal}), Limits())

    assert [m.text for m in found.messages] == [f"message number {i}" for i in range(1, 26)]
    assert found.problems == []
    assert main.stat().st_size == 0, (
        "the spool copy given is left as it was; the log is applied to a copy of it"
    )


def test_an_empty_database_without_its_log_is_a_source_error(wal_only: tuple[Path, Path]) -> None:
    with pytest.raises(SourceError, match="empty"):
        read(Source(wal_only[0], LABEL))


def test_a_huge_table_is_read_up_to_the_message_limit(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    many_messages(path, 20_000).close()

    found = WhatsAppAndroidReader().read(Source(path, LABEL), Limits(messages=1_000))

    assert len(found.messages) == 1_000
    (problem,) = found.problems
    assert problem.provenance == f"{LABEL}//message:1001"
    assert "more than 1,000 messages" in problem.message


def test_a_source_out_of_time_keeps_what_was_read_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    many_messages(path, 3_000).close()

    # A budget already spent: the progress handler stops the reading at once. No time is measured or asserted.
    found = WhatsAppAndroidReader().read(Source(path, LABEL), Limits(seconds=-1))

    assert len(found.messages) < 3_000
    assert any("time limit" in problem.message for problem in found.problems)


def test_text_that_is_not_utf8_is_kept_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    build_current(path)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE message SET text_data = CAST(x'4361666520ff6f6b' AS TEXT) WHERE _id = 2")
    connection.commit()
    connection.close()

    found = WhatsAppAndroidReader().read(Source(path, LABEL), Limits())

    assert found.messages[1].text == "Cafe \ufffdok"
    assert [(p.provenance, p.message) for p in found.problems] == [
        (f"{LABEL}//message:2", "the text is not valid UTF-8: undecodable bytes are shown as U+FFFD")
    ]
    assert len(found.messages) == 7


def test_a_long_text_is_cut_with_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    build_current(path)

    found = WhatsAppAndroidReader().read(Source(path, LABEL), Limits(text_chars=5))

    assert found.messages[1].text == "Dinne"
    assert any(p.provenance == f"{LABEL}//message:2" and "cut to 5" in p.message for p in found.problems)


def test_a_schema_with_missing_tables_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE message (_id INTEGER PRIMARY KEY, chat_row_id INTEGER, text_data TEXT)")
    connection.close()
    assert not WhatsAppAndroidReader().recognises(Source(path, LABEL))
    with pytest.raises(SourceError, match="no WhatsApp message tables"):
        read(Source(path, LABEL))


def test_the_database_is_opened_query_only(tmp_path: Path) -> None:
    path = tmp_path / "msgstore.db"
    build_current(path)
    with Database(Source(path, LABEL), Limits()) as database:
        rows = list(database.rows("DELETE FROM message RETURNING _id", what="message"))
    assert rows == []
    assert [p.message for p in database.problems] == [
        "SQLite cannot read it: attempt to write a readonly database"
    ]
    assert (
        WhatsAppAndroidReader()
        .read(Source(path, LABEL), Limits())
        .messages[0]
        .provenance.endswith("message:1")
    )

"""NSRL RDS v3: known-good entries, streamed from a database that is never written to."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.hashsets.samples import md5, nsrl_db, sha1, sha256
from warden.errors import HashSetFormatError
from warden.hashsets.formats import ReadOptions
from warden.hashsets.nsrl import NsrlRdsFormat
from warden.model.categories import Category

FORMAT = NsrlRdsFormat()


def test_every_file_row_is_a_known_good_entry(tmp_path: Path) -> None:
    path = nsrl_db(tmp_path / "RDS_minimal.db")
    entries = FORMAT.read(path, ReadOptions())
    assert len(entries) == 5
    assert {e.category for e in entries} == {Category.KNOWN_GOOD}
    assert (entries[2].sha256, entries[2].sha1, entries[2].md5) == (sha256("2"), sha1("2"), md5("2"))
    assert {e.source_id for e in entries} == {"7"}


def test_the_database_is_not_changed_and_nothing_is_created_beside_it(tmp_path: Path) -> None:
    path = nsrl_db(tmp_path / "RDS_minimal.db")
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    FORMAT.read(path, ReadOptions())
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["RDS_minimal.db"]


def test_a_bad_hash_names_the_row(tmp_path: Path) -> None:
    rows = [
        (sha256("a"), sha1("a"), md5("a"), "0", "a", 1, 1),
        (sha256("b"), sha1("b")[:39], md5("b"), "0", "b", 1, 1),
    ]
    with pytest.raises(HashSetFormatError) as caught:
        FORMAT.read(nsrl_db(tmp_path / "rds.db", rows), ReadOptions())
    assert caught.value.location == "FILE rowid 2"
    assert "sha1" in caught.value.message


def test_another_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE files (path TEXT)")
    connection.commit()
    connection.close()
    assert FORMAT.sniff(path.read_bytes()[:100])
    with pytest.raises(HashSetFormatError, match="NSRL RDS v3 table FILE"):
        FORMAT.read(path, ReadOptions())


def test_a_damaged_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(HashSetFormatError):
        FORMAT.read(path, ReadOptions())

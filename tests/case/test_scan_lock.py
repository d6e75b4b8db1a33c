"""One scan of a case at a time (issue 8, point 16): a second scan is refused with exit 12 while another
process scans, on SQLite and on PostgreSQL; a scan killed outright does not stay "running" forever."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.media import media
from tests.waiting import wait_until
from warden.case import schema
from warden.case.folder import Case
from warden.cli import main

HOLDER = """
import sys
from pathlib import Path
from warden.case.folder import Case
from warden.case.lock import ScanLock
case = Case.open(Path(sys.argv[1]), create=True, db_url=sys.argv[2] or None)
ScanLock(case.path, case.engine).acquire("another examiner")
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for photo in sorted(media("photos").glob("*.jpg"))[:3]:
        shutil.copyfile(photo, folder / photo.name)
    hashset = tmp_path / "set.csv"
    hashset.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 31 + "1,,,,A,X1\n")
    return folder, hashset


def scan(evidence: tuple[Path, Path], case: Path, *extra: str) -> int:
    folder, hashset = evidence
    return main(["scan", str(folder), "--hashset", str(hashset), "--case", str(case), "--quiet", *extra])


@contextmanager
def hold_lock(case: Path, db_url: str = "") -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the case's scan lock until it is killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(case), db_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def statuses(case: Case) -> list[str]:
    with case.engine.connect() as connection:
        return list(connection.execute(select(schema.scans.c.status).order_by(schema.scans.c.id)).scalars())


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def test_a_second_scan_of_a_case_being_scanned_is_refused_with_exit_12(
    evidence: tuple[Path, Path],
    tmp_path: Path,
    database: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db_url = request.getfixturevalue("postgres_url") if database == "postgresql" else ""
    first, second = tmp_path / "case", tmp_path / "same-database-other-folder"
    with hold_lock(first, db_url) as holder:
        assert scan(evidence, first, *(["--db", db_url] if db_url else [])) == 12
        err = capsys.readouterr().err
        assert f"being scanned now by process {holder.pid}" in err and "another examiner" in err
        assert "Traceback" not in err
        if db_url:
            # Another case folder naming the same PostgreSQL database: the advisory lock refuses it too.
            assert scan(evidence, second, "--db", db_url) == 12
            assert "being scanned now" in capsys.readouterr().err
    # The holder was killed outright (SIGKILL): the operating system and the server let its locks go.
    assert scan(evidence, first, *(["--db", db_url] if db_url else [])) == 0


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def test_a_scan_whose_process_died_is_marked_interrupted_when_the_case_is_next_opened(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    db_url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    case = Case.open(tmp_path / "case", create=True, db_url=db_url)
    dead = case.start_scan({"evidence": []})  # started, and then its process was gone: no end recorded
    case.engine.dispose()

    reopened = Case.open(tmp_path / "case")
    assert statuses(reopened) == ["interrupted"]
    with reopened.engine.connect() as connection:
        actions = connection.execute(select(schema.audit_log.c.action, schema.audit_log.c.detail)).all()
    entry = [json.loads(detail) for action, detail in actions if action == "scan.interrupted"]
    assert entry and entry[0]["scan"] == dead


def test_the_running_scan_of_a_live_process_is_left_running(tmp_path: Path) -> None:
    case_dir = tmp_path / "case"
    case = Case.open(case_dir, create=True)
    with case.scanning():
        case.start_scan({"evidence": []})
        assert statuses(Case.open(case_dir)) == ["running"]  # a report opened meanwhile changes nothing
    assert statuses(Case.open(case_dir)) == ["interrupted"]


@pytest.mark.slow
def test_kill_9_during_a_scan_leaves_it_interrupted_not_running(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    for number, photo in enumerate(sorted(media("photos").glob("*.jpg"))[:120]):
        target = folder / f"dir{number % 5}" / photo.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, target)
    hashset = tmp_path / "set.csv"
    hashset.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 31 + "1,,,,A,X1\n")
    case_dir = tmp_path / "case"
    env = dict(os.environ, WARDEN_BATCH_SIZE="2")
    command = [sys.executable, "-m", "warden.cli", "scan", str(folder), "--hashset", str(hashset)]
    command += ["--case", str(case_dir), "--workers", "1", "--exact-pdq", "--quiet"]
    process = subprocess.Popen(command, env=env)
    try:
        wait_until(
            lambda: _recorded_any(case_dir) or process.poll() is not None, "the scan records", pause=0.05
        )
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    if not _recorded_any(case_dir):
        pytest.fail("the scan recorded nothing before it was killed")
    case = Case.open(case_dir)
    assert statuses(case)[-1] in {"interrupted", "completed"}  # completed only if it won the race to the end
    assert "running" not in statuses(case)
    assert main(["scan", str(folder), "--hashset", str(hashset), "--case", str(case_dir), "--quiet"]) == 0
    assert statuses(Case.open(case_dir))[-1] == "completed"


def _recorded_any(case_dir: Path) -> bool:
    database = case_dir / "case.db"
    if not database.exists():
        return False
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("select count(*) from items").fetchone()[0]) > 0
    except sqlite3.OperationalError:
        return False

"""A killed scan (even ``kill -9``) resumes when run again and ends with an uninterrupted run's report."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.media import media
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def scan_command(evidence: Path, hashset: Path, case: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "warden.cli",
        "scan",
        str(evidence),
        "--hashset",
        str(hashset),
        "--case",
        str(case),
        "--workers",
        "1",
        "--exact-pdq",
        "--quiet",
    ]


def items_recorded(case: Path) -> int:
    database = case / "case.db"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("select count(*) from items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what differs between two cases by design (case id and creation time)."""
    return {"summary": report["summary"], "items": report["items"], "hashsets": report["case"]["hashsets"]}


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "evidence"
    photos = sorted(media("photos").glob("*.jpg"))[:160]
    for number, photo in enumerate(photos):
        target = folder / f"dir{number % 7}" / photo.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, target)
    hashset = tmp_path / "set.csv"
    hashset.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n"
        + "".join(
            f"{__import__('hashlib').md5(p.read_bytes()).hexdigest()},,,,{'ABC'[i % 3]},S{i}\n"
            for i, p in enumerate(photos[::5])
        )
    )
    return folder, hashset


def test_kill_9_then_resume_gives_the_uninterrupted_report(
    evidence: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, hashset = evidence
    monkeypatch.setenv("WARDEN_BATCH_SIZE", "4")
    env = dict(os.environ)
    whole = tmp_path / "whole"
    subprocess.run(scan_command(folder, hashset, whole), env=env, check=True, capture_output=True)

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        scan_command(folder, hashset, killed),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_until(
        lambda: items_recorded(killed) >= 20 or process.poll() is not None, "the scan records", pause=0.05
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    partial = items_recorded(killed)
    first = json.loads((whole / "report.json").read_text())
    total = first["summary"]["files_total"]  # the photos and the EXIF thumbnails some of them carry
    assert total >= 160
    assert 0 < partial < total, "the scan was not caught part-way"
    assert not (killed / "report.json").exists()

    resumed = subprocess.run(scan_command(folder, hashset, killed), env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert items_recorded(killed) == total
    second = json.loads((killed / "report.json").read_text())
    assert comparable(second) == comparable(first)


def test_running_a_finished_scan_again_changes_nothing(evidence: tuple[Path, Path], tmp_path: Path) -> None:
    folder, hashset = evidence
    case = tmp_path / "case"
    subprocess.run(scan_command(folder, hashset, case), check=True, capture_output=True)
    first = json.loads((case / "report.json").read_text())
    again = subprocess.run(scan_command(folder, hashset, case), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    second = json.loads((case / "report.json").read_text())
    assert second == first


def test_a_resumed_scan_must_use_the_same_hash_sets(evidence: tuple[Path, Path], tmp_path: Path) -> None:
    folder, hashset = evidence
    case = tmp_path / "case"
    subprocess.run(scan_command(folder, hashset, case), check=True, capture_output=True)
    other = tmp_path / "other.csv"
    other.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 32 + ",,,,A,X\n")
    result = subprocess.run(scan_command(folder, other, case), capture_output=True, text=True)
    assert result.returncode == 7
    assert "other hash sets" in result.stderr

"""Full disks under the scan (issue 8, points 9 and 16): the spool's or the case's disk filling up stops the
scan with exit 13 and a message, loses nothing recorded, never turns into a permanent item error, and the
same command run again once there is room finishes the job with the uninterrupted scan's report."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.scan.disks import SmallDisk, hash_set_of, photos, resize, small_disk, zip_with_big_member
from warden.cli import main
from warden.evidence.base import Item
from warden.scan import spool as spool_module

__all__ = ["small_disk"]


def scan(evidence: Path, hashset: Path, case: Path, *extra: str) -> int:
    return main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet", *extra])


def report_items(case: Path) -> dict[str, dict[str, Any]]:
    report = json.loads((case / "report.json").read_text())
    return {item["path"]: item for item in report["items"]}


def recorded_paths(case: Path) -> set[str]:
    with sqlite3.connect(f"file:{case / 'case.db'}?mode=ro", uri=True) as connection:
        return {row[0] for row in connection.execute("select path from items")}


def scan_statuses(case: Path) -> list[str]:
    with sqlite3.connect(f"file:{case / 'case.db'}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute("select status from scans order by id")]


@pytest.fixture
def zipped(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """Evidence holding a zip whose middle member is larger than the small spool; a set listing a photo."""
    evidence = tmp_path / "evidence"
    members = zip_with_big_member(evidence / "holiday.zip", 700 * 1024)
    hashset = hash_set_of(tmp_path / "set.csv", [members["c-photo.jpg"]])
    return evidence, hashset, members


def test_a_full_spool_stops_the_scan_with_exit_13_and_a_rerun_does_the_item(
    zipped: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    small_disk: SmallDisk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    evidence, hashset, _ = zipped
    monkeypatch.setenv("WARDEN_SPOOL", str(small_disk(512)))
    case = tmp_path / "case"

    assert scan(evidence, hashset, case, "--workers", "1") == 13
    err = capsys.readouterr().err
    assert "no space left on the disk holding the spool" in err
    assert "WARDEN_SPOOL" in err and "Traceback" not in err
    recorded = recorded_paths(case)
    assert "holiday.zip//b-big.bin" not in recorded  # not an item error: not recorded at all
    assert scan_statuses(case) == ["interrupted"]

    monkeypatch.setenv("WARDEN_SPOOL", str(tmp_path))
    assert scan(evidence, hashset, case, "--workers", "1") == 0
    items = report_items(case)
    assert items["holiday.zip//b-big.bin"]["error"] is None
    assert items["holiday.zip//b-big.bin"]["md5"]
    assert items["holiday.zip//c-photo.jpg"]["category"] == "A"
    whole = tmp_path / "whole"
    assert scan(evidence, hashset, whole, "--workers", "1") == 0
    assert {p: (i["md5"], i["category"], i["error"]) for p, i in items.items()} == {
        p: (i["md5"], i["category"], i["error"]) for p, i in report_items(whole).items()
    }


class _FailingDisk:
    """A spool file on a disk that fails: writes over ``above`` bytes raise ``code``."""

    def __init__(self, real: Any, code: int, above: int) -> None:
        self.real, self.code, self.above = real, code, above

    def write(self, block: Any) -> int:
        if len(block) > self.above:
            raise OSError(self.code, os.strerror(self.code))
        return int(self.real.write(block))

    def close(self) -> None:
        self.real.close()


def test_a_spool_that_fails_to_write_is_never_an_item_error(
    zipped: tuple[Path, Path, dict[str, bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fault injection, for machines where no small disk can be mounted: EDQUOT and EIO from the spool."""
    evidence, hashset, _ = zipped
    case = tmp_path / "case"
    made = spool_module._SpoolFile.__init__

    def on_failing_disk(code: int, above: int) -> Any:
        def init(self: Any, folder: Path, descriptor: int, copied: Any) -> None:
            made(self, folder, descriptor, copied)
            self._file = _FailingDisk(self._file, code, above)

        return init

    monkeypatch.setattr(spool_module._SpoolFile, "__init__", on_failing_disk(errno.EDQUOT, 500_000))
    assert scan(evidence, hashset, case, "--workers", "1") == 13
    assert "Disk quota exceeded" in capsys.readouterr().err
    assert "holiday.zip//b-big.bin" not in recorded_paths(case)

    monkeypatch.setattr(spool_module._SpoolFile, "__init__", on_failing_disk(errno.EIO, 0))
    assert scan(evidence, hashset, case, "--workers", "1") == 2  # usage: set WARDEN_SPOOL to a usable folder
    err = capsys.readouterr().err
    assert "Input/output error" in err and "WARDEN_SPOOL" in err
    assert "holiday.zip//b-big.bin" not in recorded_paths(case)

    monkeypatch.setattr(spool_module._SpoolFile, "__init__", made)
    assert scan(evidence, hashset, case, "--workers", "1") == 0
    assert report_items(case)["holiday.zip//b-big.bin"]["error"] is None


def test_items_an_older_warden_recorded_as_spool_full_are_done_again(
    zipped: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evidence, hashset, _ = zipped
    case = tmp_path / "case"
    put = spool_module.Spool.put

    def as_before_issue_8(self: spool_module.Spool, item: Item, limit: int, copied: Any = None) -> Path:
        # What the spool did before: the operating system's error, raw, recorded against the item.
        if item.path.endswith(("b-big.bin", "c-photo.jpg")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return put(self, item, limit, copied)

    monkeypatch.setattr(spool_module.Spool, "put", as_before_issue_8)
    assert scan(evidence, hashset, case, "--workers", "1") == 0
    items = report_items(case)
    assert (
        items["holiday.zip//b-big.bin"]["error"] == "read: cannot be read: [Errno 28] No space left on device"
    )
    assert items["holiday.zip//c-photo.jpg"]["category"] is None

    monkeypatch.setattr(spool_module.Spool, "put", put)
    assert scan(evidence, hashset, case, "--workers", "1") == 0
    items = report_items(case)
    assert items["holiday.zip//b-big.bin"]["error"] is None
    assert items["holiday.zip//c-photo.jpg"]["category"] == "A"
    assert json.loads((case / "report.json").read_text())["summary"]["errors"] == 0
    assert main(["audit", "verify", str(case)]) == 0


@pytest.mark.slow
def test_a_full_disk_under_the_case_folder_exits_13_and_loses_nothing(
    tmp_path: Path, small_disk: SmallDisk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_BATCH_SIZE", "4")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    pictures = photos(120)
    for number, photo in enumerate(pictures):
        (evidence / f"{number:03d}.jpg").write_bytes(photo.read_bytes())
    hashset = hash_set_of(tmp_path / "set.csv", [p.read_bytes() for p in pictures[::7]])
    disk = small_disk(4096)
    case = disk / "case"
    first = evidence / "000.jpg"
    assert scan(first, hashset, case, "--workers", "1") == 0
    capsys.readouterr()
    before = recorded_paths(case)
    # Fill the disk but for a little room, then scan the whole folder into the same case.
    room = 96 * 1024
    stats = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\1" * (stats.f_bavail * stats.f_frsize - room))

    assert scan(evidence, hashset, case, "--workers", "1") == 13
    err = capsys.readouterr().err
    assert "no space left on the disk holding the case" in err
    assert "Traceback" not in err
    assert before <= recorded_paths(case)

    filler.unlink()
    resize(disk, 64 * 1024)
    assert scan(evidence, hashset, case, "--workers", "1") == 0
    statuses = scan_statuses(case)
    assert statuses[-1] == "completed" and "running" not in statuses
    whole = tmp_path / "whole"
    assert scan(evidence, hashset, whole, "--workers", "1") == 0
    assert len(report_items(whole)) == len(report_items(case))
    assert {p: (i["md5"], i["category"]) for p, i in report_items(case).items() if "000.jpg" not in p} == {
        p: (i["md5"], i["category"]) for p, i in report_items(whole).items() if "000.jpg" not in p
    }


def test_a_full_disk_under_the_store_or_the_reports_exits_13(
    tmp_path: Path,
    small_disk: SmallDisk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    listed = [p.read_bytes() for p in photos(2)]
    big = tmp_path / "big.csv"
    big.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n"
        + "".join(f"{n:032x},,,,A,S{n}\n" for n in range(1, 20_000))
    )
    monkeypatch.setenv("WARDEN_HOME", str(small_disk(256) / "store"))
    assert main(["hashset", "import", str(big), "--name", "big"]) == 13
    err = capsys.readouterr().err
    assert "no space left on the disk holding" in err and "Traceback" not in err
    assert main(["hashset", "list"]) == 0
    assert "big" not in capsys.readouterr().out  # nothing half-imported

    monkeypatch.setenv("WARDEN_HOME", str(tmp_path / "store"))
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "photo.jpg").write_bytes(listed[0])
    case = tmp_path / "case"
    assert scan(evidence, hash_set_of(tmp_path / "set.csv", listed), case) == 0
    out = small_disk(64)
    (out / "filler").write_bytes(b"\1" * (os.statvfs(out).f_bavail * os.statvfs(out).f_frsize - 4096))
    assert main(["report", str(case), "--out", str(out / "reports")]) == 13
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.slow
def test_a_case_folder_that_cannot_be_written_is_exit_7_not_a_traceback(
    zipped: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence, hashset, _ = zipped
    case = tmp_path / "case"
    assert scan(evidence, hashset, case) == 0
    capsys.readouterr()
    (case / "warden.log").unlink()
    (case / "warden.log").mkdir()  # the log cannot be appended to
    assert scan(evidence, hashset, case) == 7
    err = capsys.readouterr().err
    assert "warden.log" in err and "Traceback" not in err

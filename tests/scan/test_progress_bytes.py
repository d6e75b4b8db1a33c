"""Progress in bytes (issue 8, point 15): one 50 GB file read for minutes must not sit at ``0/1``: the bar
counts the evidence's bytes when their sizes are known, and each large item read shows its bytes and rate."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from tests.scan.slow_reader import read_part_then_wait
from warden.hashsets.store import HashSetStore
from warden.progress_display import TerminalProgress
from warden.scan.pool import HashingPool
from warden.scan.progress import LARGE_ITEM_BYTES, Reading
from warden.scan.run import ScanOptions, run_scan


class RecordedProgress:
    """Keeps everything the scan reports."""

    def __init__(self) -> None:
        self.total_bytes: int | None = None
        self.items = 0
        self.bytes = 0
        self.readings: list[Reading] = []

    def start(self, total: int, already_done: int, total_bytes: int | None = None) -> None:
        self.total_bytes = total_bytes

    def found(self, total: int) -> None:
        pass

    def advance(self, count: int = 1, size: int = 0) -> None:
        self.items += count
        self.bytes += size

    def reading(self, now: Sequence[Reading]) -> None:
        self.readings.extend(now)

    def finish(self) -> None:
        pass


def big_file(path: Path, size: int) -> Path:
    """``size`` bytes of a repeated text line: no container claims it, nothing to decode."""
    line = b"benign test bytes, not an image\n"
    with path.open("wb") as out:
        out.write(line * (size // len(line)) + b"." * (size % len(line)))
    return path


def empty_hash_set(path: Path) -> Path:
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "0" * 31 + "1,,,,A,X1\n")
    return path


def test_one_large_evidence_file_is_counted_in_bytes(tmp_path: Path) -> None:
    size = LARGE_ITEM_BYTES + 12_345
    image = big_file(tmp_path / "evidence.bin", size)
    progress = RecordedProgress()
    options = ScanOptions([image], [str(empty_hash_set(tmp_path / "set.csv"))], tmp_path / "case", workers=1)
    run_scan(options, HashSetStore.from_settings(), progress)
    assert progress.total_bytes == size
    assert progress.bytes == size
    assert progress.items == 1


def test_a_large_member_copied_to_the_spool_shows_its_bytes(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    size = LARGE_ITEM_BYTES + 40 * 1024 * 1024
    member = big_file(tmp_path / "member.bin", size)
    with zipfile.ZipFile(evidence / "archive.zip", "w", compression=zipfile.ZIP_STORED) as archive:
        archive.write(member, "inside/member.bin")
    member.unlink()
    progress = RecordedProgress()
    options = ScanOptions(
        [evidence], [str(empty_hash_set(tmp_path / "set.csv"))], tmp_path / "case", workers=1
    )
    run_scan(options, HashSetStore.from_settings(), progress)
    member_readings = [r for r in progress.readings if r.item == "archive.zip//inside/member.bin"]
    # copying into the spool first; a slow machine may also catch the hashing of the spooled copy
    assert {r.doing for r in member_readings} <= {"copying", "hashing"}
    copying = [r for r in member_readings if r.doing == "copying"]
    assert copying and all(r.size == size for r in copying)
    assert 0 < max(r.done for r in copying) <= size
    assert progress.total_bytes == (evidence / "archive.zip").stat().st_size


@pytest.mark.skipif(not os.path.isdir("/proc/self/fdinfo"), reason="read positions come from Linux's /proc")
def test_the_pool_tells_how_far_a_worker_has_read_its_file(tmp_path: Path) -> None:
    part = 3 * 1024 * 1024
    path = big_file(tmp_path / "large.bin", 2 * part)
    release = tmp_path / "release"
    options = {"part": part, "release": str(release)}
    seen: list[int | None] = []
    with HashingPool[str](1, options, timeout=600, memory_mb=0, hasher=read_part_then_wait) as pool:

        def watch() -> None:
            for _task, done in pool.reading():
                seen.append(done)
                if done == part:
                    release.touch()  # let the worker finish only once its position has been seen

        results = list(pool.map([("large", str(path))], on_wait=watch, every=0.02))
    assert results == [("large", {"md5": "read"})]
    assert part in seen


def test_the_terminal_bar_shows_bytes_done_of_the_total_and_each_large_item() -> None:
    out = io.StringIO()
    bar = TerminalProgress(Console(file=out, force_terminal=True, width=160))
    bar.start(1, 0, 50_000_000_000)
    bar.reading([Reading("disk.raw", 3_200_000_000, 50_000_000_000, counted=True)])
    bar.finish()
    text = out.getvalue()
    assert "0/1 items" in text
    assert "3.2 GB/50.0 GB" in text
    assert "hashing disk.raw" in text


def test_without_known_sizes_the_bar_counts_items() -> None:
    out = io.StringIO()
    bar = TerminalProgress(Console(file=out, force_terminal=True, width=160))
    bar.start(3, 1, None)
    bar.advance()
    bar.finish()
    assert "2/3 items" in out.getvalue()

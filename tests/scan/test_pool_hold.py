"""The pool's HOLD (issue 8, point 9): a full spool first waits for the items in flight to finish (their
spool copies are then deleted) before the scan tries the item again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scan.slow_reader import read_part_then_wait
from warden.scan.pool import HOLD, HashingPool


@pytest.mark.skipif(not os.path.isdir("/proc/self/fdinfo"), reason="read positions come from Linux's /proc")
def test_nothing_new_is_handed_out_until_every_item_in_flight_is_done(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(b"x" * 4096)
    release = tmp_path / "release"
    seen: list[set[str]] = []

    def tasks() -> Iterator[tuple[str, str] | None]:
        yield "first", str(path)
        yield HOLD
        yield "second", str(path)

    with HashingPool[str](
        2, {"part": 1024, "release": str(release)}, timeout=600, memory_mb=0, hasher=read_part_then_wait
    ) as pool:

        def watch() -> None:
            reading = pool.reading()
            seen.append({task for task, _ in reading})
            if any(task == "first" and done is not None for task, done in reading):
                release.touch()  # the first item may finish now; only then may the second be handed out

        results = [task for task, _ in pool.map(tasks(), on_wait=watch, every=0.02)]
    assert results == ["first", "second"]
    assert {"first"} in seen
    assert not any({"first", "second"} <= in_flight for in_flight in seen)

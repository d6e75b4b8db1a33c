"""The hashing pool outlives its workers: a crash, a hang or a memory hog costs one item, recorded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scan.faulty import misbehave
from warden.scan.pool import HashingPool, WorkerFailure


def run(names: list[str], timeout: float = 2.0, workers: int = 2) -> dict[str, Any]:
    with HashingPool[str](workers, {}, timeout=timeout, memory_mb=512, hasher=misbehave) as pool:
        return dict(pool.map((name, f"/nowhere/{name}") for name in names))


@pytest.mark.slow
def test_every_item_comes_back_even_when_workers_crash_hang_or_hog() -> None:
    names = [f"ok{i}" for i in range(6)] + ["crash1", "hang1", "hog1", "ok-after", "crash2"]
    results = run(names)
    assert set(results) == set(names)
    for i in range(6):
        assert results[f"ok{i}"] == {"md5": f"ok{i}"}
    assert results["ok-after"] == {"md5": "ok-after"}
    assert isinstance(results["crash1"], WorkerFailure)
    assert "died" in str(results["crash1"])
    assert isinstance(results["hang1"], WorkerFailure)
    assert "longer than" in str(results["hang1"])
    assert results["hog1"] == {"errors": [{"stage": "hash", "message": "out of memory"}]}


def test_a_single_worker_recovers_after_each_failure() -> None:
    results = run(["crash1", "ok1", "crash2", "ok2"], workers=1)
    assert results["ok1"] == {"md5": "ok1"}
    assert results["ok2"] == {"md5": "ok2"}
    assert isinstance(results["crash2"], WorkerFailure)


def test_no_items_means_no_results() -> None:
    assert run([]) == {}

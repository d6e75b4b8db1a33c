"""The PDQ range index returns exactly what brute force returns, at every threshold, in every layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.index.planted import distance, flip, plant, random_hashes
from warden.index import build_index, open_index, pdq, reference
from warden.index.layout import PdqLayout
from warden.index.pdq import PdqHits, PdqIndex

THRESHOLDS = [0, 1, 2, 7, 8, 15, 16, 30, 31, 32, 33, 47, 64, 100, 256]


@pytest.fixture(scope="module")
def planted_set() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """20,000 random hashes and 4 queries, each with neighbours planted at every distance 0-40."""
    rng = np.random.default_rng(20_000)
    hashes = random_hashes(rng, 20_000)
    queries = random_hashes(rng, 4)
    for query in queries:
        plant(rng, hashes, query, range(41))
    return hashes, queries


@pytest.fixture(scope="module")
def planted_index(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The planted set built into an index folder with the C extension, once for the module."""
    folder = tmp_path_factory.mktemp("planted") / "index"
    build_index(folder, pdq=planted_set[0])
    return folder


def pairs(hits: PdqHits) -> list[tuple[int, int]]:
    """Batch hits in the (row, distance) form a single query returns."""
    return list(zip(hits.rows.tolist(), hits.distances.tolist(), strict=True))


def brute_force(
    hashes: np.ndarray[Any, Any], query: np.ndarray[Any, Any], threshold: int
) -> list[tuple[int, int]]:
    positions, found = reference.range_search(hashes, query, threshold)
    return sorted(zip(positions.tolist(), found.tolist(), strict=True), key=lambda hit: (hit[1], hit[0]))


def test_every_threshold_matches_brute_force(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], planted_index: Path
) -> None:
    hashes, queries = planted_set
    index = open_index(planted_index).pdq
    assert index.layout.chunks > 0, "20,000 hashes should get tables, or this test only checks the scan"
    for query in queries:
        for threshold in THRESHOLDS:
            assert index.query(query.tobytes(), threshold) == brute_force(hashes, query, threshold), threshold


def test_a_neighbour_at_31_bits_matches_and_one_at_32_does_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    hashes = random_hashes(rng, 30_000)
    query = random_hashes(rng, 1)[0]
    planted = plant(rng, hashes, query, range(29, 35))
    build_index(tmp_path / "index", pdq=hashes)
    found = dict(open_index(tmp_path / "index").pdq.query(query.tobytes()))
    assert found == {row: d for row, d in planted.items() if d <= 31}


@pytest.mark.parametrize(
    "layout",
    [PdqLayout(8, 32), PdqLayout(12, 21), PdqLayout(13, 19), PdqLayout(16, 16), PdqLayout(20, 12)],
    ids=str,
)
def test_every_layout_is_exact(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], layout: PdqLayout
) -> None:
    hashes, queries = planted_set
    offsets, positions = reference.build_tables(hashes, layout)
    index = PdqIndex(hashes, np.arange(len(hashes)), offsets, positions, layout)
    for threshold in (0, 9, 31, 40):
        for hits, query in zip(index.query_batch(queries, threshold), queries, strict=True):
            expected = brute_force(hashes, query, threshold)
            assert pairs(hits) == expected


def test_the_extension_builds_the_tables_the_reference_defines(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], planted_index: Path
) -> None:
    hashes, _ = planted_set
    index = open_index(planted_index).pdq
    offsets, positions = reference.build_tables(hashes, index.layout)
    assert np.array_equal(np.load(planted_index / "pdq.offsets.npy"), offsets)
    assert np.array_equal(np.load(planted_index / "pdq.positions.npy"), positions)


def test_without_the_extension_answers_are_the_same(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    planted_index: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashes, queries = planted_set
    fast = open_index(planted_index).pdq
    monkeypatch.setattr(pdq, "_mih", None)
    build_index(tmp_path / "slow", pdq=hashes)
    slow = open_index(tmp_path / "slow").pdq
    for query in queries:
        assert slow.query(query.tobytes()) == fast.query(query.tobytes())
    assert np.array_equal(
        np.load(tmp_path / "slow" / "pdq.positions.npy"), np.load(planted_index / "pdq.positions.npy")
    )


def test_batch_answers_equal_single_answers(
    planted_set: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]], planted_index: Path
) -> None:
    _, queries = planted_set
    index = open_index(planted_index).pdq
    batch = index.query_batch(queries, 31)
    for hits, query in zip(batch, queries, strict=True):
        assert pairs(hits) == index.query(query.tobytes())


def test_duplicate_hashes_and_shared_rows_are_all_returned(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    hashes = random_hashes(rng, 12_000)
    query = random_hashes(rng, 1)[0]
    near = flip(rng, query, 3)
    hashes[[10, 20, 30]] = near  # one hash listed three times
    hashes[40] = flip(rng, query, 5)
    # Rows as a video's frames give them: several hashes of one entry.
    rows = np.arange(12_000, dtype=np.int64) * 2
    rows[40] = rows[30]
    build_index(tmp_path / "index", pdq=hashes, pdq_rows=rows)
    found = open_index(tmp_path / "index").pdq.query(query.tobytes())
    assert found == [(20, 3), (40, 3), (60, 3), (60, 5)]


def test_an_empty_index_finds_nothing(tmp_path: Path) -> None:
    build_index(tmp_path / "index")
    index = open_index(tmp_path / "index").pdq
    assert len(index) == 0
    assert index.query(bytes(32)) == []
    assert [len(hits.rows) for hits in index.query_batch(np.zeros((2, 32), dtype=np.uint8))] == [0, 0]


def test_a_small_set_is_scanned_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    hashes = random_hashes(rng, 50)
    build_index(tmp_path / "index", pdq=hashes)
    index = open_index(tmp_path / "index").pdq
    assert index.layout.chunks == 0
    assert index.query(hashes[3].tobytes(), 256) == brute_force(hashes, hashes[3], 256)


def test_bad_queries_are_refused(tmp_path: Path) -> None:
    build_index(tmp_path / "index", pdq=np.zeros((3, 32), dtype=np.uint8))
    index = open_index(tmp_path / "index").pdq
    with pytest.raises(ValueError, match="32 bytes"):
        index.query(bytes(31))
    with pytest.raises(ValueError, match="threshold"):
        index.query(bytes(32), 257)
    with pytest.raises(ValueError, match=r"\(N, 32\)"):
        index.query_batch(np.zeros((2, 16), dtype=np.uint8))


def test_damaged_tables_give_no_wrong_distances_and_no_crash() -> None:
    rng = np.random.default_rng(8)
    hashes = random_hashes(rng, 20_000)
    layout = PdqLayout(16, 16)
    offsets, positions = reference.build_tables(hashes, layout)
    offsets[:, rng.choice(offsets.shape[1], 5000)] = rng.integers(0, 2**32, 5000, dtype=np.uint32)
    positions[:, rng.choice(positions.shape[1], 5000)] = rng.integers(0, 2**32, 5000, dtype=np.uint32)
    index = PdqIndex(hashes, np.arange(20_000), offsets, positions, layout)
    for query in hashes[:50]:
        for row, found in index.query(query.tobytes(), 120):
            assert found == distance(hashes[row], query)

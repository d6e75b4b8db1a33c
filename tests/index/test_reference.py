"""The numpy reference: brute-force distances and chunk values, checked against plain Python integers."""

from __future__ import annotations

import numpy as np
import pytest

from tests.index.planted import distance, random_hashes
from warden.index import reference
from warden.index.layout import PdqLayout


def test_distances_match_python_integers() -> None:
    rng = np.random.default_rng(1)
    hashes = random_hashes(rng, 300)
    query = random_hashes(rng, 1)[0]
    expected = [distance(row, query) for row in hashes]
    assert reference.distances(hashes, query).tolist() == expected


def test_range_search_returns_exactly_the_hashes_within_the_threshold() -> None:
    rng = np.random.default_rng(2)
    hashes = random_hashes(rng, 500)
    query = hashes[17]
    positions, found = reference.range_search(hashes, query, 120)
    expected = [p for p in range(500) if distance(hashes[p], query) <= 120]
    assert positions.tolist() == expected
    assert found.tolist() == [distance(hashes[p], query) for p in expected]


@pytest.mark.parametrize(("start", "bits"), [(0, 16), (3, 13), (250, 6), (17, 30), (0, 1), (255, 1)])
def test_chunk_values_read_bits_most_significant_first(start: int, bits: int) -> None:
    rng = np.random.default_rng(3)
    hashes = random_hashes(rng, 50)
    values = reference.chunk_values(hashes, start, bits)
    for row, value in zip(hashes, values.tolist(), strict=True):
        whole = int.from_bytes(row.tobytes(), "big")
        assert value == (whole >> (256 - start - bits)) & ((1 << bits) - 1)


def test_build_tables_lists_every_position_once_per_table_by_chunk_value() -> None:
    rng = np.random.default_rng(4)
    hashes = random_hashes(rng, 2000)
    layout = PdqLayout(chunk_bits=10, chunks=25)
    offsets, positions = reference.build_tables(hashes, layout)
    for table in (0, 7, 24):
        assert sorted(positions[table].tolist()) == list(range(2000))
        values = reference.chunk_values(hashes, table * 10, 10)
        for value in (0, 5, 1023):
            bucket = positions[table, offsets[table, value] : offsets[table, value + 1]].tolist()
            assert bucket == np.flatnonzero(values == value).tolist()


def test_hashes_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\(N, 32\) uint8"):
        reference.check_hashes(np.zeros((3, 31), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(N, 32\) uint8"):
        reference.check_hashes(np.zeros((3, 32), dtype=np.int64))

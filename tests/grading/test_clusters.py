"""Near-duplicates cluster together, largest first; unrelated, low-quality and split-off items stand alone."""

from __future__ import annotations

import random

import pytest

from warden.grading.clusters import Candidate, cluster


def flip(pdq: str, bits: list[int]) -> str:
    value = int(pdq, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


def test_near_duplicates_group_and_the_biggest_group_comes_first() -> None:
    rng = random.Random(1)
    a = f"{rng.getrandbits(256):064x}"
    b = f"{rng.getrandbits(256):064x}"
    candidates = [
        Candidate(1, a, 100),
        Candidate(2, flip(a, list(range(10))), 100),
        Candidate(3, flip(a, list(range(38))), 100),  # 38 from a, but 28 from item 2: linked through it
        Candidate(4, b, 100),
        Candidate(5, flip(b, [3]), 100),
        Candidate(6, None, None),  # a video or an undecodable file
        Candidate(7, flip(a, [1]), 20),  # too little detail to link
    ]
    assert cluster(candidates) == [[1, 2, 3], [4, 5], [6], [7]]


def test_split_items_stand_alone() -> None:
    a = "f" * 64
    candidates = [Candidate(1, a, 100), Candidate(2, a, 100), Candidate(3, a, 100)]
    assert cluster(candidates, alone=[2]) == [[1, 3], [2]]


def test_many_candidates_are_grouped_in_bounded_blocks() -> None:
    rng = random.Random(2)
    bases = [f"{rng.getrandbits(256):064x}" for _ in range(300)]
    candidates = [
        Candidate(i * 10 + j, flip(base, [j]), 90) for i, base in enumerate(bases) for j in range(8)
    ]
    clusters = cluster(candidates)
    assert len(clusters) == 300
    assert all(len(members) == 8 for members in clusters)


def test_the_settings_decide_the_threshold_and_the_minimum_quality(monkeypatch: pytest.MonkeyPatch) -> None:
    a = "f" * 64
    candidates = [Candidate(1, a, 100), Candidate(2, flip(a, list(range(20))), 60), Candidate(3, a, 40)]
    assert cluster(candidates) == [[1, 2], [3]]
    monkeypatch.setenv("WARDEN_PDQ_MIN_QUALITY", "30")
    assert cluster(candidates) == [[1, 2, 3]]
    monkeypatch.setenv("WARDEN_PDQ_MIN_QUALITY", "70")
    assert cluster(candidates) == [[1], [2], [3]]
    monkeypatch.setenv("WARDEN_PDQ_MIN_QUALITY", "50")
    monkeypatch.setenv("WARDEN_PDQ_THRESHOLD", "10")
    assert cluster(candidates) == [[1], [2], [3]]

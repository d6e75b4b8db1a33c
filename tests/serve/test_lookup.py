"""Lookups: a batch of 1,000 hashes of every kind at once, each answered in order, a bad one as an error; the
PDQ threshold and minimum quality from the settings."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.serve.bank_service import open_banks
from warden.errors import UsageError
from warden.model.categories import Category
from warden.serve.live_index import LiveIndex
from warden.serve.lookup import MAX_BATCH, Query, lookup

PDQ = "aafd00d5aad500d5a8d500d5a0d500d5ff2aff2a80d5ff2a80d5ff2a80d5ff2a"


def _flip(pdq: str, bits: int) -> str:
    """``pdq`` with its first ``bits`` bits inverted: a hash exactly that far away."""
    value = int(pdq, 16) ^ (((1 << bits) - 1) << (256 - bits))
    return f"{value:064x}"


def _digests(number: int) -> dict[str, str]:
    data = f"listed {number}".encode()
    return {kind: hashlib.new(kind, data).hexdigest() for kind in ("md5", "sha1", "sha256")}


@pytest.fixture
def index(tmp_path: Path) -> LiveIndex:
    banks = open_banks(tmp_path)
    banks.create("LISTED")
    banks.create("NEAR")
    for number in range(50):
        banks.add("LISTED", _digests(number), Category.B, f"listed-{number}")
    banks.add("NEAR", {"pdq": PDQ}, Category.A, "pattern")
    banks.merge("LISTED")  # LISTED from its big index, NEAR from its delta
    live = LiveIndex(banks)
    live.refresh()
    return live


def test_a_batch_of_1000_mixed_hashes_is_answered_in_order(index: LiveIndex) -> None:
    queries: list[Query] = []
    expected: list[list[str]] = []
    for number in range(MAX_BATCH - 4):
        kind = ("md5", "sha1", "sha256", "pdq")[number % 4]
        listed = number % 3 == 0
        if kind == "pdq":
            queries.append(Query("pdq", _flip(PDQ, 10) if listed else _flip(PDQ, 120)))
            expected.append(["pattern"] if listed else [])
        else:
            queries.append(Query(kind, _digests(number % 50 if listed else 1000 + number)[kind].upper()))
            expected.append([f"listed-{number % 50}"] if listed else [])
    queries += [Query("md5", "not hex"), Query("nohash", "00"), Query("pdq", "ab"), Query("sha1", "0" * 40)]
    expected += [[], [], [], []]

    answers = lookup(index, queries)

    assert [a.query for a in answers] == queries
    assert [[m.content_id for m in a.matches] for a in answers] == expected
    assert [a.error is not None for a in answers[-4:]] == [True, True, True, False]
    assert "unknown hash type 'nohash'" in (answers[-3].error or "")
    near = answers[3].matches[0]
    assert (near.bank, near.category, near.distance, near.variant, near.hash_kind) == (
        "NEAR",
        Category.A,
        10,
        "original",
        "pdq",
    )


def test_more_than_1000_hashes_are_refused_whole(index: LiveIndex) -> None:
    with pytest.raises(UsageError, match="at most 1000"):
        lookup(index, [Query("md5", "0" * 32)] * (MAX_BATCH + 1))


def test_the_pdq_threshold_and_minimum_quality_come_from_the_settings(
    index: LiveIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    def found(query: Query) -> list[float]:
        return [m.distance for m in lookup(index, [query])[0].matches]

    assert found(Query("pdq", _flip(PDQ, 31))) == [31]
    assert found(Query("pdq", _flip(PDQ, 32))) == []
    monkeypatch.setenv("WARDEN_PDQ_THRESHOLD", "12")
    assert found(Query("pdq", _flip(PDQ, 12))) == [12]
    assert found(Query("pdq", _flip(PDQ, 13))) == []
    assert found(Query("pdq", PDQ, quality=49)) == []  # under pdq_min_quality (50)
    assert found(Query("pdq", PDQ, quality=50)) == [0]

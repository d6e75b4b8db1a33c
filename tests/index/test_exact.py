"""Exact digest lookups: every row with the digest, nothing for a digest not listed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from warden.index import build_index, open_index
from warden.index.exact import ExactIndex


def digest_array(values: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(values), dtype=np.uint8).reshape(len(values), -1)


@pytest.fixture
def index(tmp_path: Path) -> ExactIndex:
    md5 = [hashlib.md5(f"file {n}".encode()).digest() for n in range(1000)]
    md5[500] = md5[10]  # the same file listed twice
    sha1 = [hashlib.sha1(f"file {n}".encode()).digest() for n in range(0, 1000, 2)]
    build_index(
        tmp_path / "index",
        digests={
            "md5": (digest_array(md5), np.arange(1000)),
            "sha1": (digest_array(sha1), np.arange(0, 1000, 2)),  # some entries have no SHA-1
        },
    )
    return open_index(tmp_path / "index").exact


def test_a_listed_digest_finds_its_row(index: ExactIndex) -> None:
    assert index.lookup("md5", hashlib.md5(b"file 123").digest()) == [123]
    assert index.lookup("sha1", hashlib.sha1(b"file 998").digest()) == [998]


def test_a_digest_listed_twice_finds_both_rows(index: ExactIndex) -> None:
    assert index.lookup("md5", hashlib.md5(b"file 10").digest()) == [10, 500]


def test_a_digest_not_listed_finds_nothing(index: ExactIndex) -> None:
    assert index.lookup("md5", hashlib.md5(b"not listed").digest()) == []
    assert index.lookup("sha1", hashlib.sha1(b"file 3").digest()) == []  # entry 3 has no SHA-1
    assert index.lookup("md5", bytes(16)) == []
    assert index.lookup("md5", b"\xff" * 16) == []


def test_a_kind_the_set_does_not_carry_finds_nothing(index: ExactIndex) -> None:
    assert index.kinds == ("md5", "sha1")
    assert index.count("md5") == 1000
    assert index.count("sha256") == 0
    assert index.lookup("sha256", hashlib.sha256(b"file 1").digest()) == []


def test_batch_lookups_answer_each_digest_in_order(index: ExactIndex) -> None:
    queries = digest_array([hashlib.md5(f"file {n}".encode()).digest() for n in (10, 999, 1000)])
    assert [rows.tolist() for rows in index.lookup_batch("md5", queries)] == [[10, 500], [999], []]


def test_a_digest_of_the_wrong_length_is_refused(index: ExactIndex) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        index.lookup("md5", hashlib.sha1(b"x").digest())


def test_digests_sharing_their_first_eight_bytes_are_told_apart(tmp_path: Path) -> None:
    values = [bytes(8) + bytes([n]) * 8 for n in range(5)]
    build_index(tmp_path / "index", digests={"md5": (digest_array(values), np.array([4, 3, 2, 1, 0]))})
    index = open_index(tmp_path / "index").exact
    assert [index.lookup("md5", value) for value in values] == [[4], [3], [2], [1], [0]]


def test_bad_kind_names_and_arrays_are_refused(tmp_path: Path) -> None:
    good = digest_array([bytes(16)])
    with pytest.raises(ValueError, match="kind"):
        build_index(tmp_path / "a", digests={"../md5": (good, np.array([0]))})
    with pytest.raises(ValueError, match="rows"):
        build_index(tmp_path / "b", digests={"md5": (good, np.array([0, 1]))})
    with pytest.raises(ValueError, match=r"\(M, L\)"):
        build_index(tmp_path / "c", digests={"md5": (np.zeros(16, dtype=np.uint8), np.array([0]))})

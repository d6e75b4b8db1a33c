"""Keyed forms: distances kept exactly, one key one transform on every run, another key another transform."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from tests.index.planted import distance, flip, random_hashes
from warden.index import KeyedTransform, build_index, open_index

KEY = bytes(range(32))


def test_pdq_distances_are_preserved_exactly() -> None:
    rng = np.random.default_rng(9)
    hashes = random_hashes(rng, 400)
    keyed = KeyedTransform(KEY).pdq(hashes)
    for a, b in rng.integers(0, 400, size=(300, 2)).tolist():
        assert distance(keyed[a], keyed[b]) == distance(hashes[a], hashes[b])


def test_pdq_neighbours_stay_neighbours_at_every_distance() -> None:
    rng = np.random.default_rng(10)
    query = random_hashes(rng, 1)[0]
    near = np.array([flip(rng, query, d) for d in range(257)])
    transform = KeyedTransform(KEY)
    keyed_query = transform.pdq_hash(query.tobytes())
    assert [distance(keyed_query, row) for row in transform.pdq(near)] == list(range(257))


def test_the_transform_hides_the_hash() -> None:
    rng = np.random.default_rng(11)
    hashes = random_hashes(rng, 200)
    keyed = KeyedTransform(KEY).pdq(hashes)
    # A secret permutation and mask leave a hash about half its bits away from its keyed form.
    assert 80 < np.mean([distance(a, b) for a, b in zip(hashes, keyed, strict=True)]) < 176


def test_one_key_gives_the_same_transform_every_time() -> None:
    rng = np.random.default_rng(12)
    hashes = random_hashes(rng, 50)
    first, second = KeyedTransform(KEY), KeyedTransform(bytes(KEY))
    assert np.array_equal(first.pdq(hashes), second.pdq(hashes))
    assert first.digest("md5", b"x" * 16) == second.digest("md5", b"x" * 16)


def test_known_answers_never_change() -> None:
    # Stored indexes depend on these: a change here makes every keyed index unreadable.
    transform = KeyedTransform(KEY)
    assert transform.digest("md5", bytes(16)).hex() == KNOWN_MD5
    assert transform.pdq_hash(bytes(32)).hex() == KNOWN_PDQ_ZERO
    assert transform.pdq_hash(b"\x80" + bytes(31)).hex() == KNOWN_PDQ_FIRST_BIT


def test_different_keys_give_different_forms() -> None:
    rng = np.random.default_rng(13)
    hashes = random_hashes(rng, 20)
    one, other = KeyedTransform(KEY), KeyedTransform(KEY[::-1])
    assert not np.array_equal(one.pdq(hashes), other.pdq(hashes))
    assert one.digest("md5", bytes(16)) != other.digest("md5", bytes(16))


def test_digests_are_16_bytes_and_depend_on_the_kind() -> None:
    transform = KeyedTransform(KEY)
    value = hashlib.sha1(b"file").digest()
    assert len(transform.digest("sha1", value)) == 16
    assert transform.digest("sha1", value) != transform.digest("md5", value)


def test_batch_digests_equal_single_digests() -> None:
    transform = KeyedTransform(KEY)
    values = [hashlib.md5(str(n).encode()).digest() for n in range(20)]
    batch = transform.digests("md5", np.frombuffer(b"".join(values), dtype=np.uint8).reshape(20, 16))
    assert [row.tobytes() for row in batch] == [transform.digest("md5", value) for value in values]


def test_single_pdq_hashes_equal_the_batch() -> None:
    rng = np.random.default_rng(15)
    hashes = random_hashes(rng, 200)
    transform = KeyedTransform(KEY)
    assert [transform.pdq_hash(row.tobytes()) for row in hashes] == [
        row.tobytes() for row in transform.pdq(hashes)
    ]
    with pytest.raises(ValueError, match=r"\(N, 32\)"):
        transform.pdq_hash(bytes(31))


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        KeyedTransform(b"short")


def test_a_keyed_index_answers_keyed_queries_as_the_clear_one_does(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    hashes = random_hashes(rng, 15_000)
    query = hashes[77]
    hashes[99] = flip(rng, query, 30)
    md5 = np.frombuffer(b"".join(hashlib.md5(str(n).encode()).digest() for n in range(100)), dtype=np.uint8)
    md5 = md5.reshape(100, 16)
    transform = KeyedTransform(KEY)
    build_index(
        tmp_path / "keyed",
        pdq=transform.pdq(hashes),
        digests={"md5": (transform.digests("md5", md5), np.arange(100))},
    )
    build_index(tmp_path / "clear", pdq=hashes)
    keyed, clear = open_index(tmp_path / "keyed"), open_index(tmp_path / "clear")
    assert keyed.pdq.query(transform.pdq_hash(query.tobytes())) == clear.pdq.query(query.tobytes())
    assert keyed.exact.lookup("md5", transform.digest("md5", md5[42].tobytes())) == [42]
    assert keyed.exact.lookup("md5", md5[42].tobytes()[:16]) == []
    # The keyed files hold no clear hash.
    assert not np.isin(np.load(tmp_path / "keyed" / "pdq.hashes.npy").view("V32"), hashes.view("V32")).any()


KNOWN_MD5 = "8f70dbdd2e326c63429ba03ce3da5a5a"
KNOWN_PDQ_ZERO = "61064efd7aa7aeb9bcc4099480b97222d7faa86be0af5b602be28591870c4870"
KNOWN_PDQ_FIRST_BIT = "61064efd7aa7aeb9bcc4099480b97222d7faa86be0af5b602be28595870c4870"

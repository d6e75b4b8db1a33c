"""OPRF inputs: one per exact hash, the same for every way of writing it, different for every kind."""

from __future__ import annotations

import hashlib

import pytest

from warden.errors import UsageError
from warden.model.hashes import HashKind
from warden.psi.inputs import EXACT_KINDS, INPUT_PREFIX, is_exact, oprf_input

DIGEST = hashlib.sha256(b"benign").hexdigest()


def test_the_input_is_the_prefix_the_kind_and_the_raw_hash() -> None:
    assert oprf_input(HashKind.SHA256, DIGEST) == INPUT_PREFIX + b"sha256\x00" + bytes.fromhex(DIGEST)


def test_two_ways_of_writing_one_hash_give_one_input() -> None:
    assert oprf_input(HashKind.SHA256, f"  0x{DIGEST.upper()} ") == oprf_input("sha256", DIGEST)


def test_the_same_bytes_under_two_kinds_give_two_inputs() -> None:
    assert oprf_input(HashKind.SHA256, DIGEST) != oprf_input(HashKind.PDQ, DIGEST)


def test_every_exact_kind_is_accepted_and_the_fuzzy_ones_refused() -> None:
    values = {
        HashKind.MD5: "a" * 32,
        HashKind.SHA1: "b" * 40,
        HashKind.SHA256: "c" * 64,
        HashKind.PDQ: "d" * 64,
    }
    assert set(EXACT_KINDS) == set(values)
    assert len({oprf_input(kind, value) for kind, value in values.items()}) == 4
    for kind in (HashKind.VPDQ, HashKind.PHOTODNA, "someone-elses-type"):
        assert not is_exact(kind)
        with pytest.raises(UsageError, match="exact hashes only"):
            oprf_input(kind, "a" * 64)


def test_a_value_that_is_not_of_its_kind_is_a_usage_error_showing_only_its_start() -> None:
    with pytest.raises(UsageError, match="md5 must be 32 hex digits") as refused:
        oprf_input(HashKind.MD5, DIGEST)
    assert DIGEST not in str(refused.value)

"""Each hash type passes the shared checks, plus what is particular to it."""

from __future__ import annotations

from typing import ClassVar

import pytest

from warden.hashing.hash_type_checks import HashTypeChecks
from warden.hashing.hash_types import HASH_TYPES, Comparison, HashType, PdqHashType, VpdqHashType
from warden.registry import DuplicateNameError


class TestMd5(HashTypeChecks):
    hash_type: ClassVar[HashType] = HASH_TYPES.get("md5")
    invalid = ("0" * 40, "d35c785545392755e7e416445765726g")


class TestSha1(HashTypeChecks):
    hash_type: ClassVar[HashType] = HASH_TYPES.get("sha1")
    invalid = ("0" * 32,)


class TestSha256(HashTypeChecks):
    hash_type: ClassVar[HashType] = HASH_TYPES.get("sha256")
    invalid = ("0" * 63,)


class TestPdq(HashTypeChecks):
    hash_type: ClassVar[HashType] = HASH_TYPES.get("pdq")
    invalid = ("0" * 63, "0" * 65)


class TestVpdq(HashTypeChecks):
    hash_type: ClassVar[HashType] = HASH_TYPES.get("vpdq")
    invalid = ("0" * 64 + ":101:0", "0" * 64 + ":50:abc")


class TestStricterPdqPlugIn(HashTypeChecks):
    """A plug-in's hash type is checked the same way, without being registered."""

    hash_type: ClassVar[HashType] = PdqHashType(threshold=10)
    registered = False


def test_built_in_names_are_the_hash_kinds() -> None:
    assert HASH_TYPES.names() == ["md5", "sha1", "sha256", "pdq", "vpdq"]


def test_a_second_type_with_a_taken_name_is_refused() -> None:
    with pytest.raises(DuplicateNameError):
        HASH_TYPES.register("pdq", PdqHashType())


def test_exact_digests_compare_by_equality_whatever_the_case() -> None:
    md5 = HASH_TYPES.get("md5")
    value = "d35c785545392755e7e4164457657269"
    assert md5.compare(value, value.upper()) == Comparison(match=True, distance=0)
    assert md5.compare(value, "0" * 32) == Comparison(match=False, distance=1)
    assert not md5.perceptual


def test_pdq_matches_up_to_the_threshold() -> None:
    pdq = HASH_TYPES.get("pdq")
    base = "0" * 64
    thirty_one = "7fffffff" + "0" * 56
    thirty_two = "ffffffff" + "0" * 56
    assert pdq.compare(base, thirty_one) == Comparison(match=True, distance=31)
    assert pdq.compare(base, thirty_two) == Comparison(match=False, distance=32)
    assert pdq.perceptual


def test_vpdq_compares_by_the_share_of_matching_frames() -> None:
    vpdq = VpdqHashType()
    # five frames at least 64 bits apart from each other
    frames = ["0" * 64] + ["0" * 16 * k + "f" * 16 + "0" * 16 * (3 - k) for k in range(4)]
    query = " ".join(f"{frame}:100:{second}" for second, frame in enumerate(frames))
    four_of_five = " ".join(f"{frame}:100:{second}" for second, frame in enumerate(frames[:4]))
    three_of_five = " ".join(f"{frame}:100:{second}" for second, frame in enumerate(frames[:3]))
    assert vpdq.compare(query, four_of_five) == Comparison(match=True, distance=20)
    assert vpdq.compare(query, three_of_five) == Comparison(match=False, distance=40)


def test_vpdq_validate_gives_the_canonical_form() -> None:
    text = "  " + "A" * 64 + ":90:1.5   " + "b" * 64 + "\n"
    assert VpdqHashType().validate(text) == "a" * 64 + ":90:1.500 " + "b" * 64 + ":100:0.000"

"""The tag filter: every listed tag found under its category, random unlisted ones not found, a few bytes per
tag, and a damaged or truncated file refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from warden.errors import PsiListError
from warden.model.hashes import HashKind
from warden.psi.inputs import oprf_input
from warden.psi.suite import ServerKey
from warden.psi.tag_filter import TagFilter
from warden.psi.tag_worker import compute_tags

CATEGORIES = ["A", "B", "C", "uncategorised"]
LISTED = 100_000


def synthetic_inputs(count: int) -> list[bytes]:
    """OPRF inputs of ``count`` made-up hashes, the four exact kinds in turn (digests of counters)."""
    kinds = [(HashKind.MD5, hashlib.md5), (HashKind.SHA1, hashlib.sha1)]
    kinds += [(HashKind.SHA256, hashlib.sha256), (HashKind.PDQ, hashlib.sha256)]
    inputs = []
    for number in range(count):
        kind, digest = kinds[number % 4]
        inputs.append(oprf_input(kind, digest(f"made-up {number}".encode()).hexdigest()))
    return inputs


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> tuple[npt.NDArray[np.uint8], list[int], Path]:
    """100,000 tags made by two real tag workers, their category codes, and their filter written to a file."""
    tags = compute_tags(synthetic_inputs(LISTED), ServerKey.generate(), 2)
    codes = [number % len(CATEGORIES) for number in range(LISTED)]
    path = tmp_path_factory.mktemp("filter") / "tags.filter"
    TagFilter.build(tags, codes, CATEGORIES).to_file(path)
    return tags, codes, path


@pytest.mark.slow
def test_every_one_of_100000_listed_tags_is_found_under_its_category(
    listed: tuple[npt.NDArray[np.uint8], list[int], Path],
) -> None:
    tags, codes, path = listed
    found = TagFilter.open(path).lookup_many(tags)
    assert found == [CATEGORIES[code] for code in codes]


@pytest.mark.slow
def test_none_of_1000000_random_unlisted_tags_is_found(
    listed: tuple[npt.NDArray[np.uint8], list[int], Path],
) -> None:
    """The unlisted tags are random 64-byte values, which is what the OPRF's output of an unlisted hash is to
    anyone without the key (a million real OPRF outputs would take half a minute on two cores)."""
    tag_filter = TagFilter.open(listed[2])
    assert tag_filter.expected_false_match_rate * 1_000_000 < 1e-3
    queries = np.random.default_rng(16).integers(0, 256, (1_000_000, 64), dtype=np.uint8)
    assert sum(found is not None for found in tag_filter.lookup_many(queries)) == 0


@pytest.mark.slow
def test_the_filter_takes_at_most_8_bytes_a_tag(
    listed: tuple[npt.NDArray[np.uint8], list[int], Path],
) -> None:
    tag_filter = TagFilter.open(listed[2])
    assert tag_filter.size_bytes == listed[2].stat().st_size
    assert tag_filter.size_bytes <= 8 * LISTED


def random_tags(count: int, seed: int = 1) -> npt.NDArray[np.uint8]:
    return np.random.default_rng(seed).integers(0, 256, (count, 64), dtype=np.uint8)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 255, 256, 257, 5000])
def test_lists_of_any_size_find_what_they_hold_and_only_that(count: int, tmp_path: Path) -> None:
    tags = random_tags(count)
    codes = [number % 3 for number in range(count)]
    TagFilter.build(tags, codes, ["A", "B", "C"]).to_file(tmp_path / "tags.filter")
    tag_filter = TagFilter.open(tmp_path / "tags.filter")
    assert tag_filter.count == count
    assert tag_filter.lookup_many(tags) == [["A", "B", "C"][code] for code in codes]
    assert tag_filter.lookup_many(random_tags(1000, seed=2)) == [None] * 1000


def test_one_tag_is_looked_up_as_bytes_and_categories_come_back_by_name() -> None:
    tags = [bytes(random_tags(1, seed=number)[0]) for number in range(4)]
    tag_filter = TagFilter.build(tags, [2, 0, 1, 0], ["known_good", "A", "C"])
    assert [tag_filter.lookup(tag) for tag in tags] == ["C", "known_good", "A", "known_good"]
    assert tag_filter.lookup(bytes(64)) is None
    assert tag_filter.categories == ["known_good", "A", "C"]


def test_tags_crowded_into_few_buckets_are_all_found() -> None:
    """Tags sharing their first bits (as no OPRF gives, but a layout must not assume it) still all found."""
    tags = random_tags(4096)
    tags[:, :3] = 0  # every tag in the first few buckets
    tag_filter = TagFilter.build(tags, [0] * 4096, ["B"])
    assert tag_filter.lookup_many(tags) == ["B"] * 4096
    assert tag_filter.lookup_many(random_tags(100, seed=3)) == [None] * 100


def test_the_false_match_rate_is_the_bucket_load_over_2_to_the_32() -> None:
    tag_filter = TagFilter.build(random_tags(3000), [0] * 3000, ["A"])
    assert tag_filter.expected_false_match_rate == pytest.approx(3000 / 2048 / 2**32)


def test_codes_that_name_no_category_are_refused() -> None:
    with pytest.raises(ValueError, match="category codes"):
        TagFilter.build(random_tags(2), [0, 1], ["A"])
    with pytest.raises(ValueError, match="2 tags but 1 category codes"):
        TagFilter.build(random_tags(2), [0], ["A"])


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "tags.filter"
    TagFilter.build(random_tags(1000), [n % 2 for n in range(1000)], ["A", "C"]).to_file(path)
    return path


def header_of(path: Path) -> dict[str, object]:
    header: dict[str, object] = json.loads(path.read_bytes().split(b"\n", 1)[0])
    return header


def rewrite_header(path: Path, **changes: object) -> None:
    line, rest = path.read_bytes().split(b"\n", 1)
    new = json.dumps({**json.loads(line), **changes}, separators=(",", ":")).encode()
    assert len(new) <= len(line)
    path.write_bytes(new + b" " * (len(line) - len(new)) + b"\n" + rest)


def test_a_truncated_filter_is_refused(written: Path) -> None:
    written.write_bytes(written.read_bytes()[:-1])
    with pytest.raises(PsiListError, match="truncated or damaged"):
        TagFilter.open(written)


def test_a_filter_with_a_damaged_byte_is_refused(written: Path) -> None:
    data = bytearray(written.read_bytes())
    data[len(data) // 2] ^= 0x01
    written.write_bytes(bytes(data))
    with pytest.raises(PsiListError, match="do not match their SHA-256"):
        TagFilter.open(written)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": 2}, "version 2; this Warden reads 1"),
        ({"format": "other"}, "not a PSI filter"),
        ({"count": 10}, "truncated or damaged"),
        ({"count": 999}, "block offsets are out of order"),
        ({"bucket_bits": 0}, "header does not describe a filter"),
        ({"categories": ["A"]}, "a category code names no category"),
    ],
)
def test_a_filter_whose_header_is_wrong_is_refused(
    written: Path, changes: dict[str, object], message: str
) -> None:
    rewrite_header(written, **changes)
    with pytest.raises(PsiListError, match=message):
        TagFilter.open(written)


def test_a_file_that_is_no_filter_or_is_missing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "text.filter").write_text("hello\n")
    (tmp_path / "empty.filter").write_bytes(b"")
    for name in ("text.filter", "empty.filter"):
        with pytest.raises(PsiListError, match="is not a PSI filter"):
            TagFilter.open(tmp_path / name)
    with pytest.raises(PsiListError, match="cannot be read"):
        TagFilter.open(tmp_path / "absent.filter")


def test_the_header_says_what_the_filter_is_without_any_tag(written: Path) -> None:
    header = header_of(written)
    assert header["format"] == "warden-psi-filter" and header["count"] == 1000
    assert header["categories"] == ["A", "C"]

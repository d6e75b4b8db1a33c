"""An item's PDQ variants are looked up together and match as they did one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from warden.hashing.hash_types import thresholds
from warden.hashsets.store import HashSetStore, OpenHashSet
from warden.model.hashes import HashKind
from warden.scan.matcher import ItemHashes, match_item

# Random hashes are about 128 bits apart, far beyond the match distance of 31.
LISTED = [row.tobytes().hex() for row in np.random.default_rng(13).integers(0, 256, (6, 32), dtype=np.uint8)]


def _near(pdq: str, bits: int) -> str:
    return f"{int(pdq, 16) ^ ((1 << bits) - 1):064x}"


@pytest.fixture
def opened(tmp_path: Path) -> OpenHashSet:
    store = HashSetStore(tmp_path / "home", tmp_path / "keys" / "key")
    path = tmp_path / "set.csv"
    rows = [f",,,{pdq},{'ABC'[row % 3]},listed-{row}" for row, pdq in enumerate(LISTED)]
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "\n".join(rows) + "\n")
    store.import_file(path, name="made-up")
    return store.open("made-up")


def test_batch_lookup_answers_as_single_lookups(opened: OpenHashSet) -> None:
    queries = [_near(pdq, bits) for pdq, bits in zip(LISTED, (0, 5, 31, 32, 40, 12), strict=True)]
    queries += ["0" * 64, LISTED[2]]
    assert opened.pdq_many(queries, 31) == [opened.pdq(query, 31) for query in queries]
    assert [len(hits) for hits in opened.pdq_many(queries, 31)][:6] == [1, 1, 1, 0, 0, 1]
    assert opened.pdq_many([], 31) == []


def test_every_variant_is_matched_in_one_call_and_the_nearest_named(
    opened: OpenHashSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    variants = [
        ("original", _near(LISTED[0], 20), 90),
        ("flip_y", _near(LISTED[0], 4), 90),  # nearer: this variant names the match
        ("rotate90", LISTED[1], 30),  # too plain to match, never asked
        ("trimmed", _near(LISTED[2], 9), 80),
    ]
    calls: list[int] = []
    batch = opened.pdq_many

    def counted(pdqs: list[str], threshold: int) -> list[list[tuple[int, int]]]:
        calls.append(len(pdqs))
        return batch(pdqs, threshold)

    monkeypatch.setattr(opened, "pdq_many", counted)
    item = ItemHashes(digests={HashKind.MD5: "0" * 32}, pdq_variants=variants, video=None)
    found = match_item(item, [opened], thresholds())
    assert calls == [3]
    assert sorted((match.source_id, match.variant, match.distance) for match in found) == [
        ("listed-0", "flip_y", 4),
        ("listed-2", "trimmed", 9),
    ]

"""The list's manifest: written and read back unchanged, refused when damaged; and the commitment, which
changes when any tag does and not when their order does."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from warden.errors import PsiListError
from warden.psi.manifest import COMMITMENT_PREFIX, ListManifest, commitment, sorted_tags
from warden.psi.suite import SUITE_ID


def manifest() -> ListManifest:
    return ListManifest(
        public_key="ab" * 32,
        hash_set="made-up-set",
        source_sha256="cd" * 32,
        counts={"md5": 3, "pdq": 1},
        skipped={"vpdq": 2},
        total=4,
        categories=["A", "C"],
        filter_file="tags.filter",
        filter_size=400,
        filter_sha256="ef" * 32,
        commitment="01" * 32,
        built_at="2025-01-02T03:04:05.000006Z",
    )


def test_a_manifest_is_written_and_read_back_unchanged(tmp_path: Path) -> None:
    written = manifest()
    path = written.write(tmp_path)
    assert path == tmp_path / "manifest.json"
    assert ListManifest.read(tmp_path) == written
    assert ListManifest.from_json(written.to_json()) == written
    data = json.loads(path.read_text())
    assert data["suite"] == SUITE_ID and data["format_version"] == 1


def test_fields_a_later_version_adds_are_left_aside() -> None:
    assert ListManifest.from_dict({**manifest().to_dict(), "mirrors": ["x"]}) == manifest()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 2}, "format version 2"),
        ({"suite": "OPRFV1-\x00-ristretto255-SHA512"}, "names the OPRF suite"),
        ({"public_key": "zz" * 32}, "public_key not as a manifest has them"),
        ({"total": -1}, "total"),
        ({"counts": {"md5": "3"}}, "counts"),
        ({"filter_file": "../../etc/passwd"}, "filter_file"),
        ({"commitment": None}, "commitment"),
    ],
)
def test_a_damaged_manifest_is_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(PsiListError, match=message):
        ListManifest.from_dict({**manifest().to_dict(), **change})


def test_a_manifest_missing_a_field_or_not_json_is_refused(tmp_path: Path) -> None:
    data = manifest().to_dict()
    del data["commitment"]
    with pytest.raises(PsiListError, match="lacks commitment"):
        ListManifest.from_dict(data)
    for text in ("{", "[]"):
        with pytest.raises(PsiListError, match=r"not JSON|not a JSON object"):
            ListManifest.from_json(text)
    with pytest.raises(PsiListError, match="cannot be read"):
        ListManifest.read(tmp_path)


def tags(count: int, seed: int = 7) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    return np.random.default_rng(seed).integers(0, 256, (count, 64), dtype=np.uint8)


def test_the_commitment_is_sha256_over_the_count_and_the_sorted_tags() -> None:
    listed = [bytes(row) for row in tags(50)]
    expected = hashlib.sha256(COMMITMENT_PREFIX + (50).to_bytes(8, "big") + b"".join(sorted(listed)))
    assert commitment(listed) == expected.hexdigest()
    assert commitment(list(reversed(listed))) == expected.hexdigest()


def test_the_commitment_changes_when_one_tag_changes() -> None:
    listed = tags(1000)
    changed = listed.copy()
    changed[500, 63] ^= 1
    assert commitment(changed) != commitment(listed)
    assert commitment(listed[:-1]) != commitment(listed)


def test_tags_sharing_their_first_8_bytes_are_sorted_by_all_64() -> None:
    listed = tags(200)
    listed[:, :8] = 0
    assert [bytes(row) for row in sorted_tags(listed)] == sorted(bytes(row) for row in listed)

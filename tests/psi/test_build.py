"""Building a list: one tag per exact hash under its most serious category, fuzzy kinds counted and skipped,
the filter and manifest written and matching each other, nothing of the hashes or tags beside them in clear;
and a list built from a sealed hash set in the store."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.hashsets.samples import md5, pdq, sha1, sha256
from warden.errors import HashSetKeyError, PsiListError
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.model.hashes import HashKind, VpdqFrame
from warden.psi.build import (
    PsiEntry,
    build_from_store,
    build_list,
    list_folder,
    list_is_current,
    open_list,
    read_sealed_set,
)
from warden.psi.inputs import oprf_input
from warden.psi.manifest import commitment
from warden.psi.suite import ServerKey

KEY = ServerKey.generate()

ENTRIES: list[PsiEntry] = [
    (HashKind.MD5, md5("one"), Category.C),
    (HashKind.SHA1, sha1("one"), Category.C),
    (HashKind.SHA256, sha256("two"), Category.B),
    (HashKind.PDQ, pdq("three"), Category.UNCATEGORISED),
    (HashKind.MD5, md5("one").upper(), Category.A),  # listed again, more serious: A wins
    (HashKind.MD5, md5("four"), Category.KNOWN_GOOD),
    (HashKind.VPDQ, "not looked at", Category.A),
    ("photodna", "not looked at", Category.B),
]


def tag_of(kind: str, value: str) -> bytes:
    return KEY.tag(oprf_input(kind, value))


def test_a_list_finds_each_exact_hash_under_its_most_serious_category(tmp_path: Path) -> None:
    manifest = build_list(ENTRIES, KEY, tmp_path / "list", 2, hash_set="made-up", source_sha256="0" * 64)
    opened, tag_filter = open_list(tmp_path / "list")
    assert opened == manifest
    assert tag_filter.lookup(tag_of("md5", md5("one"))) == "A"
    assert tag_filter.lookup(tag_of("sha1", sha1("one"))) == "C"
    assert tag_filter.lookup(tag_of("sha256", sha256("two"))) == "B"
    assert tag_filter.lookup(tag_of("pdq", pdq("three"))) == "uncategorised"
    assert tag_filter.lookup(tag_of("md5", md5("four"))) == "known_good"
    assert tag_filter.lookup(tag_of("md5", md5("five"))) is None
    assert tag_filter.lookup(tag_of("sha256", pdq("three"))) is None  # same bytes, another kind


def test_the_manifest_counts_kinds_skips_fuzzy_ones_and_commits_to_the_tags(tmp_path: Path) -> None:
    manifest = build_list(ENTRIES, KEY, tmp_path, 1, hash_set="made-up", source_sha256="0" * 64)
    assert manifest.counts == {"md5": 2, "pdq": 1, "sha1": 1, "sha256": 1}
    assert manifest.skipped == {"photodna": 1, "vpdq": 1}
    assert manifest.total == 5
    assert manifest.categories == ["A", "B", "C", "known_good", "uncategorised"]
    assert manifest.public_key == KEY.public_key().hex()
    exact = {(str(kind), value.lower()) for kind, value, _ in ENTRIES[:6]}
    assert manifest.commitment == commitment([tag_of(kind, value) for kind, value in exact])
    assert (manifest.hash_set, manifest.filter_file) == ("made-up", "tags.filter")


def test_nothing_of_the_hashes_or_tags_is_written_beside_the_filter(tmp_path: Path) -> None:
    build_list(ENTRIES, KEY, tmp_path / "list", 1)
    assert sorted(path.name for path in (tmp_path / "list").iterdir()) == ["manifest.json", "tags.filter"]
    assert stat.S_IMODE((tmp_path / "list").stat().st_mode) == 0o700
    written = b"".join(path.read_bytes() for path in (tmp_path / "list").iterdir())
    for kind, value, _ in ENTRIES[:6]:
        assert value.lower().encode() not in written and bytes.fromhex(value) not in written
        assert tag_of(kind, value)[:16] not in written


def test_an_empty_list_is_built_and_finds_nothing(tmp_path: Path) -> None:
    manifest = build_list([], KEY, tmp_path, 2)
    assert manifest.total == 0 and manifest.categories == []
    assert open_list(tmp_path)[1].lookup(tag_of("md5", md5("one"))) is None


def test_a_list_is_current_until_its_key_or_its_set_changes(tmp_path: Path) -> None:
    build_list(ENTRIES, KEY, tmp_path, 1, source_sha256="0" * 64)
    assert list_is_current(tmp_path, KEY, "0" * 64)
    assert not list_is_current(tmp_path, ServerKey.generate(), "0" * 64)
    assert not list_is_current(tmp_path, KEY, "1" * 64)
    (tmp_path / "tags.filter").unlink()
    assert not list_is_current(tmp_path, KEY, "0" * 64)
    assert not list_is_current(tmp_path / "never-built", KEY, "0" * 64)


def test_a_filter_that_is_not_the_one_its_manifest_names_is_refused(tmp_path: Path) -> None:
    build_list(ENTRIES, KEY, tmp_path / "one", 1)
    build_list(ENTRIES[:3], KEY, tmp_path / "two", 1)
    (tmp_path / "one" / "tags.filter").write_bytes((tmp_path / "two" / "tags.filter").read_bytes())
    with pytest.raises(PsiListError, match="not the one its manifest names"):
        open_list(tmp_path / "one")


def stored_set(store: HashSetStore) -> None:
    frames = (VpdqFrame(pdq("frame"), 100, 0.0),)
    entries = [
        Entry(md5=md5("a"), sha256=sha256("a"), category=Category.A),
        Entry(pdq=pdq("b"), category=Category.C),
        Entry(vpdq=frames, photodna="00" * 144, category=Category.B),
    ]
    store.add(
        HashSet(name="made-up", format="csv", entries=entries, source="made-up.csv", source_sha256="ab" * 32)
    )


def test_a_list_is_built_from_a_sealed_hash_set_in_the_store(tmp_path: Path) -> None:
    store = HashSetStore.from_settings()
    stored_set(store)
    manifest = build_from_store(store, "made-up", KEY, workers=2)
    assert list_folder("made-up") == store.root / "psi" / "made-up"
    assert (manifest.hash_set, manifest.source_sha256) == ("made-up", "ab" * 32)
    assert manifest.counts == {"md5": 1, "pdq": 1, "sha256": 1}
    assert manifest.skipped == {"photodna": 1, "vpdq": 1}
    _, tag_filter = open_list(list_folder("made-up"))
    assert tag_filter.lookup(tag_of("pdq", pdq("b"))) == "C"
    assert list_is_current(list_folder("made-up"), KEY, store.manifest("made-up")["source_sha256"])


def test_reading_a_sealed_set_needs_its_key(tmp_path: Path) -> None:
    stored_set(HashSetStore.from_settings())
    other = HashSetStore(HashSetStore.from_settings().root, tmp_path / "other.key")
    ServerKey.generate().save(tmp_path / "other.key")  # a well-formed key, not the store's
    with pytest.raises(HashSetKeyError):
        read_sealed_set(other, "made-up")

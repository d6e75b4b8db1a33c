"""The hash-set store: imports whole or not at all, holds nothing in clear, opens only with its key."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from tests.media import media
from warden.errors import HashSetExistsError, HashSetFormatError, HashSetKeyError, HashSetNotFoundError
from warden.hashsets.store import HashSetStore
from warden.model.hashes import HashKind

PDQ = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"


def canonical(tmp_path: Path, rows: list[str], name: str = "set.csv") -> Path:
    path = tmp_path / name
    path.write_text("md5,sha1,sha256,pdq,category,source_id\n" + "".join(row + "\n" for row in rows))
    return path


@pytest.fixture
def store(tmp_path: Path) -> HashSetStore:
    return HashSetStore(tmp_path / "home", tmp_path / "keys" / "key")


def test_import_then_match_exact_and_pdq(store: HashSetStore, tmp_path: Path) -> None:
    md5 = hashlib.md5(b"x").hexdigest()
    path = canonical(tmp_path, [f"{md5},,,,A,one", f",,,{PDQ},B,two", f"{'1' * 32},,,,known_good,three"])
    manifest = store.import_file(path, name="demo")
    assert manifest["entries"] == 3
    assert store.key_created and (tmp_path / "keys" / "key").stat().st_mode & 0o777 == 0o600
    opened = store.open("demo")
    assert opened.exact(HashKind.MD5, md5) == [0]
    assert opened.exact(HashKind.MD5, "0" * 32) == []
    near = f"{int(PDQ, 16) ^ 0b1011:064x}"
    assert opened.pdq(near, 31) == [(1, 3)]
    assert opened.entry(1).source_id == "two"
    assert opened.case_record()["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_nothing_of_the_list_is_stored_in_clear(store: HashSetStore, tmp_path: Path) -> None:
    md5 = hashlib.md5(b"secret").hexdigest()
    store.import_file(canonical(tmp_path, [f"{md5},,,{PDQ},A,MEDIA-42"]), name="demo")
    blob = b"".join(p.read_bytes() for p in (tmp_path / "home").rglob("*") if p.is_file())
    for needle in (md5.encode(), bytes.fromhex(md5), PDQ.encode(), bytes.fromhex(PDQ), b"MEDIA-42"):
        assert needle not in blob


def test_a_malformed_file_leaves_nothing_behind(store: HashSetStore, tmp_path: Path) -> None:
    path = canonical(tmp_path, ["0" * 32 + ",,,,A,ok", "zz" + "0" * 30 + ",,,,A,bad"])
    with pytest.raises(HashSetFormatError, match="line 3"):
        store.import_file(path, name="demo")
    assert store.names() == []
    assert list((tmp_path / "home").rglob("*.sealed")) == []


def test_another_key_cannot_open_the_store(store: HashSetStore, tmp_path: Path) -> None:
    store.import_file(canonical(tmp_path, ["0" * 32 + ",,,,A,x"]), name="demo")
    other = HashSetStore(tmp_path / "home", tmp_path / "other-key")
    with pytest.raises(HashSetKeyError):
        other.open("demo")
    (tmp_path / "other-key").write_text("ab" * 32)
    (tmp_path / "other-key").chmod(0o600)
    with pytest.raises(HashSetKeyError, match="another key"):
        other.open("demo")


def test_names_are_unique_and_unknown_names_are_clear(store: HashSetStore, tmp_path: Path) -> None:
    path = canonical(tmp_path, ["0" * 32 + ",,,,A,x"])
    store.import_file(path, name="demo")
    with pytest.raises(HashSetExistsError):
        store.import_file(path, name="demo")
    with pytest.raises(HashSetNotFoundError, match="demo"):
        store.open("nope")


def test_a_file_given_to_a_scan_is_imported_once(store: HashSetStore, tmp_path: Path) -> None:
    path = canonical(tmp_path, ["0" * 32 + ",,,,A,x"], name="national list.csv")
    name = store.resolve(str(path))
    assert name == "national_list"
    assert store.resolve(str(path)) == name
    assert store.names() == [name]


def test_export_round_trips_through_the_canonical_reader(store: HashSetStore, tmp_path: Path) -> None:
    md5 = hashlib.md5(media("photos", "n01440764_tench.jpg").read_bytes()).hexdigest()
    store.import_file(canonical(tmp_path, [f"{md5},,,{PDQ},C,t1"]), name="demo")
    out = io.StringIO()
    store.export("demo", out)
    exported = tmp_path / "exported.csv"
    exported.write_text(out.getvalue())
    store.import_file(exported, name="again")
    assert store.load("again").entries == store.load("demo").entries

"""Replicas on several machines: a base merged on one is copied through the PostgreSQL service database onto
another that shares nothing else with it, checked on arrival, and matched there; a damaged copy is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.media import media
from tests.serve.bank_service import PHOTOS, photo_csv
from warden.errors import HashSetKeyError, IndexDamagedError
from warden.hashing.item import hash_file
from warden.hashsets.sealed import load_key
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.serve.banks import Banks
from warden.serve.live_index import IndexState, LiveIndex
from warden.serve.lookup import Query, lookup
from warden.servicedb.database import open_service_db
from warden.servicedb.schema import bank_base_chunks, bank_bases

pytestmark = pytest.mark.slow  # PostgreSQL


def _machine(root: Path, url: str, key: Path) -> Banks:
    """A replica's banks: its own disk under ``root``, the shared database and the shared key file."""
    return Banks(open_service_db(url), HashSetStore(root / "home", key), root / "bank-rows")


def _key(root: Path) -> Path:
    """A store key made on the first machine and given to the others (as an operator copies it)."""
    load_key(root / "keys" / "store.key", create=True)
    return root / "keys" / "store.key"


def _two_machines(root: Path, url: str) -> tuple[Banks, Banks]:
    """Two replicas' banks: each its own disk, the same database and key."""
    key = _key(root)
    return _machine(root / "first", url, key), _machine(root / "second", url, key)


def _found(index: LiveIndex, digest: str) -> list[str]:
    return [m.content_id for m in lookup(index, [Query("md5", digest)])[0].matches]


def test_a_base_merged_on_one_machine_is_copied_to_another_and_matched(
    tmp_path: Path, postgres_url: str
) -> None:
    first, second = _two_machines(tmp_path, postgres_url)
    first.create("SHARED")
    first.fill("SHARED", photo_csv(tmp_path))
    base = first.get("SHARED").base
    assert base is not None and not second.store.has(base)
    digest = hash_file(media("photos", PHOTOS[1])).md5 or ""
    with LiveIndex(second, merge_entries=0) as index:
        index.refresh()
        assert index.state is IndexState.READY
        assert _found(index, digest) == ["photo-1"]
        assert second.store.has(base), "the copy is on the second machine's disk"
        assert sorted(p.name for p in second.rows_folder(base).iterdir()) == sorted(
            p.name for p in first.rows_folder(base).iterdir()
        )
        # The next generation, merged on the first machine, replaces it on the second at the next poll.
        first.add("SHARED", {"md5": digest}, Category.A, "again")
        assert first.merge("SHARED")
        newer = first.get("SHARED").base
        assert newer is not None and newer != base
        assert index.refresh()
        assert sorted(_found(index, digest)) == ["again", "photo-1"]
        assert second.store.has(newer)
        # One more: the second machine keeps the base before the newest, as the first does.
        first.remove("SHARED", ["photo-0"])
        assert first.merge("SHARED")
        assert index.refresh()
        newest = first.get("SHARED").base
        assert newest is not None
        assert [n for n in second.store.names() if n.startswith("bank.SHARED.")] == sorted([newer, newest])
    with first.engine.connect() as connection:
        published = set(connection.execute(select(bank_bases.c.base)).scalars())
    assert published == {newer, newest}, "the database keeps the same two generations"
    first.delete("SHARED")
    with first.engine.connect() as connection:
        assert connection.execute(select(bank_base_chunks.c.base)).first() is None


def test_curation_on_a_machine_that_did_not_merge_reads_the_copied_base(
    tmp_path: Path, postgres_url: str
) -> None:
    first, second = _two_machines(tmp_path, postgres_url)
    first.create("CURATED")
    first.fill("CURATED", photo_csv(tmp_path))
    total, page = second.content("CURATED")
    assert total == len(PHOTOS) and {c.content_id for c in page} == {"photo-0", "photo-1", "photo-2"}
    second.disable("CURATED", "photo-2")  # checks the content is there: reads the copied row names
    assert second.merge("CURATED"), "the second machine merges from the base it copied"


def test_a_copy_damaged_on_the_way_is_refused_and_nothing_is_installed(
    tmp_path: Path, postgres_url: str
) -> None:
    first, second = _two_machines(tmp_path, postgres_url)
    first.create("DAMAGED")
    first.fill("DAMAGED", photo_csv(tmp_path))
    base = first.get("DAMAGED").base
    assert base is not None
    with first.engine.begin() as connection:
        connection.execute(
            update(bank_base_chunks)
            .where(bank_base_chunks.c.base == base, bank_base_chunks.c.file == "set/entries.sealed")
            .values(data=b"not what was published")
        )
    index = LiveIndex(second, merge_entries=0)
    with pytest.raises(IndexDamagedError, match=r"arrived with .* another SHA-256"):
        index.refresh()
    assert index.state is IndexState.LOADING
    assert not second.store.has(base)
    assert not any(second.store.folder(base).parent.glob(".incoming-*")), "no half copy is left"


def test_a_replica_given_another_key_says_so(tmp_path: Path, postgres_url: str) -> None:
    first = _machine(tmp_path / "first", postgres_url, _key(tmp_path))
    load_key(tmp_path / "other-keys" / "store.key", create=True)
    other = Banks(
        open_service_db(postgres_url),
        HashSetStore(tmp_path / "other" / "home", tmp_path / "other-keys" / "store.key"),
        tmp_path / "other" / "bank-rows",
    )
    first.create("KEYED")
    first.fill("KEYED", photo_csv(tmp_path))
    with pytest.raises(HashSetKeyError, match="another key"):
        LiveIndex(other, merge_entries=0).refresh()
    shutil.rmtree(tmp_path / "other")


def test_nothing_is_published_in_a_sqlite_service(tmp_path: Path) -> None:
    banks = Banks(
        open_service_db(f"sqlite:///{tmp_path / 'service.db'}"),
        HashSetStore(tmp_path / "home", tmp_path / "keys" / "store.key"),
        tmp_path / "bank-rows",
    )
    banks.create("LOCAL")
    banks.fill("LOCAL", photo_csv(tmp_path))
    with banks.engine.connect() as connection:
        assert connection.execute(select(bank_bases.c.base)).first() is None

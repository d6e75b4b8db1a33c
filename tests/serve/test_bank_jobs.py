"""A bank's fills and merges run in a child process, so that a worker does not keep the memory a list took;
what the child raises reaches the worker as the same error, and what it adds is matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.errors import HashSetFormatError, HashSetNotFoundError, InternalError
from warden.hashsets.store import HashSetStore
from warden.serve import bank_jobs
from warden.serve.banks import Banks
from warden.servicedb.database import open_service_db

MD5S = ["0" * 31 + str(n) for n in range(5)]


@pytest.fixture
def banks(tmp_path: Path) -> Banks:
    engine = open_service_db(f"sqlite:///{tmp_path / 'service.db'}")
    made = Banks(engine, HashSetStore(tmp_path / "home", tmp_path / "keys" / "k.key"), tmp_path / "rows")
    made.create("LIST")
    return made


def test_a_list_filled_in_a_child_process_is_in_the_bank(banks: Banks, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    rows = "".join(f"{m},,,,B,item-{n}\n" for n, m in enumerate(MD5S))
    listing.write_text("md5,sha1,sha256,pdq,category,source_id\n" + rows)
    url = str(banks.engine.url)
    assert bank_jobs.fill(banks, url, "LIST", listing) == len(MD5S)
    total, page = banks.content("LIST")
    assert total == len(MD5S) and {c.content_id for c in page} == {f"item-{n}" for n in range(len(MD5S))}
    assert bank_jobs.merge(banks, url, "LIST") is True


def test_a_malformed_list_is_refused_whole_with_its_line_named(banks: Banks, tmp_path: Path) -> None:
    listing = tmp_path / "bad.csv"
    listing.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{MD5S[0]},,,,B,a\nnot-a-hash,,,,B,b\n")
    with pytest.raises(HashSetFormatError) as refused:
        bank_jobs.fill(banks, str(banks.engine.url), "LIST", listing)
    assert "line 3" in str(refused.value)
    assert banks.content("LIST")[0] == 0
    with pytest.raises(HashSetNotFoundError):
        bank_jobs.fill(banks, str(banks.engine.url), "NO_SUCH_BANK", listing)


def test_an_error_code_the_worker_does_not_know_becomes_an_internal_error() -> None:
    assert isinstance(bank_jobs.error_from("hashset_not_found", "gone"), HashSetNotFoundError)
    assert isinstance(bank_jobs.error_from("no-such-code", "what"), InternalError)
    assert isinstance(bank_jobs.error_from("dependency_missing", "x"), InternalError)  # built otherwise

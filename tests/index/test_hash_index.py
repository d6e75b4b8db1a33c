"""Building an index folder is all or nothing; opening maps it; verify() finds changed bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.index.planted import random_hashes
from warden.errors import IndexDamagedError
from warden.index import build_index, hash_index, open_index


def hashes(seed: int, count: int = 200) -> np.ndarray:
    return random_hashes(np.random.default_rng(seed), count)


def test_an_index_opens_lazily_or_preloaded_with_the_same_answers(tmp_path: Path) -> None:
    data = hashes(16, 20_000)
    build_index(tmp_path / "index", pdq=data)
    lazy, preloaded = open_index(tmp_path / "index", preload=False), open_index(tmp_path / "index")
    assert len(lazy.pdq) == len(preloaded.pdq) == 20_000
    assert lazy.pdq.query(data[5].tobytes()) == preloaded.pdq.query(data[5].tobytes()) == [(5, 0)]


def test_rebuilding_replaces_the_index_and_leaves_nothing_behind(tmp_path: Path) -> None:
    build_index(tmp_path / "index", pdq=hashes(1))
    build_index(tmp_path / "index", pdq=hashes(2, 300))
    assert len(open_index(tmp_path / "index").pdq) == 300
    assert [path.name for path in tmp_path.iterdir()] == ["index"]


def test_a_failed_build_keeps_the_old_index_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = hashes(3)
    build_index(tmp_path / "index", pdq=old)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(hash_index, "write_header", crash)
    with pytest.raises(OSError, match="disk full"):
        build_index(tmp_path / "index", pdq=hashes(4, 500))
    index = open_index(tmp_path / "index")
    index.verify()
    assert index.pdq.query(old[7].tobytes(), 0) == [(7, 0)]
    assert [path.name for path in tmp_path.iterdir()] == ["index"]


def test_bad_input_builds_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PDQ rows"):
        build_index(tmp_path / "index", pdq=hashes(5), pdq_rows=np.arange(3))
    assert list(tmp_path.iterdir()) == []


def test_verify_passes_a_fresh_index_and_catches_a_changed_byte(tmp_path: Path) -> None:
    build_index(tmp_path / "index", pdq=hashes(6), digests={"md5": (hashes(7, 10)[:, :16], np.arange(10))})
    open_index(tmp_path / "index").verify()
    path = tmp_path / "index" / "md5.digests.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    index = open_index(tmp_path / "index")  # shapes still agree: only the checksum can tell
    with pytest.raises(IndexDamagedError, match=r"md5\.digests\.npy: contents differ"):
        index.verify()


def test_a_folder_that_is_not_an_index_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"not an index")
    with pytest.raises(FileExistsError, match="no index"):
        build_index(tmp_path / "photos", pdq=hashes(8))
    assert (tmp_path / "photos" / "holiday.jpg").read_bytes() == b"not an index"


def test_folders_left_by_a_crashed_build_are_cleared_by_the_next(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the usual pid range: no such process
    (tmp_path / f".index.building-{dead}-0badc0de").mkdir()
    (tmp_path / f".index.old-{dead}-0badc0de").mkdir()
    build_index(tmp_path / "index", pdq=hashes(9))
    assert [path.name for path in tmp_path.iterdir()] == ["index"]

"""A damaged, foreign or newer index is refused at open with a message that says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.index.planted import random_hashes
from warden.errors import IndexDamagedError
from warden.index import build_index, open_index
from warden.index.format import FORMAT_NAME, FORMAT_VERSION, HEADER_NAME


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(15)
    digests = rng.integers(0, 256, size=(50, 16), dtype=np.uint8)
    build_index(tmp_path / "index", pdq=random_hashes(rng, 20_000), digests={"md5": (digests, np.arange(50))})
    return tmp_path / "index"


def edit_header(folder: Path, change: dict[str, object]) -> None:
    header = json.loads((folder / HEADER_NAME).read_text())
    header.update(change)
    (folder / HEADER_NAME).write_text(json.dumps(header))


def test_the_header_names_the_format_version_and_every_file(folder: Path) -> None:
    header = json.loads((folder / HEADER_NAME).read_text())
    assert (header["format"], header["version"]) == (FORMAT_NAME, FORMAT_VERSION)
    assert header["pdq"]["count"] == 20_000
    named = set(header["pdq"]["files"]) | set(header["exact"]["md5"]["files"])
    assert named | {HEADER_NAME} == {path.name for path in folder.iterdir()}
    assert all(len(record["sha256"]) == 64 for record in header["pdq"]["files"].values())


def test_the_arrays_are_plain_npy_files(folder: Path) -> None:
    hashes = np.load(folder / "pdq.hashes.npy", allow_pickle=False)
    assert hashes.shape == (20_000, 32)


def test_no_header_means_no_index(tmp_path: Path) -> None:
    with pytest.raises(IndexDamagedError, match="no index here"):
        open_index(tmp_path)


def test_an_unreadable_header_is_reported(folder: Path) -> None:
    (folder / HEADER_NAME).write_text("{not json")
    with pytest.raises(IndexDamagedError, match="unreadable index header"):
        open_index(folder)


def test_another_format_is_refused(folder: Path) -> None:
    edit_header(folder, {"format": "something-else"})
    with pytest.raises(IndexDamagedError, match=f"not a {FORMAT_NAME} header"):
        open_index(folder)


def test_a_newer_version_is_refused_with_the_way_out(folder: Path) -> None:
    edit_header(folder, {"version": FORMAT_VERSION + 1})
    with pytest.raises(IndexDamagedError, match="Re-import the hash set"):
        open_index(folder)


def test_a_missing_array_is_reported(folder: Path) -> None:
    (folder / "pdq.offsets.npy").unlink()
    with pytest.raises(IndexDamagedError, match=r"pdq\.offsets\.npy: missing"):
        open_index(folder)


def test_a_truncated_array_is_reported(folder: Path) -> None:
    path = folder / "pdq.positions.npy"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(IndexDamagedError, match="shorter than its array"):
        open_index(folder)


def test_an_array_of_another_shape_is_reported(folder: Path) -> None:
    np.save(folder / "md5.rows.npy", np.arange(49, dtype=np.uint32))
    with pytest.raises(IndexDamagedError, match="the header says"):
        open_index(folder)


def test_counts_that_disagree_with_the_files_are_reported(folder: Path) -> None:
    header = json.loads((folder / HEADER_NAME).read_text())
    header["pdq"]["count"] = 19_999
    (folder / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(IndexDamagedError, match="should be recorded with shape"):
        open_index(folder)


def test_a_pickled_array_is_refused(folder: Path) -> None:
    np.save(folder / "md5.rows.npy", np.array([object()] * 50), allow_pickle=True)
    with pytest.raises(IndexDamagedError, match=r"md5\.rows\.npy: not a readable array"):
        open_index(folder)

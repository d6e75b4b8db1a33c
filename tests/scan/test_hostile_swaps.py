"""Files swapped between listing and reading (issue 8, point 23): a link put in a file's or a folder's place
is recorded, never followed, and another file put in its place is refused, in the walk, in the hashing
worker and for the segments of disk images."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.media import media
from warden.evidence.base import ContainerError, Item, Limits, Step
from warden.evidence.folder import FolderSource
from warden.evidence.walk import walk
from warden.hashing.digests import ListedPath, ReplacedFileError, open_evidence
from warden.hashing.item import hash_file
from warden.scan.pool import HashingPool

PHOTO = "n02095570_Lakeland_terrier.jpg"


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "sub").mkdir(parents=True)
    (root / "a.jpg").write_bytes(media("photos", PHOTO).read_bytes())
    (root / "sub" / "b.jpg").write_bytes(b"benign b")
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the evidence (the examiner's own) that a followed link would read."""
    path = tmp_path / "outside" / "examiner-secret.txt"
    path.parent.mkdir()
    path.write_bytes(b"the examiner's own file")
    return path


def swap_for_link(path: Path, target: Path) -> None:
    os.replace(path, path.with_name(path.name + ".moved"))
    path.symlink_to(target)


def test_evidence_is_never_opened_through_a_link(tmp_path: Path, secret: Path) -> None:
    link = tmp_path / "link.jpg"
    link.symlink_to(secret)
    with pytest.raises(ReplacedFileError, match="symbolic link"):
        open_evidence(link)


def test_a_file_swapped_for_a_link_after_listing_is_recorded_not_followed(
    evidence: Path, secret: Path
) -> None:
    items = list(FolderSource().items(evidence))
    swap_for_link(evidence / "a.jpg", secret)
    found = {f.item.path: f.item for f in walk(items, Limits())}
    assert "symbolic link" in (found["a.jpg"].problem or "")
    assert not found["a.jpg"].readable


def test_a_file_replaced_by_another_after_listing_is_refused(evidence: Path) -> None:
    items = list(FolderSource().items(evidence))
    (evidence / "other.jpg").write_bytes(b"another file")
    os.replace(evidence / "other.jpg", evidence / "a.jpg")
    found = {f.item.path: f.item for f in walk(items, Limits())}
    assert "not the file that was listed" in (found["a.jpg"].problem or "")


def test_a_folder_swapped_for_a_link_after_its_parent_was_listed_is_not_followed(
    evidence: Path, secret: Path
) -> None:
    listing = FolderSource().items(evidence)
    first = next(listing)  # the evidence root is listed: "sub" is known as a folder
    assert first.path == "a.jpg"
    swap_for_link(evidence / "sub", secret.parent)
    rest = {item.path: item for item in listing}
    assert "examiner-secret.txt" not in " ".join(rest)
    assert "folder cannot be listed" in (rest["sub"].problem or "")


def test_the_hashing_worker_refuses_a_file_swapped_after_listing(evidence: Path, secret: Path) -> None:
    [item] = [item for item in FolderSource().items(evidence) if item.path == "a.jpg"]
    assert item.fs_path is not None and item.identity is not None
    listed = ListedPath(item.fs_path, item.identity)
    swap_for_link(evidence / "a.jpg", secret)
    direct = hash_file(Path(listed), identity=item.identity)
    assert direct.md5 is None
    assert "symbolic link" in direct.errors[0].message
    # Through a real worker process, as the scan hands it the path.
    (evidence / "a.jpg").unlink()
    (evidence / "a.jpg").write_bytes(b"another file in its place")
    with HashingPool[str](1, {}, timeout=60.0, memory_mb=1024) as pool:
        [(_, result)] = list(pool.map([("a.jpg", listed)]))
    assert isinstance(result, dict)
    assert result["md5"] is None
    assert "not the file that was listed" in result["errors"][0]["message"]


def test_a_listed_file_still_in_place_is_hashed(evidence: Path) -> None:
    [item] = [item for item in FolderSource().items(evidence) if item.path == "a.jpg"]
    assert item.fs_path is not None
    with HashingPool[str](1, {}, timeout=60.0, memory_mb=1024) as pool:
        [(_, result)] = list(pool.map([("a.jpg", ListedPath(item.fs_path, item.identity))]))
    assert isinstance(result, dict)
    assert result["md5"] is not None
    assert result["errors"] == []


def test_image_segments_are_never_opened_through_a_link(
    tmp_path: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw_image = pytest.importorskip("warden.evidence.raw_image")
    first = tmp_path / "disk.001"
    first.write_bytes(bytes(1024))
    (tmp_path / "disk.002").symlink_to(secret)
    # The segment the split rule named is a link by the time it is opened.
    monkeypatch.setattr(raw_image, "split_segments", lambda path: [first, tmp_path / "disk.002"])
    container = Item((Step("file", "disk.001"),), fs_path=str(first))
    with first.open("rb") as stream, pytest.raises(ContainerError, match="symbolic link"):
        list(raw_image.RawImageContainer().expand(stream, container, Limits()))


def test_an_e01_that_is_not_the_file_listed_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("pyewf")
    from tests.evidence import images
    from warden.evidence.ewf import EwfContainer

    e01 = images.e01()
    path = e01.folder / "disk.E01"
    listed = os.stat(tmp_path)  # the identity of something else
    container = Item((Step("file", "disk.E01"),), fs_path=str(path), identity=(listed.st_dev, listed.st_ino))
    with pytest.raises(ContainerError, match="not the file that was listed"):
        list(EwfContainer().expand(None, container, Limits()))  # type: ignore[arg-type]

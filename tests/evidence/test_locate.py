"""Finding one recorded item again: only the containers on its path are opened, nothing is written."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from warden.evidence.base import Container, Item, Limits
from warden.evidence.compressed import CompressedContainer
from warden.evidence.locate import ItemNotFoundError, open_item
from warden.evidence.tar import TarContainer
from warden.evidence.zip import ZipContainer


class Counting:
    """A container format that counts how often it is opened."""

    def __init__(self, inner: Container) -> None:
        self.inner = inner
        self.name = inner.name
        self.opened: list[str] = []

    def sniff(self, head: bytes, size: int | None) -> bool:
        return self.inner.sniff(head, size)

    def expand(self, stream: BinaryIO, container: Item, limits: Limits) -> Iterator[Item]:
        self.opened.append(container.path)
        return self.inner.expand(stream, container, limits)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_gz_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "note.txt").write_bytes(b"plain file")
    inner = zip_bytes({"deep/photo.jpg": b"in a zip in a tar.gz"})
    (root / "a" / "bundle.tar.gz").write_bytes(tar_gz_bytes({"x/inner.zip": inner, "x/other.txt": b"other"}))
    (root / "a" / "first.zip").write_bytes(zip_bytes({"one.txt": b"first zip"}))
    (root / "a" / "second.zip").write_bytes(zip_bytes({"two.txt": b"second zip"}))
    return root


def read(root: Path, path: str, formats: list[Container] | None = None) -> bytes:
    formats = formats if formats is not None else [ZipContainer(), TarContainer(), CompressedContainer()]
    with open_item(root, path, Limits(), containers=formats) as stream:
        return stream.read()


def test_a_file_of_a_folder_is_opened_directly(evidence: Path) -> None:
    assert read(evidence, "a/b/note.txt") == b"plain file"


def test_only_the_containers_on_the_path_are_opened(evidence: Path) -> None:
    zips = Counting(ZipContainer())
    assert read(evidence, "a/second.zip//two.txt", [zips]) == b"second zip"
    assert zips.opened == ["a/second.zip"]


def test_a_zip_in_a_compressed_tar_is_reached_in_memory(evidence: Path) -> None:
    zips, tars = Counting(ZipContainer()), Counting(TarContainer())
    data = read(evidence, "a/bundle.tar.gz//x/inner.zip//deep/photo.jpg", [zips, tars, CompressedContainer()])
    assert data == b"in a zip in a tar.gz"
    assert zips.opened == ["a/bundle.tar.gz//x/inner.zip"]


def test_a_file_given_as_evidence_is_its_own_root(evidence: Path) -> None:
    assert read(evidence / "a" / "first.zip", "first.zip//one.txt") == b"first zip"


def test_a_missing_item_says_so(evidence: Path, tmp_path: Path) -> None:
    for path in ("a/b/gone.txt", "a/first.zip//gone.txt", "a/../../etc/passwd", "a/b/note.txt//inside"):
        with pytest.raises(ItemNotFoundError):
            read(evidence, path)
    with pytest.raises(ItemNotFoundError, match="not there"):
        read(tmp_path / "unmounted", "a/b/note.txt")


def test_links_are_not_followed(evidence: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"not evidence")
    os.symlink(outside, evidence / "link")
    with pytest.raises(ItemNotFoundError):
        read(evidence, "link/secret.txt")
    os.symlink(outside / "secret.txt", evidence / "a" / "file-link")
    with pytest.raises(OSError, match="not followed"):
        read(evidence, "a/file-link")


def test_the_evidence_is_left_as_it_was(evidence: Path) -> None:
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in evidence.rglob("*")}
    read(evidence, "a/bundle.tar.gz//x/inner.zip//deep/photo.jpg")
    read(evidence, "a/b/note.txt")
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in evidence.rglob("*")} == before

"""Issue 8 follow-up to point 14: a container that cannot seek is copied into the scan's spool, never into the
system's temporary folder, even when the walk is not told the spool folder itself.

The walk makes a stream seekable by copying it (a zip inside a tar.gz); before this fix it fell back to the
system's temporary folder whenever its caller passed no ``spool_dir``, although the scan's spool folder was
set for everything else (``warden.evidence.bounded.spool_folder``). Watched here by pointing the system's
temporary folder (``TMPDIR``) at an empty folder and listing every file created under either folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.evidence.archives import compress, tar_of, zip_of
from warden.evidence.base import Item, Limits, Step
from warden.evidence.bounded import spool_folder
from warden.evidence.compressed import CompressedContainer
from warden.evidence.tar import TarContainer
from warden.evidence.walk import walk
from warden.evidence.zip import ZipContainer

BIG = os.urandom(1 << 20) * 17
"""Over the 16 MiB a spool keeps in memory, so a copy of a zip holding it must go to a file."""


@dataclass
class Watched:
    """Files created (opened with O_CREAT or O_TMPFILE) under the system's temporary folder and the spool."""

    system_tmp: Path
    spool: Path
    in_system_tmp: list[str] = field(default_factory=list)
    in_spool: list[str] = field(default_factory=list)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Watched:
    seen = Watched(tmp_path / "system-tmp", tmp_path / "spool")
    seen.system_tmp.mkdir()
    seen.spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(seen.system_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(seen.system_tmp))
    real_open = os.open

    def watching_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        where = os.fspath(path)  # type: ignore[call-overload]
        if flags & os.O_CREAT or flags & getattr(os, "O_TMPFILE", 0):
            if str(where).startswith(str(seen.system_tmp)):
                seen.in_system_tmp.append(str(where))
            elif str(where).startswith(str(seen.spool)):
                seen.in_spool.append(str(where))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watching_open)
    return seen


class _Unseekable(io.BytesIO):
    """Bytes read front to back only, like a member of a compressed tar or a pipe."""

    def seekable(self) -> bool:
        return False


def _digests(items: list[Item], containers: list[object], spool_dir: str | None = None) -> dict[str, str]:
    """SHA-256 of every readable item the walk finds below the top, read while the walk is inside it."""
    found = {}
    for each in walk(items, Limits(), spool_dir=spool_dir, containers=containers):  # type: ignore[arg-type]
        if each.item.readable and each.depth > 0:
            with each.item.open() as stream:
                found[each.item.path] = hashlib.sha256(stream.read()).hexdigest()
    return found


def test_a_zip_that_cannot_seek_is_copied_into_the_spool_folder_without_being_told_it(
    watched: Watched,
) -> None:
    archive = zip_of({"big.bin": BIG}, method=zipfile.ZIP_STORED)
    item = Item(steps=(Step("file", "stream.zip"),), opener=lambda: _Unseekable(archive))
    with spool_folder(watched.spool):
        digests = _digests([item], [ZipContainer()])
    assert digests == {"stream.zip//big.bin": hashlib.sha256(BIG).hexdigest()}
    assert watched.in_system_tmp == []
    assert os.listdir(watched.system_tmp) == []
    assert watched.in_spool  # the copy was made, and made there
    assert os.listdir(watched.spool) == []  # and is gone once read


def test_a_zip_inside_a_tar_gz_is_copied_only_into_the_spool(watched: Watched) -> None:
    # The case: a member of a compressed tar cannot seek; a zip in it must be copied to be opened.
    inner = zip_of({"big.bin": BIG}, method=zipfile.ZIP_STORED)
    data = compress(tar_of({"inner.zip": inner}), "gzip")
    item = Item(steps=(Step("file", "backup.tar.gz"),), opener=lambda: io.BytesIO(data))
    with spool_folder(watched.spool):
        digests = _digests([item], [ZipContainer(), TarContainer(), CompressedContainer()])
    assert digests["backup.tar.gz//inner.zip//big.bin"] == hashlib.sha256(BIG).hexdigest()
    assert watched.in_system_tmp == []
    assert watched.in_spool


def test_a_spool_folder_given_to_the_walk_is_used_even_outside_a_scan(watched: Watched) -> None:
    archive = zip_of({"big.bin": BIG}, method=zipfile.ZIP_STORED)
    item = Item(steps=(Step("file", "stream.zip"),), opener=lambda: _Unseekable(archive))
    digests = _digests([item], [ZipContainer()], spool_dir=str(watched.spool))
    assert list(digests) == ["stream.zip//big.bin"]
    assert watched.in_system_tmp == []
    assert watched.in_spool


def test_a_small_stream_that_cannot_seek_is_held_in_memory_and_written_nowhere(watched: Watched) -> None:
    archive = zip_of({"small.txt": b"small"})
    item = Item(steps=(Step("file", "stream.zip"),), opener=lambda: _Unseekable(archive))
    with spool_folder(watched.spool):
        assert list(_digests([item], [ZipContainer()])) == ["stream.zip//small.txt"]
    assert watched.in_system_tmp == [] and watched.in_spool == []

"""Issue 8, point 14: every temporary copy of evidence bytes a container makes goes to the spool folder, never
to the system's temporary folder (watched here by pointing TMPDIR at a folder and listing what is created)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import rarfile

from tests.evidence.archives import (
    RarEntry,
    compress,
    drain,
    photos,
    rar4,
    root,
    sevenzip_of,
    sha256,
    tar_of,
    zip_of,
)
from warden.evidence.base import Item, Limits, Step
from warden.evidence.bounded import spool_folder
from warden.evidence.compressed import CompressedContainer
from warden.evidence.rar import RarContainer
from warden.evidence.sevenzip import SevenZipContainer
from warden.evidence.walk import copy_to, walk
from warden.evidence.zip import ZipContainer

ZIP, COMPRESSED = ZipContainer(), CompressedContainer()


@pytest.fixture
def watched_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The system's temporary folder pointed at a watched folder; every file created under it is listed."""
    watched = tmp_path / "system-tmp"
    watched.mkdir()
    monkeypatch.setenv("TMPDIR", str(watched))
    monkeypatch.setattr(tempfile, "tempdir", str(watched))
    created: list[str] = []
    real_open = os.open

    def watching_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        creates = flags & os.O_CREAT or flags & getattr(os, "O_TMPFILE", 0)
        if creates and os.fspath(path).startswith(str(watched)):  # type: ignore[arg-type]
            created.append(os.fspath(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watching_open)
    return created


@pytest.mark.slow
def test_big_members_are_spooled_only_in_the_spool_folder(tmp_path: Path, watched_tmp: list[str]) -> None:
    big = os.urandom(1 << 20) * 20  # over the 16 MiB a spool keeps in memory (and quick to pack)
    inner = zip_of({"big.bin": big}, method=zipfile.ZIP_STORED)
    evidence = [
        compress(tar_of({"big.bin": big, "inner.zip": inner}), "gzip"),  # a zip inside a tar.gz, too
        compress(big, "xz"),
        sevenzip_of({"big.bin": big}),
    ]
    spool = tmp_path / "spool"
    spool.mkdir()
    digests = []
    with spool_folder(spool):
        for data in evidence:
            top = Item(steps=(Step("file", "x"),), opener=lambda data=data: io.BytesIO(data))
            for found in walk(
                [top], Limits(), spool_dir=str(spool), containers=[ZIP, COMPRESSED, SevenZipContainer()]
            ):
                if found.item.readable and found.depth > 0:
                    copy = io.BytesIO()
                    copy_to(found.item, copy, 1 << 30)
                    digests.append(sha256(copy.getvalue()))
    assert digests.count(sha256(big)) == 4
    assert watched_tmp == []


@pytest.mark.skipif(shutil.which("unar") is None, reason="Debian's unar is not installed")
def test_rar_members_for_the_tool_are_copied_only_into_the_spool_folder(
    tmp_path: Path, watched_tmp: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in test_rar: the stored method is made to look compressed, so each member goes through unar,
    # which rarfile gives a temporary copy of the member's blocks.
    monkeypatch.setattr(rarfile, "RAR_M0", -1)
    monkeypatch.setattr(rarfile, "CURRENT_SETUP", None)
    monkeypatch.setattr(rarfile, "UNRAR_TOOL", "/nonexistent/unrar")
    files = photos(2)
    archive = rar4([RarEntry(name, data) for name, data in files.items()])
    spool = tmp_path / "spool"
    spool.mkdir()
    made: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made.append(str(kwargs.get("dir")))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(rarfile, "mkstemp", mkstemp)
    with spool_folder(spool):
        drained = drain(RarContainer().expand(io.BytesIO(archive), root(), Limits()))
    assert drained.digests == {name: sha256(data) for name, data in files.items()}
    assert made == [str(spool)] * 2
    assert watched_tmp == []

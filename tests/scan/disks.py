"""Small real disks for the tests: tmpfs mounts of a given size (root only), and evidence to fill them."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.media import media

SmallDisk = Callable[[int], Path]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """Mount tmpfs file systems of ``size`` KiB under ``tmp_path``; skipped where mounting is not allowed."""
    mounts: list[Path] = []

    def make(size_kib: int) -> Path:
        if os.geteuid() != 0:
            pytest.skip("a size-limited disk needs a tmpfs mount, which needs root")
        point = tmp_path / f"disk{len(mounts)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700", "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounts.append(point)
        return point

    yield make
    for point in reversed(mounts):
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def resize(point: Path, size_kib: int) -> None:
    """Give a mounted tmpfs another size (the examiner freeing space)."""
    subprocess.run(["mount", "-o", f"remount,size={size_kib}k", str(point)], check=True, capture_output=True)


def photos(count: int) -> list[Path]:
    """``count`` benign photos from the shared media."""
    return sorted(media("photos").glob("*.jpg"))[:count]


def hash_set_of(path: Path, listed: list[bytes], category: str = "A") -> Path:
    """A canonical CSV hash set listing the MD5 of each of ``listed`` (made-up category, made-up ids)."""
    path.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n"
        + "".join(f"{hashlib.md5(data).hexdigest()},,,,{category},T{n}\n" for n, data in enumerate(listed))
    )
    return path


def zip_with_big_member(path: Path, big_bytes: int) -> dict[str, bytes]:
    """A stored zip: two photos around one member of ``big_bytes`` random bytes; returns name -> bytes."""
    first, second = photos(2)
    members = {
        "a-photo.jpg": first.read_bytes(),
        "b-big.bin": random.Random(9).randbytes(big_bytes),
        "c-photo.jpg": second.read_bytes(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return members

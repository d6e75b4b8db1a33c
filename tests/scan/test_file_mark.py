"""A listed file is known again on any machine of a Ray cluster: device and inode on the machine that listed
it (as in a local scan), inode, size and modification time on another, where the device number differs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.media import media
from warden.scan.file_mark import FileMark, this_machine
from warden.scan.ray_pool import hash_task
from warden.scan.worker import hash_one

_OPTIONS: dict[str, Any] = {"exact_pdq": False}


def _listed(tmp_path: Path) -> tuple[Path, FileMark]:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(sorted(media("photos").glob("*.jpg"))[0].read_bytes())
    status = os.lstat(photo)
    return photo, FileMark.of(str(photo), (status.st_dev, status.st_ino))


def _elsewhere(mark: FileMark, **changes: int) -> FileMark:
    """The mark as another machine's listing made it: its own boot id, another device number."""
    fields = {"device": mark.device + 7, "inode": mark.inode, "size": mark.size, "mtime_ns": mark.mtime_ns}
    return FileMark("another-machine", **{**fields, **changes})


def test_on_the_listing_machine_device_and_inode_decide(tmp_path: Path) -> None:
    photo, mark = _listed(tmp_path)
    status = os.lstat(photo)
    assert mark.identity_for(status, this_machine()) == (status.st_dev, status.st_ino)
    moved = FileMark(mark.machine, mark.device + 7, mark.inode, mark.size, mark.mtime_ns)
    # Same size and time do not excuse another device here: the listed identity is kept, so it is refused.
    assert moved.identity_for(status, this_machine()) == (mark.device + 7, mark.inode)


def test_on_another_machine_inode_size_and_time_decide(tmp_path: Path) -> None:
    photo, mark = _listed(tmp_path)
    status = os.lstat(photo)
    assert _elsewhere(mark).identity_for(status, this_machine()) == (status.st_dev, status.st_ino)
    for changed in ({"inode": mark.inode + 1}, {"size": mark.size + 1}, {"mtime_ns": mark.mtime_ns + 1}):
        other = _elsewhere(mark, **changed)
        assert other.identity_for(status, this_machine()) == (other.device, other.inode), changed


def test_a_hashing_task_reads_the_file_another_machine_listed_and_refuses_one_changed_since(
    tmp_path: Path,
) -> None:
    photo, mark = _listed(tmp_path)
    read = hash_task(str(photo), _elsewhere(mark).to_json(), _OPTIONS, 0, hash_one)
    assert '"errors": []' in read and '"md5": "' in read
    refused = hash_task(str(photo), _elsewhere(mark, size=mark.size - 1).to_json(), _OPTIONS, 0, hash_one)
    assert "not the file that was listed" in refused and '"md5": null' in refused
    here_moved = FileMark(mark.machine, mark.device + 7, mark.inode, mark.size, mark.mtime_ns)
    refused_here = hash_task(str(photo), here_moved.to_json(), _OPTIONS, 0, hash_one)
    assert "not the file that was listed" in refused_here

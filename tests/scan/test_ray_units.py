"""Work units on a Ray cluster (issue 12): a disk image and a large zip are each walked, spooled and hashed on
one node, with the same report as a local scan; a unit whose node is removed runs again elsewhere and loses
nothing; a unit that cannot run where its evidence is (or runs too long) is walked by the driver instead."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.evidence import images
from tests.media import media
from tests.scan.conftest import store_env
from tests.scan.ray_cluster import NODE, masked, two_nodes
from warden.cli import main
from warden.hashsets.store import HashSetStore
from warden.scan.progress import SilentProgress
from warden.scan.run import ScanOptions, run_scan

ray = pytest.importorskip("ray")
pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.slow

_UNIT_BYTES = "1000000"  # the disk image (15 MB) and the zip of photos (2 MB) are units; the small zip is not
# and the image is split: its two partitions (8 and 4 MiB) are units of their own, its rest a third.
_WHOLE_IMAGE = "5000000"  # only one partition of this size: the image is one unit
_IMAGE_UNITS = (
    "disk.img//disk.img//p1",
    "disk.img//disk.img//p2",
    "disk.img//disk.img (but its 2 large parts)",
)


@dataclass(frozen=True)
class Exhibits:
    """A disk image given as evidence, a phone's folder holding a large and a small zip, and a hash set."""

    disk: Path
    phone: Path
    hashset: Path
    store: Path


@pytest.fixture(scope="module")
def exhibits(tmp_path_factory: pytest.TempPathFactory) -> Exhibits:
    root = tmp_path_factory.mktemp("exhibits")
    disk = root / "disk.img"
    shutil.copyfile(images.mbr_disk().path, disk)  # FAT16 and ext4 partitions, a photo between them
    phone = root / "phone"
    phone.mkdir()
    photos = sorted(media("photos").glob("*.jpg"))[100:130]
    with zipfile.ZipFile(phone / "photos.zip", "w", compression=zipfile.ZIP_STORED) as archive:
        for photo in photos:
            archive.writestr(f"DCIM/{photo.name}", photo.read_bytes())
    small = sorted(media("photos").glob("*.jpg"), key=lambda p: p.stat().st_size)[:2]
    with zipfile.ZipFile(phone / "small.zip", "w") as archive:
        for photo in small:
            archive.writestr(photo.name, photo.read_bytes())
    shutil.copyfile(photos[0], phone / "loose.jpg")
    listed = {
        images.photo_bytes("tench"): "A",  # a live file on the FAT partition
        images.photo_bytes("volcano"): "B",  # carved from between the partitions
        photos[3].read_bytes(): "C",  # in the large zip
        small[0].read_bytes(): "A",  # in the small zip
    }
    hashset = root / "listed.csv"
    hashset.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n"
        + "".join(
            f"{hashlib.md5(data).hexdigest()},,,,{category},T{n}\n"
            for n, (data, category) in enumerate(listed.items())
        )
    )
    return Exhibits(disk, phone, hashset, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head node and one worker node, one CPU each (started once for the module)."""
    with two_nodes() as made:
        yield made


def _scan(
    exhibits: Exhibits, out: Path, evidence: list[Path], *extra: str, env: dict[str, str] | None = None
) -> int:
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, exhibits.store)
        patch.setenv("WARDEN_RAY_UNIT_BYTES", _UNIT_BYTES)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        args = ["scan", *map(str, evidence), "--hashset", str(exhibits.hashset), "--case", str(out / "case")]
        return main([*args, "--workers", "2", "--quiet", *extra])


@pytest.fixture(scope="module")
def local_report(exhibits: Exhibits, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    assert _scan(exhibits, out, [exhibits.disk, exhibits.phone]) == 0
    return out / "case"


@pytest.fixture(scope="module")
def local_disk_report(exhibits: Exhibits, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local-disk")
    assert _scan(exhibits, out, [exhibits.disk]) == 0
    return out / "case"


def _unit_lines(case_dir: Path) -> list[str]:
    return [line for line in (case_dir / "warden.log").read_text().splitlines() if "work unit" in line]


class _MoveAfterFirst(SilentProgress):
    """Removes the node running the unit when its first items are recorded, then adds one that may run it."""

    def __init__(self, cluster: Any, resource: str) -> None:
        self.cluster, self.resource, self.recorded, self.killed_at = cluster, resource, 0, -1
        self.removed = self.added = ""

    def advance(self, count: int = 1, size: int = 0) -> None:
        self.recorded += count
        if self.killed_at < 0 and self.recorded > 0:
            self.killed_at = self.recorded
            holder = next(
                node for node in self.cluster.list_all_nodes() if node is not self.cluster.head_node
            )
            self.removed = holder.node_id
            self.cluster.remove_node(holder)
            self.added = self.cluster.add_node(**NODE, resources={self.resource: 1}).node_id


def test_a_unit_whose_node_is_removed_runs_again_on_another_and_loses_nothing(
    exhibits: Exhibits, local_disk_report: Path, tmp_path: Path
) -> None:
    # Only the worker node holds the evidence: the disk image's unit runs there.
    with two_nodes(resources={"site_a": 1}) as made:
        progress = _MoveAfterFirst(made, "site_a")
        with pytest.MonkeyPatch.context() as patch:
            store_env(patch, exhibits.store)
            patch.setenv("WARDEN_RAY_UNIT_BYTES", _WHOLE_IMAGE)
            patch.setenv("WARDEN_BATCH_SIZE", "2")  # a unit sends its items two at a time
            patch.setenv("WARDEN_RAY_EVIDENCE_RESOURCES", f"{exhibits.disk.parent}=site_a")
            options = ScanOptions(
                evidence=[exhibits.disk],
                hashsets=[str(exhibits.hashset)],
                case_dir=tmp_path / "case",
                workers=2,
                ray=made.address,
            )
            result = run_scan(options, HashSetStore.from_settings(), progress)
        assert 0 < progress.killed_at < progress.recorded  # the node went while the unit had items to come
        assert result.hashed_now > 0
        lines = _unit_lines(tmp_path / "case")
        assert len(lines) == 1 and "ran on the cluster" in lines[0], lines
        assert (
            progress.removed in lines[0] and progress.added in lines[0]
        )  # begun on one, finished on the other
        # The rerun (nothing left to do) writes the reports: those of a local scan.
        rerun = {"WARDEN_RAY_UNIT_BYTES": _WHOLE_IMAGE}
        assert _scan(exhibits, tmp_path, [exhibits.disk], "--ray", made.address, env=rerun) == 0
        assert masked(tmp_path / "case") == masked(local_disk_report)
        # The rerun's unit was told what the case holds: it sent nothing again.
        assert "disk.img//disk.img ran on the cluster: 0 items recorded" in _unit_lines(tmp_path / "case")[-1]


def test_a_disk_image_and_a_large_zip_run_as_units_with_the_local_report(
    exhibits: Exhibits, local_report: Path, cluster: Any, tmp_path: Path
) -> None:
    assert _scan(exhibits, tmp_path, [exhibits.disk, exhibits.phone], "--ray", cluster.address) == 0
    assert masked(tmp_path / "case") == masked(local_report)
    lines = _unit_lines(tmp_path / "case")
    assert len(lines) == 4, lines
    for unit in _IMAGE_UNITS:
        assert any(f"work unit {unit} ran on the cluster" in line for line in lines), unit
    assert any("work unit phone//photos.zip ran on the cluster: 31 items recorded" in line for line in lines)
    assert not any("small.zip" in line for line in lines)  # under WARDEN_RAY_UNIT_BYTES: walked by the driver
    report = (tmp_path / "case" / "report.json").read_text()
    assert '"category": "C"' in report and '"category": "B"' in report  # matched inside the units


def test_a_unit_that_cannot_run_where_its_evidence_is_is_walked_by_the_driver(
    exhibits: Exhibits, local_report: Path, cluster: Any, tmp_path: Path
) -> None:
    # The disk image's units ask for a resource no node has: they never start, and after their time they
    # are cancelled and walked here, with the same report.
    env = {
        "WARDEN_RAY_EVIDENCE_RESOURCES": f"{exhibits.disk}=no_node_has_this",
        "WARDEN_RAY_UNIT_SECONDS": "3",
    }
    assert _scan(exhibits, tmp_path, [exhibits.disk, exhibits.phone], "--ray", cluster.address, env=env) == 0
    assert masked(tmp_path / "case") == masked(local_report)
    lines = _unit_lines(tmp_path / "case")
    for unit in _IMAGE_UNITS:
        # Each part is walked here on its own, the other parts passed over: nothing is recorded twice.
        assert any(f"{unit} stopped on the cluster (over 3 s) after 0 items" in line for line in lines), unit

"""``warden scan --ray`` as a lab runs it across machines: its driver (the `warden scan` process itself)
killed with ``kill -9`` part-way resumes when run again on the same cluster, and a case in PostgreSQL (the
case database of a multi-machine cluster) gets the same report as a local scan into SQLite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scan.ray_cluster import two_nodes
from tests.scan.test_resume import comparable, evidence, items_recorded, scan_command
from tests.waiting import wait_until

ray = pytest.importorskip("ray")
pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.slow

__all__ = ["evidence"]  # the fixture, used by name


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head node and one worker node, one CPU each (started once for the module)."""
    with two_nodes() as made:
        yield made


def _kill_part_way(command: list[str], env: dict[str, str], case: Path, items: int, what: str) -> int:
    """Run ``command`` (a scan into ``case``), kill it with ``kill -9`` once ``items`` are recorded; how many
    items it had recorded."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )

    def part_way() -> bool:
        assert process.poll() is None, process.stderr.read() if process.stderr else "the scan ended early"
        return items_recorded(case) >= items

    wait_until(part_way, what, pause=0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return items_recorded(case)


def test_a_killed_driver_resumes_on_the_cluster_with_the_local_report(
    evidence: tuple[Path, Path], tmp_path: Path, cluster: Any
) -> None:
    folder, hashset = evidence
    env = {**os.environ, "WARDEN_BATCH_SIZE": "4", "RAY_ADDRESS": ""}
    whole = tmp_path / "whole"
    subprocess.run(scan_command(folder, hashset, whole), env=env, check=True, capture_output=True)
    total = json.loads((whole / "report.json").read_text())["summary"]["files_total"]

    killed = tmp_path / "killed"
    on_cluster = [*scan_command(folder, hashset, killed), "--ray", cluster.address]
    partial = _kill_part_way(on_cluster, env, killed, 20, "the scan on the cluster records its first items")
    assert 0 < partial < total, "the driver was not caught part-way"
    assert not (killed / "report.json").exists()

    resumed = subprocess.run(on_cluster, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert items_recorded(killed) == total
    ended = [line for line in (killed / "warden.log").read_text().splitlines() if " completed: " in line]
    hashed = int(ended[-1].split(" completed: ", 1)[1].split(" items hashed", 1)[0])
    assert hashed == total - partial, "the rerun hashed only what the killed run had not recorded"
    assert comparable(json.loads((killed / "report.json").read_text())) == comparable(
        json.loads((whole / "report.json").read_text())
    )


def test_a_cluster_scan_into_a_postgresql_case_has_the_local_report(
    evidence: tuple[Path, Path], tmp_path: Path, cluster: Any, postgres_url: str
) -> None:
    folder, hashset = evidence
    env = {**os.environ, "RAY_ADDRESS": ""}
    local = tmp_path / "local"
    subprocess.run(scan_command(folder, hashset, local), env=env, check=True, capture_output=True)
    shared = tmp_path / "shared"
    command = [*scan_command(folder, hashset, shared), "--ray", cluster.address, "--db", postgres_url]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert not (shared / "case.db").exists(), "the case is in PostgreSQL, not in a file"
    assert comparable(json.loads((shared / "report.json").read_text())) == comparable(
        json.loads((local / "report.json").read_text())
    )


def test_a_driver_killed_while_a_work_unit_runs_resumes_with_the_local_report(
    evidence: tuple[Path, Path], tmp_path: Path, cluster: Any
) -> None:
    folder, hashset = evidence
    exhibit = tmp_path / "exhibit"
    exhibit.mkdir()
    with zipfile.ZipFile(exhibit / "phone.zip", "w") as archive:  # one container: one work unit
        for photo in sorted(folder.rglob("*.jpg")):
            archive.write(photo, photo.relative_to(folder).as_posix())
    env = {**os.environ, "WARDEN_BATCH_SIZE": "4", "RAY_ADDRESS": "", "WARDEN_RAY_UNIT_BYTES": "1"}
    whole = tmp_path / "whole"
    subprocess.run(scan_command(exhibit, hashset, whole), env=env, check=True, capture_output=True)
    total = json.loads((whole / "report.json").read_text())["summary"]["files_total"]

    killed = tmp_path / "killed"
    on_cluster = [*scan_command(exhibit, hashset, killed), "--ray", cluster.address]
    partial = _kill_part_way(on_cluster, env, killed, 12, "the work unit's first items are recorded")
    assert 0 < partial < total, "the driver was not caught part-way through the unit"

    resumed = subprocess.run(on_cluster, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert items_recorded(killed) == total
    log = (killed / "warden.log").read_text()
    assert "work unit exhibit//phone.zip ran on the cluster" in log
    assert comparable(json.loads((killed / "report.json").read_text())) == comparable(
        json.loads((whole / "report.json").read_text())
    )

"""``warden scan --ray ADDRESS`` on a two-node Ray cluster on this machine: the same report as a local
scan, a node killed mid-scan costs nothing, a damaged file is an item error, an unreachable cluster a
clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scan.conftest import store_env
from tests.scan.ray_cluster import masked, two_nodes
from warden.cli import main
from warden.demo import DemoCase
from warden.hashsets.store import HashSetStore
from warden.scan.progress import SilentProgress
from warden.scan.run import ScanOptions, run_scan

ray = pytest.importorskip("ray")
pytest.importorskip("ray.cluster_utils")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head node and one worker node, one CPU each (started once for the module)."""
    with two_nodes() as made:
        yield made


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")


def _scan(case: DemoCase, store_root: Path, out: Path, *extra: str) -> int:
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, store_root)
        args = ["scan", str(case.evidence), "--hashset", str(case.hashset), "--case", str(out / "case")]
        return main([*args, "--workers", "2", "--quiet", *extra])


@pytest.fixture(scope="module")
def local_report(unseen_case: DemoCase, store_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    assert _scan(unseen_case, store_root, out) == 0
    return out / "case"


def test_a_scan_on_the_cluster_gives_the_local_scans_report(
    unseen_case: DemoCase, store_root: Path, local_report: Path, cluster: Any, tmp_path: Path
) -> None:
    assert _scan(unseen_case, store_root, tmp_path, "--ray", cluster.address) == 0
    assert not ray.is_initialized()  # the scan disconnects from the cluster it connected to
    assert masked(tmp_path / "case") == masked(local_report)


def test_a_damaged_file_is_an_item_error_on_the_cluster(
    unseen_case: DemoCase, store_root: Path, cluster: Any, tmp_path: Path
) -> None:
    assert _scan(unseen_case, store_root, tmp_path, "--ray", cluster.address) == 0
    report = json.loads((tmp_path / "case" / "report.json").read_text())
    items = {item["path"]: item for item in report["items"]}
    damaged = [path for path, expected in unseen_case.expected.items() if expected == "error"]
    assert damaged
    for path in damaged:
        assert items[path]["error"], path
        assert items[path]["category"] is None


def test_an_unreachable_cluster_is_a_clear_error(
    unseen_case: DemoCase, store_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _scan(unseen_case, store_root, tmp_path, "--ray", "127.0.0.1:1") == 17
    error = capsys.readouterr().err
    assert "cannot be reached" in error and "Traceback" not in error


def test_auto_with_a_dead_cluster_named_in_ray_address_is_the_same_clear_error(
    unseen_case: DemoCase,
    store_root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    assert _scan(unseen_case, store_root, tmp_path, "--ray", "auto") == 17
    error = capsys.readouterr().err
    assert "127.0.0.1:1 cannot be reached" in error and "Traceback" not in error


class _KillAfter(SilentProgress):
    """Removes the cluster's worker node once ``after`` items are recorded, while the scan goes on."""

    def __init__(self, cluster: Any, after: int) -> None:
        self.cluster, self.after, self.recorded, self.killed_at = cluster, after, 0, -1

    def advance(self, count: int = 1, size: int = 0) -> None:
        self.recorded += count
        if self.killed_at < 0 and self.recorded >= self.after:
            self.killed_at = self.recorded
            head = self.cluster.head_node
            self.cluster.remove_node(next(node for node in self.cluster.list_all_nodes() if node is not head))


def test_a_node_killed_mid_scan_loses_nothing(
    unseen_case: DemoCase, store_root: Path, local_report: Path, cluster: Any, tmp_path: Path
) -> None:
    progress = _KillAfter(cluster, after=5)
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, store_root)
        options = ScanOptions(
            evidence=[unseen_case.evidence],
            hashsets=[str(unseen_case.hashset)],
            case_dir=tmp_path / "case",
            workers=2,
            ray=cluster.address,
        )
        result = run_scan(options, HashSetStore.from_settings(), progress)
    assert 0 < progress.killed_at < progress.recorded  # the node died while items were still to come
    assert result.hashed_now > progress.killed_at
    # The rerun (with what is left of the cluster) finishes the case and writes its reports.
    assert _scan(unseen_case, store_root, tmp_path, "--ray", cluster.address) == 0
    assert masked(tmp_path / "case") == masked(local_report)

"""Ray clusters of several nodes on this machine (``ray.cluster_utils.Cluster``) for the ``--ray`` tests."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NODE: dict[str, Any] = {"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
"""One node: one CPU and a small object store (a scan sends JSON text, never large objects)."""


@contextmanager
def two_nodes(**second: Any) -> Iterator[Any]:
    """A head node and one worker node (given ``second``'s extra arguments, e.g. resources), one CPU each;
    shut down, with this process's connection to it, on leaving."""
    import ray
    from ray import cluster_utils

    made = cluster_utils.Cluster(initialize_head=True, head_node_args=dict(NODE))
    made.add_node(**NODE, **second)
    made.wait_for_nodes()
    try:
        yield made
    finally:
        if ray.is_initialized():
            ray.shutdown()
        made.shutdown()


def masked(case_dir: Path) -> list[str]:
    """``report.json`` with what differs between any two runs masked (``scripts/compare_reports.py``): a
    scan on a cluster must give these same lines as a scan on one machine."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "compare_reports.py"
    spec = importlib.util.spec_from_file_location("compare_reports", script)
    assert spec is not None and spec.loader is not None
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    lines: list[str] = compare.masked((case_dir / "report.json").read_text(), case_dir.parent, pdf=False)
    return lines

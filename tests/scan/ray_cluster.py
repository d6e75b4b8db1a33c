"""Ray clusters of several nodes on this machine (``ray.cluster_utils.Cluster``) for the ``--ray`` tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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

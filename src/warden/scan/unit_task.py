"""One work unit on a node of the Ray cluster: walk a container, spool and hash what it holds, send records.

The unit opens its container by path (checked to be the file that was listed, on this machine or any other:
:mod:`warden.scan.file_mark`), walks it with the same :func:`~warden.evidence.walk.walk` and the exhibit's
limits as a local scan, copies members into a private spool on this node (removed at the end), and hashes
them as Ray tasks pinned to this node (:class:`~warden.scan.ray_pool.RayHashingPool` with its per-item
timeout and memory limit), so one unit keeps all of a node's CPUs busy. Items the case holds already are
skipped. Results go back in batches of JSON text: each item's record as the walk made it
(:func:`~warden.scan.recording.record_for`), its hashes or the failure, the bytes it counts for, and
whether it is the evidence file itself. The driver matches and records them (:mod:`warden.scan.ray_units`).

Each message also carries running totals (items seen, bytes of skipped items) and the node's id. A unit is
a pure function of its input: run again after its node died, it sends the same messages from the start,
and the driver keeps only what it has not recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from warden.evidence.base import Item, JsonScalar, Limits
from warden.evidence.containers import register_built_in
from warden.evidence.walk import Found, walk
from warden.hashing.digests import ListedPath
from warden.model.records import ItemError, ItemRecord
from warden.scan.pool import HOLD, WorkerFailure
from warden.scan.ray_pool import RayHashingPool
from warden.scan.recording import record_for
from warden.scan.spool import NO_SPACE_ERRNOS, Spool, SpoolError
from warden.scan.units import Scope, UnitSpec, item_from_json, record_to_json
from warden.scan.worker import Hasher, hash_one

FLUSH_SECONDS = 1.0
"""A batch goes back at least this often while results come in."""


@dataclass(slots=True)
class _Entry:
    """One item of the unit on its way through a hashing task."""

    record: ItemRecord
    spooled: Path | None
    root: bool
    counted: int


class _Outbox:
    """The unit's messages: records gathered into batches, with the running totals."""

    def __init__(self, node: str, batch: int) -> None:
        self.node = node
        self.batch = max(1, batch)
        self.records: list[dict[str, Any]] = []
        self.seen = 0
        self.skipped_bytes = 0
        self.details: dict[str, JsonScalar] | None = None
        self.stopped: dict[str, Any] | None = None
        self.last = time.monotonic()

    def add(self, entry: _Entry, result: dict[str, Any] | WorkerFailure | None) -> None:
        self.records.append(
            {
                "record": record_to_json(entry.record),
                "result": result if isinstance(result, dict) else None,
                "failure": str(result) if isinstance(result, WorkerFailure) else None,
                "counted": entry.counted,
                "root": entry.root,
            }
        )

    def due(self) -> bool:
        return len(self.records) >= self.batch or time.monotonic() - self.last >= FLUSH_SECONDS

    def take(self, *, done: bool = False) -> str:
        message = {
            "node": self.node,
            "seen": self.seen,
            "skipped_bytes": self.skipped_bytes,
            "records": self.records,
            "details": self.details,
            "stopped": self.stopped,
            "done": done,
        }
        self.records, self.details, self.last = [], None, time.monotonic()
        return json.dumps(message)


def run_unit(spec_text: str, hasher: Hasher = hash_one) -> Iterator[str]:
    """Run one unit on this node (inside a Ray task); yields its messages as JSON text, the last ``done``.

    Args:
        spec_text: the :class:`~warden.scan.units.UnitSpec` as JSON text.
        hasher: what each hashing task runs per file (a module-level function).
    """
    import ray

    spec = UnitSpec(**json.loads(spec_text))
    node = ray.get_runtime_context().get_node_id()
    register_built_in()  # this node's worker process, with the driver's settings (the task's environment)
    outbox = _Outbox(node, spec.batch)
    try:
        spool = Spool(Path(spec.spool) if spec.spool else None)
    except SpoolError as error:
        outbox.stopped = _stopped(error)
        yield outbox.take(done=True)
        return
    nodes = ray.nodes()  # type: ignore[no-untyped-call]
    cpus = next((n["Resources"].get("CPU", 1) for n in nodes if n["NodeID"] == node), 1)
    with (
        spool,
        RayHashingPool[_Entry](
            "auto", int(cpus), spec.options, spec.timeout, spec.memory_mb, hasher=hasher, node=node
        ) as pool,
    ):
        for entry, result in pool.map(_entries(spec, spool, outbox)):
            if entry.spooled is not None:
                spool.release(entry.spooled)
            outbox.add(entry, result)
            if outbox.due():
                yield outbox.take()
    yield outbox.take(done=True)


def _entries(spec: UnitSpec, spool: Spool, outbox: _Outbox) -> Iterator[tuple[_Entry, str] | None]:
    """Every item of the unit to hash, with the path a task reads; what needs no hashing goes out as is."""
    limits = Limits.from_json(spec.limits)  # the secrets read from the key files on this node
    skip = set(spec.skip)
    item = item_from_json(spec.item)
    scope = Scope.from_json(spec.scope)

    def describe(_item: Item, details: dict[str, JsonScalar]) -> None:
        outbox.details = dict(details)

    # The container as a whole (read whole, for its hashes) is described once: by the unit of its rest.
    described = describe if scope.only is None else None
    try:
        walked = walk([item], limits, spool_dir=str(spool.folder), describe=described, select=scope.selects)
        for found in walked:
            if not scope.holds(found.item.path):
                continue
            yield from _entry_for(found, spec, limits, skip, spool, outbox)
            if outbox.stopped is not None:
                return
    except OSError as error:
        if error.errno not in NO_SPACE_ERRNOS:
            raise
        outbox.stopped = _stopped(SpoolError(spool.folder, error))


def _entry_for(
    found: Found, spec: UnitSpec, limits: Limits, skip: set[str], spool: Spool, outbox: _Outbox
) -> Iterator[tuple[_Entry, str] | None]:
    """As the driver's ``_Scan._task_for`` does for an item of a local scan."""
    outbox.seen += 1
    counted = (found.item.size or 0) if found.depth == 0 else 0
    if found.item.path in skip:
        outbox.skipped_bytes += counted
        return
    entry = _Entry(record_for(spec.label, found), None, found.depth == 0 and spec.root_is_evidence, counted)
    if not found.item.readable:
        outbox.add(entry, None)
        return
    if found.item.fs_path is not None:
        yield entry, ListedPath(found.item.fs_path, found.item.identity)
        return
    for attempt in (1, 2):
        try:
            spooled = spool.put(found.item, limits if limits.exhibit else replace(limits, exhibit=spec.label))
        except SpoolError as error:
            if attempt == 1 and spool.holding:
                yield HOLD  # copies of the items in flight may be what fills the spool
                continue
            outbox.stopped = _stopped(error)
            return
        except OSError as error:
            entry.record.errors.append(ItemError("read", f"cannot be read: {error}"))
            outbox.add(entry, None)
            return
        entry.spooled = spooled
        yield entry, str(spooled)
        return


def _stopped(error: SpoolError) -> dict[str, Any]:
    """A spool failure on this node, for the driver to stop the scan with (a rerun redoes the unit)."""
    return {"folder": str(error.folder), "errno": error.error.errno, "strerror": error.error.strerror}

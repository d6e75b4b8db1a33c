"""The scan's work units on a Ray cluster: which containers become units, and what their results become.

The driver (``warden scan --ray``) lists every evidence root as before. A container directly in an evidence
root of at least ``WARDEN_RAY_UNIT_BYTES`` (see :mod:`warden.scan.units`) is handed to the cluster as a unit
instead of being walked here; everything else takes the path it takes without units. What a unit sends is
recorded exactly as a local scan records it (the same record, hashes applied and matched here against the
indexes the driver opened once), so the report is the same. A unit that fails for good, or runs past
``WARDEN_RAY_UNIT_SECONDS``, is walked by the driver afterwards, skipping what the unit recorded.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from typing import Any, Protocol

from warden import settings
from warden.case.folder import EvidenceRecord
from warden.errors import UsageError
from warden.evidence.base import (
    SEPARATOR,
    Container,
    ContainerError,
    Item,
    JsonScalar,
    Limits,
    PartitionedContainer,
)
from warden.evidence.walk import read_head, recognise
from warden.model.records import ItemRecord
from warden.scan.pool import WorkerFailure
from warden.scan.progress import Progress
from warden.scan.ray_units import (
    UnitDetails,
    UnitDone,
    UnitFailed,
    UnitItem,
    UnitProgress,
    UnitRunner,
    UnitStopped,
)
from warden.scan.spool import SpoolError
from warden.scan.units import WHOLE, Scope, UnitSpec, item_to_json

Unit = tuple[EvidenceRecord, Item, str, Scope]
"""A unit as the driver knows it: its exhibit, its container item, the evidence source's name, and which
part of the container it walks."""

POLL_SECONDS = 0.2
"""How often the driver looks for units' batches while it walks and hashes the rest."""


class Recorder(Protocol):
    """What of the scan a unit's results go to (``warden.scan.run._Scan``)."""

    seen: int
    estimate: int
    stopped: SpoolError | None
    skip: set[tuple[int, str]]
    progress: Progress

    def record_result(
        self,
        evidence: EvidenceRecord,
        record: ItemRecord,
        result: dict[str, Any] | WorkerFailure | None,
        *,
        is_root: bool,
        counted: int,
    ) -> None: ...

    def describe_evidence(
        self, evidence: EvidenceRecord, path: str, details: dict[str, JsonScalar]
    ) -> None: ...

    def log(self, message: str) -> None: ...


class ScanUnits:
    """The units of one scan run.

    Args:
        scan: where results are recorded.
        spool: the folder under which each node makes its private spool ("" for the node's temporary one).
        options: hashing options, as every worker gets them.
        timeout: seconds one item may take to hash.
        memory_mb: address space one item may use.
    """

    def __init__(
        self, scan: Recorder, spool: str, options: dict[str, Any], timeout: float, memory_mb: int
    ) -> None:
        self._scan = scan
        self._spool = spool
        self._options = options
        self._timeout = timeout
        self._memory_mb = memory_mb
        self._bytes = settings.get_int(settings.RAY_UNIT_BYTES)
        self._batch = settings.get_int(settings.BATCH_SIZE)
        self._runner = UnitRunner[int](float(settings.get_int(settings.RAY_UNIT_SECONDS)))
        self._units: list[Unit] = []
        self._again: list[Unit] = []
        self._last_poll = 0.0
        self._skipped: dict[int, list[str]] | None = None

    def claim(self, evidence: EvidenceRecord, item: Item, source: str, limits: Limits) -> bool:
        """Hand ``item`` (directly in ``evidence``) to the cluster if it is a unit; True when it is.

        Raises:
            UsageError: ``WARDEN_RAY_EVIDENCE_RESOURCES`` is malformed.
        """
        if (
            self._bytes <= 0
            or (item.size or 0) < self._bytes
            or item.fs_path is None
            or item.identity is None
        ):
            return False
        if not item.readable:
            return False
        try:
            container = recognise(read_head(item), item.size)
        except OSError:
            return False  # walked here, where the walk records why it cannot be read
        if container is None:
            return False
        parts = self._parts(item, container)
        scopes = [*(Scope(only=part) for part in parts), Scope(exclude=tuple(parts))] if parts else [WHOLE]
        skip = self._skip_in(evidence.id, item.path)
        for scope in scopes:
            spec = UnitSpec(
                label=evidence.label,
                item=item_to_json(item),
                limits=limits.to_json(),  # key files by path: a node reads the secrets itself
                skip=[path for path in skip if scope.holds(path)],
                spool=self._spool,
                root_is_evidence=source == "file",
                options=self._options,
                timeout=self._timeout,
                memory_mb=self._memory_mb,
                batch=self._batch,
                scope=scope.to_json(),
            )
            try:
                self._runner.submit(len(self._units), spec)
            except ValueError as error:
                raise UsageError(str(error)) from None
            self._units.append((evidence, item, source, scope))
        return True

    def _parts(self, item: Item, container: Container) -> list[str]:
        """The paths of the partitions of ``item`` (a disk image, read as ``container``) that are units of
        their own: none unless at least two are of a unit's size. Only the partition table is read here."""
        if not isinstance(container, PartitionedContainer):
            return []
        try:
            found = container.parts(item)
        except (ContainerError, OSError):
            return []  # the unit's walk meets the same problem, and records it
        parts = [f"{item.path}{SEPARATOR}{name}" for name, length in found if length >= self._bytes]
        return parts if len(parts) >= 2 else []

    def _skip_in(self, evidence_id: int, path: str) -> list[str]:
        """The paths the case holds of the item ``path`` and of everything inside it."""
        if self._skipped is None:
            self._skipped = {}
            for key, recorded in self._scan.skip:
                self._skipped.setdefault(key, []).append(recorded)
            for paths in self._skipped.values():
                paths.sort()
        paths = self._skipped.get(evidence_id, [])
        inside = path + SEPARATOR
        start, end = bisect_left(paths, inside), bisect_right(paths, inside + "\U0010ffff")
        return ([path] if (evidence_id, path) in self._scan.skip else []) + paths[start:end]

    def take(self, wait: float = 0.0) -> None:
        """Record what the units sent; without ``wait``, at most every :data:`POLL_SECONDS`."""
        now = time.monotonic()
        if not wait and now - self._last_poll < POLL_SECONDS:
            return
        self._last_poll = now
        scan = self._scan
        for event in self._runner.poll(wait):
            evidence, item, _source, scope = self._units[event.token]
            name = f"{evidence.label}//{scope.describe(item.path)}"
            if isinstance(event, UnitItem):
                scan.record_result(
                    evidence, event.record, event.result, is_root=event.root, counted=event.counted
                )
            elif isinstance(event, UnitProgress):
                scan.seen += event.seen
                if scan.seen > scan.estimate:
                    scan.progress.found(scan.seen)
                if event.skipped_bytes:
                    scan.progress.advance(0, event.skipped_bytes)
            elif isinstance(event, UnitDetails):
                scan.describe_evidence(evidence, item.path, event.details)
            elif isinstance(event, UnitStopped):
                scan.stopped = scan.stopped or event.error
            elif isinstance(event, UnitDone):
                nodes = ", ".join(event.nodes)
                scan.log(
                    f"work unit {name} ran on the cluster: {event.recorded} items recorded (node {nodes})"
                )
            elif isinstance(event, UnitFailed):
                # Walked again here: what the unit counted is counted again by that walk, what it recorded
                # is skipped.
                scan.seen -= event.seen
                scan.skip.update((evidence.id, path) for path in event.recorded)
                self._again.append((evidence, item, _source, scope))
                scan.log(
                    f"work unit {name} stopped on the cluster ({event.reason}) after "
                    f"{len(event.recorded)} items: the rest is walked by the driver"
                )

    def finish(self) -> list[Unit]:
        """Wait for every unit, recording what they send; the units to walk on the driver instead."""
        while self._runner.pending and self._scan.stopped is None:
            self.take(wait=1.0)
        again, self._again = self._again, []
        return again

    def close(self) -> None:
        """Cancel every unit still running."""
        self._runner.close()

"""The driver's side of work units: hand units to the Ray cluster, read their batches, keep each item once.

Each unit runs as one streaming generator task (:func:`warden.scan.unit_task.run_unit`), at most one per
CPU of the cluster at a time, with the driver's Warden settings in its environment. A unit whose node or
worker process dies is handed out again by the driver (up to :data:`~warden.scan.ray_pool.RETRIES` times),
told to skip every item the driver has taken from it: not by Ray's own retry, which re-runs a generator
from its start and drops the messages whose index was delivered already, while a unit's batches depend on
which hash finished first and are not the same from one run to the next. A unit that runs longer than
``WARDEN_RAY_UNIT_SECONDS`` is cancelled, and one that fails for good (its retries spent, or an error of its
own) is reported as :class:`UnitFailed`: the scan then walks that container itself, keeping what the unit
recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from warden import settings
from warden.model.records import ItemRecord
from warden.scan.pool import WorkerFailure
from warden.scan.ray_pool import RETRIES
from warden.scan.spool import SpoolError
from warden.scan.unit_task import run_unit
from warden.scan.units import UnitSpec, record_from_json, resources_for
from warden.scan.worker import Hasher, hash_one

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UnitItem(Generic[T]):
    """An item of a unit, new to this run: its record, and its hashes (None when it needed none)."""

    token: T
    record: ItemRecord
    result: dict[str, Any] | WorkerFailure | None
    counted: int
    root: bool


@dataclass(frozen=True, slots=True)
class UnitProgress(Generic[T]):
    """More items of a unit seen (``seen``), and bytes of skipped items directly in the evidence."""

    token: T
    seen: int
    skipped_bytes: int


@dataclass(frozen=True, slots=True)
class UnitDetails(Generic[T]):
    """What the unit's container says about itself (``describe``), for the evidence's record."""

    token: T
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UnitStopped(Generic[T]):
    """The node's spool could not be written: the scan stops as a local one would."""

    token: T
    error: SpoolError


@dataclass(frozen=True, slots=True)
class UnitDone(Generic[T]):
    """A unit finished: how many items it recorded in this run, and the nodes that ran it."""

    token: T
    recorded: int
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitFailed(Generic[T]):
    """A unit was cancelled or failed for good; ``seen`` items of it were counted so far."""

    token: T
    reason: str
    seen: int
    recorded: frozenset[str]


UnitEvent = UnitItem[T] | UnitProgress[T] | UnitDetails[T] | UnitStopped[T] | UnitDone[T] | UnitFailed[T]


@dataclass(slots=True)
class _Running(Generic[T]):
    token: T
    spec: UnitSpec
    generator: Any
    started: float
    attempts: int = 1
    seen: int = 0
    skipped_bytes: int = 0
    recorded: set[str] = field(default_factory=set)
    nodes: list[str] = field(default_factory=list)


class UnitRunner(Generic[T]):
    """Units handed to the Ray cluster this process is connected to.

    Args:
        seconds: most seconds one unit may run (from when it is handed out).
        in_flight: most units at once; 0 means one per CPU of the cluster.
        hasher: what each hashing task runs per file (tests put a misbehaving one here).
    """

    def __init__(self, seconds: float, in_flight: int = 0, hasher: Hasher = hash_one) -> None:
        import ray

        self._ray = ray
        self._seconds = seconds
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self._in_flight = max(1, in_flight or cpus)
        self._hasher = hasher
        self._remote: Any = ray.remote(max_retries=0, num_cpus=1, num_returns="streaming")(run_unit)
        given = {
            s.env_var: os.environ[s.env_var] for s in settings.SETTINGS.values() if s.env_var in os.environ
        }
        # A unit walks and spools with the driver's settings (carving, limits, depth), not the node's.
        self._runtime_env = {"env_vars": given} if given else None
        self._mapping = settings.get_str(settings.RAY_EVIDENCE_RESOURCES)
        self._queue: list[tuple[T, UnitSpec]] = []
        self._running: dict[Any, _Running[T]] = {}

    @property
    def pending(self) -> bool:
        """True while a unit is queued or running."""
        return bool(self._queue or self._running)

    def submit(self, token: T, spec: UnitSpec) -> None:
        """Hand a unit out as soon as fewer than ``in_flight`` run.

        Raises:
            ValueError: ``WARDEN_RAY_EVIDENCE_RESOURCES`` is malformed.
        """
        resources_for(str(spec.item["fs_path"]), self._mapping)  # malformed: said now, not on a node
        self._queue.append((token, spec))
        self._start()

    def _start(self) -> None:
        while self._queue and len(self._running) < self._in_flight:
            token, spec = self._queue.pop(0)
            run = _Running(token, spec, None, time.monotonic())
            run.generator = self._hand_out(spec)
            self._running[run.generator] = run

    def _hand_out(self, spec: UnitSpec) -> Any:
        options: dict[str, Any] = {"resources": resources_for(str(spec.item["fs_path"]), self._mapping)}
        if self._runtime_env is not None:
            options["runtime_env"] = self._runtime_env
        return self._remote.options(**options).remote(json.dumps(asdict(spec)), self._hasher)

    def poll(self, wait: float) -> Iterator[UnitEvent[T]]:
        """What the units sent since the last call, waiting up to ``wait`` seconds for something to come."""
        self._start()
        if not self._running:
            return
        now = time.monotonic()
        deadline = min(run.started for run in self._running.values()) + self._seconds
        waiting = list(self._running)
        self._ray.wait(waiting, num_returns=1, timeout=max(0.0, min(wait, deadline - now)))
        ready, _ = self._ray.wait(waiting, num_returns=len(waiting), timeout=0)
        for generator in ready:
            yield from self._read(self._running[generator])
        now = time.monotonic()
        for generator, run in list(self._running.items()):
            if now - run.started > self._seconds:
                self._cancel(generator)
                yield UnitFailed(run.token, f"over {self._seconds:g} s", run.seen, frozenset(run.recorded))
        self._start()

    def _read(self, run: _Running[T]) -> Iterator[UnitEvent[T]]:
        """The unit's next message as events (or its end)."""
        ray = self._ray
        try:
            text = ray.get(next(run.generator))
        except StopIteration:
            del self._running[run.generator]
            yield UnitDone(run.token, len(run.recorded), tuple(run.nodes))
            return
        except ray.exceptions.RayError as error:
            del self._running[run.generator]
            own = isinstance(error, ray.exceptions.RayTaskError | ray.exceptions.TaskCancelledError)
            if not own and run.attempts <= RETRIES:
                # Its node or worker died: again, without what was taken from it (see the module's text).
                run.spec.skip = sorted({*run.spec.skip, *run.recorded})
                run.generator, run.started = self._hand_out(run.spec), time.monotonic()
                run.attempts += 1
                self._running[run.generator] = run
                return
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            yield UnitFailed(
                run.token, f"{type(error).__name__}: {reason}", run.seen, frozenset(run.recorded)
            )
            return
        message: dict[str, Any] = json.loads(text)
        if message["node"] not in run.nodes:
            run.nodes.append(message["node"])
        for sent in message["records"]:
            record = record_from_json(run.spec.label, sent["record"])
            if record.path in run.recorded:
                continue  # never sent twice by one run of a unit; a guard
            run.recorded.add(record.path)
            failure = WorkerFailure(sent["failure"]) if sent["failure"] is not None else None
            yield UnitItem(run.token, record, failure or sent["result"], sent["counted"], sent["root"])
        # Totals of this run of the unit; a run after a death counts the same walk again from 0.
        if message["seen"] > run.seen or message["skipped_bytes"] > run.skipped_bytes:
            seen, skipped = (
                max(0, message["seen"] - run.seen),
                max(0, message["skipped_bytes"] - run.skipped_bytes),
            )
            run.seen, run.skipped_bytes = run.seen + seen, run.skipped_bytes + skipped
            yield UnitProgress(run.token, seen, skipped)
        if message["details"] is not None:
            yield UnitDetails(run.token, message["details"])
        if message["stopped"] is not None:
            stopped = message["stopped"]
            cause = OSError(stopped["errno"], stopped["strerror"])
            yield UnitStopped(run.token, SpoolError(Path(stopped["folder"]), cause))
        if message["done"]:
            del self._running[run.generator]
            yield UnitDone(run.token, len(run.recorded), tuple(run.nodes))

    def _cancel(self, generator: Any) -> None:
        self._running.pop(generator, None)
        with contextlib.suppress(Exception):
            self._ray.cancel(generator, force=True, recursive=True)

    def close(self) -> None:
        """Cancel every unit still queued or running."""
        self._queue.clear()
        for generator in list(self._running):
            self._cancel(generator)

    def __enter__(self) -> UnitRunner[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

"""A pool of hashing processes that survives its workers: a crash or a hang costs one item, recorded."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from warden.hashing.digests import listed_identity
from warden.scan.worker import Hasher, hash_one, worker_main

T = TypeVar("T")


HOLD = None
"""Yielded by a task iterable instead of a task: hand out nothing more until every worker is idle (so the
items in flight are done, and the spool copies they hold deleted, before the iterable goes on)."""


@dataclass(slots=True)
class _Worker(Generic[T]):
    process: BaseProcess
    connection: Connection
    task: T | None = None
    task_id: int = -1
    started: float = 0.0
    path: str = ""


class WorkerFailure(Exception):
    """The worker hashing an item died or overran its time; the item gets this as its error."""


def read_position(pid: int | None, path: str) -> int | None:
    """How far process ``pid`` has read into the file ``path``, from Linux's ``/proc``.

    None elsewhere, or when the process does not have the file open (yet, or any more).
    """
    if pid is None or not path:
        return None
    target = os.path.realpath(path)
    furthest: int | None = None
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for descriptor in descriptors:
        try:
            if os.readlink(f"/proc/{pid}/fd/{descriptor}") != target:
                continue
            with open(f"/proc/{pid}/fdinfo/{descriptor}", encoding="ascii") as info:
                for line in info:
                    if line.startswith("pos:"):
                        furthest = max(furthest or 0, int(line.split()[1]))
        except (OSError, ValueError):
            continue
    return furthest


def _context() -> ForkServerContext | SpawnContext:
    # forkserver: workers are forked from a clean process, not from a parent that holds database
    # connections, memory-mapped indexes and a progress-bar thread.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context: ForkServerContext = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["warden.scan.worker"])
        return context
    return multiprocessing.get_context("spawn")


class TaskFeed(Generic[T]):
    """The (task, path) pairs a pool takes in turn; :data:`HOLD` among them stops the feed until the pool
    says nothing is in flight (both pools share this, the local one and :mod:`warden.scan.ray_pool`)."""

    def __init__(self, tasks: Iterable[tuple[T, str] | None]) -> None:
        self._queue = iter(tasks)
        self.exhausted = False
        self.holding = False

    def idle(self) -> None:
        """Nothing is in flight: a hold is over."""
        self.holding = False

    def take(self) -> tuple[T, str] | None:
        """The next pair; None when the tasks are exhausted or held."""
        if self.exhausted or self.holding:
            return None
        try:
            pair = next(self._queue)
        except StopIteration:
            self.exhausted = True
            return None
        if pair is HOLD:
            self.holding = True
            return None
        return pair


class WaitClock:
    """When a pool waiting on its tasks calls ``on_wait`` (about every ``every`` seconds, to show progress)
    and so how long one wait may last."""

    def __init__(self, on_wait: Callable[[], None] | None, every: float) -> None:
        self._on_wait = on_wait
        self._every = every
        self._last_call = time.monotonic()

    def until(self, deadline: float) -> float:
        """Seconds to wait from now: to ``deadline`` (the first running task's time limit), or to the next
        progress call when that comes first; makes the progress call when it is due."""
        now = time.monotonic()
        if self._on_wait is not None:
            if now - self._last_call >= self._every:
                self._on_wait()
                self._last_call = now
            deadline = min(deadline, self._last_call + self._every)
        return max(0.0, deadline - now)


class HashingPool(Generic[T]):
    """``workers`` hashing processes, each given one file at a time.

    Args:
        workers: how many processes.
        options: keyword arguments of ``HashOptions`` for every worker.
        timeout: seconds one item may take before its worker is killed.
        memory_mb: address-space limit per worker.
        hasher: the function each worker runs per file (a module-level function).
    """

    def __init__(
        self,
        workers: int,
        options: dict[str, Any],
        timeout: float,
        memory_mb: int,
        hasher: Hasher = hash_one,
    ) -> None:
        self._hasher = hasher
        self._context = _context()
        self._options = options
        self._timeout = timeout
        self._memory_mb = memory_mb
        self._workers: list[_Worker[T]] = [self._spawn() for _ in range(max(1, workers))]
        self._next_id = 0

    def _spawn(self) -> _Worker[T]:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main, args=(child_end, self._options, self._memory_mb, self._hasher), daemon=True
        )
        process.start()
        child_end.close()
        return _Worker(process=process, connection=parent_end)

    def _replace(self, worker: _Worker[T]) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        self._workers[self._workers.index(worker)] = self._spawn()

    def map(
        self,
        tasks: Iterable[tuple[T, str] | None],
        on_wait: Callable[[], None] | None = None,
        every: float = 1.0,
    ) -> Iterator[tuple[T, dict[str, Any] | WorkerFailure]]:
        """Hash every (task, path); yields (task, result JSON or failure) as each finishes, in any order.

        Args:
            tasks: (task, path) pairs; :data:`HOLD` in their place waits for every worker to be idle.
            on_wait: called about every ``every`` seconds while workers are busy (to show progress).
            every: seconds between calls of ``on_wait``.
        """
        feed = TaskFeed(tasks)
        clock = WaitClock(on_wait, every)
        while True:
            if feed.holding and all(w.task is None for w in self._workers):
                feed.idle()
            for worker in self._workers:
                if worker.task is not None:
                    continue
                pair = feed.take()
                if pair is None:
                    break
                new_task, path = pair
                self._next_id += 1
                worker.task, worker.task_id, worker.started = new_task, self._next_id, time.monotonic()
                worker.path = path
                # A worker that died idle cannot take the task: found below through its sentinel.
                with contextlib.suppress(OSError):
                    # The identity the path had when listed: the worker refuses a file put in its place.
                    request = {"task": worker.task_id, "path": path, "identity": listed_identity(path)}
                    worker.connection.send_bytes(json.dumps(request).encode("utf-8"))
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                if feed.exhausted:
                    return
                continue
            timeout = clock.until(min(w.started for w in busy) + self._timeout)
            ready = set(
                wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
            )
            for worker in busy:
                task = worker.task
                assert task is not None
                if worker.connection in ready:
                    try:
                        message = json.loads(worker.connection.recv_bytes())
                    except (EOFError, OSError):
                        message = None
                    if message is not None and message.get("task") == worker.task_id:
                        worker.task = None
                        yield task, message["result"]
                        continue
                if worker.process.sentinel in ready or worker.connection in ready:
                    worker.process.join(1)
                    code = worker.process.exitcode
                    worker.task = None
                    self._replace(worker)
                    yield task, WorkerFailure(f"the hashing process died (exit code {code}) on this item")
                elif time.monotonic() - worker.started > self._timeout:
                    worker.task = None
                    self._replace(worker)
                    yield task, WorkerFailure(f"hashing took longer than {self._timeout:g} s and was stopped")

    def reading(self) -> list[tuple[T, int | None]]:
        """Each task in flight, with how many bytes of its file its worker has read so far (None: unknown)."""
        return [
            (worker.task, read_position(worker.process.pid, worker.path))
            for worker in self._workers
            if worker.task is not None
        ]

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers:
            worker.connection.close()
        for worker in self._workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)

    def __enter__(self) -> HashingPool[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1

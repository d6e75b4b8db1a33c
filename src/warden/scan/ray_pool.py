"""Hashing as Ray tasks: the scan's pool spread over a Ray cluster, with the local pool's limits and results.

A task reads its item by path, so the evidence and the scan's spool must be on storage every node sees (one
machine, or a shared file system mounted at the same path everywhere). Results travel as JSON text, exactly
what a local worker sends, so the case records the same values whichever pool hashed them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from warden.errors import ClusterError, DependencyMissingError
from warden.hashing.digests import ListedPath, listed_identity
from warden.scan.file_mark import FileMark
from warden.scan.pool import TaskFeed, WaitClock, WorkerFailure
from warden.scan.worker import Hasher, hash_one

T = TypeVar("T")

RETRIES = 3
"""How often Ray runs a task again when the node or worker process running it dies."""

PROBE_SECONDS = 5.0
"""How long the address of a cluster may take to answer before it is called unreachable (Ray's own
connection attempts go on for minutes)."""


@contextlib.contextmanager
def _address_space_limit(megabytes: int) -> Iterator[None]:
    """Cap this process's address space at what it maps now plus ``megabytes`` for one item, then restore it.

    A Ray worker maps far more than a bare hashing process (its object store, RPC threads), so the item's
    budget is counted on top of what the worker already maps. 0 leaves it alone.
    """
    if megabytes <= 0:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        mapped = 0
    limit = mapped + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def hash_task(
    path: str, mark: list[Any] | None, options: dict[str, Any], memory_mb: int, hasher: Hasher
) -> str:
    """One item hashed inside a Ray worker, its result as the JSON text a local worker would send.

    Args:
        path: the item's path, as every node sees it.
        mark: what the file was when listed (:class:`~warden.scan.file_mark.FileMark` as JSON): a file put
            in its place is refused, on the machine that listed it and on any other.
        options: keyword arguments for the hasher.
        memory_mb: address space the item may use on top of the worker's own.
        hasher: what to run per file (a module-level function).
    """
    listed = ListedPath(path, FileMark.from_json(mark).identity_here(path) if mark else None)
    with _address_space_limit(memory_mb):
        result = hasher(listed, options)
    return json.dumps(result)


def _reachable(address: str) -> bool:
    """Whether something answers on the address's TCP port within :data:`PROBE_SECONDS`."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    if not host or port is None:
        return False
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            return True
    except OSError:
        return False


def connect(address: str) -> bool:
    """Connect this process to the Ray cluster at ``address``; True when this call started Ray in it
    (the caller then disconnects with :func:`disconnect`).

    ``auto`` connects to the cluster ``RAY_ADDRESS`` or ``ray start`` on this machine names, or starts a
    local one when there is none; anything else is ``host:port`` or ``ray://host:port``.

    Raises:
        DependencyMissingError: Ray is not installed.
        ClusterError: the cluster cannot be reached or refuses the connection.
    """
    try:
        import ray
    except ImportError:
        raise DependencyMissingError("ray", "ray", "scanning on a Ray cluster (--ray)") from None
    if ray.is_initialized():
        return False
    # With auto, an address named in RAY_ADDRESS is probed too: Ray's own retries on a dead one take minutes.
    probed = os.environ.get("RAY_ADDRESS", "").strip() if address == "auto" else address
    if probed and probed != "auto" and not _reachable(probed):
        raise ClusterError(
            f"the Ray cluster at {probed} cannot be reached (nothing answered within {PROBE_SECONDS:g} s): "
            "check the address (host:port of the head node, or ray://host:port), that the cluster runs, and "
            "that this machine may connect to it"
        )
    try:
        ray.init(
            address=None if address == "auto" else address,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as error:
        raise ClusterError(f"the Ray cluster at {address} refused the connection: {error}") from error
    return True


def disconnect() -> None:
    """Disconnect from Ray (and stop the local cluster :func:`connect` started, if it did)."""
    import ray

    ray.shutdown()


class RayHashingPool(Generic[T]):
    """Items hashed as Ray tasks, at most ``in_flight`` at a time; the interface of ``HashingPool``.

    A node that dies takes its tasks with it and Ray runs them again elsewhere (up to :data:`RETRIES`
    times); a task over ``timeout`` seconds (counted from when it was handed out) is cancelled, killing
    its worker, and its item gets a :class:`WorkerFailure`, as in the local pool.

    Args:
        address: the cluster (see :func:`connect`).
        in_flight: most tasks handed out at once; 0 means one per CPU of the cluster.
        options: keyword arguments of ``HashOptions`` for every task.
        timeout: seconds one item may take before its task is cancelled.
        memory_mb: address space one item may use in its Ray worker.
        hasher: the function each task runs per file (a module-level function every node can import).
        node: the Ray node every task must run on (a work unit's own node), or None for any node.

    Raises:
        DependencyMissingError: Ray is not installed.
        ClusterError: the cluster cannot be reached.
    """

    def __init__(
        self,
        address: str,
        in_flight: int,
        options: dict[str, Any],
        timeout: float,
        memory_mb: int,
        hasher: Hasher = hash_one,
        node: str | None = None,
    ) -> None:
        self._started = connect(address)
        import ray

        self._ray = ray
        self._remote = ray.remote(max_retries=RETRIES, num_cpus=1)(hash_task)
        if node is not None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            pinned = NodeAffinitySchedulingStrategy(node_id=node, soft=False)
            self._remote = self._remote.options(scheduling_strategy=pinned)
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self._in_flight = max(1, in_flight or cpus)
        self._options = options
        self._timeout = timeout
        self._memory_mb = memory_mb
        self._hasher = hasher
        self._running: dict[Any, tuple[T, float]] = {}

    def map(
        self,
        tasks: Iterable[tuple[T, str] | None],
        on_wait: Callable[[], None] | None = None,
        every: float = 1.0,
    ) -> Iterator[tuple[T, dict[str, Any] | WorkerFailure]]:
        """Hash every (task, path); yields (task, result JSON or failure) as each finishes, in any order.

        Args:
            tasks: (task, path) pairs; :data:`HOLD` in their place waits until no task is in flight.
            on_wait: called about every ``every`` seconds while tasks run (to show progress).
            every: seconds between calls of ``on_wait``.
        """
        ray = self._ray
        feed: TaskFeed[T] = TaskFeed(tasks)
        clock = WaitClock(on_wait, every)
        while True:
            if feed.holding and not self._running:
                feed.idle()
            while len(self._running) < self._in_flight:
                pair = feed.take()
                if pair is None:
                    break
                task, path = pair
                identity = listed_identity(path)
                ref = self._remote.remote(
                    str(path),
                    FileMark.of(str(path), identity).to_json() if identity else None,
                    self._options,
                    self._memory_mb,
                    self._hasher,
                )
                self._running[ref] = (task, time.monotonic())
            if not self._running:
                if feed.exhausted:
                    return
                continue
            deadline = min(started for _, started in self._running.values()) + self._timeout
            timeout = clock.until(deadline)
            ready, _ = ray.wait(list(self._running), num_returns=len(self._running), timeout=timeout)
            for ref in ready:
                task, _started = self._running.pop(ref)
                yield task, self._result(ref)
            now = time.monotonic()
            for ref, (task, started) in list(self._running.items()):
                if now - started > self._timeout:
                    del self._running[ref]
                    with contextlib.suppress(Exception):
                        ray.cancel(ref, force=True)
                    yield task, WorkerFailure(f"hashing took longer than {self._timeout:g} s and was stopped")

    def _result(self, ref: Any) -> dict[str, Any] | WorkerFailure:
        """A finished task's result, or its failure as the item's error."""
        ray = self._ray
        try:
            text = ray.get(ref)
        except ray.exceptions.RayError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            return WorkerFailure(f"the hashing task failed on this item ({type(error).__name__}: {reason})")
        result: dict[str, Any] = json.loads(text)
        return result

    def reading(self) -> list[tuple[T, int | None]]:
        """Each task in flight; how far it has read is not known across the cluster (None)."""
        return [(task, None) for task, _started in self._running.values()]

    def close(self) -> None:
        """Cancel what is still in flight; disconnect when this pool connected."""
        for ref in list(self._running):
            with contextlib.suppress(Exception):
                self._ray.cancel(ref, force=True)
        self._running.clear()
        if self._started:
            disconnect()

    def __enter__(self) -> RayHashingPool[T]:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

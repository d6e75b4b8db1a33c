"""Tags computed in worker processes, both ends of the pipe (``python -m warden.psi.tag_worker`` is a worker).

A list of ten million hashes takes ten million OPRF evaluations, about 55 microseconds each on one core, so
they are shared among worker processes. Nothing is pickled and the key never goes through argv or the
environment (where ``ps`` and ``/proc`` would show it): each worker reads, on its standard input, the seed
(32 bytes), the key's ``info`` (a 2-byte big-endian length, then the bytes), then any number of inputs, each
a 2-byte big-endian length and the bytes; it writes each input's 64-byte tag to its standard output, in
order, and exits 0 at the end of its input. The parent hands each worker runs of inputs in turn and reads
the tags back into their places, so the order of the inputs is kept whatever the number of workers. A
worker that dies, or stops answering for ``stall_seconds``, stops every worker and fails the build.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

import numpy as np
import numpy.typing as npt

from warden.errors import PsiListError
from warden.psi.suite import SEED_BYTES, TAG_BYTES, ServerKey

RUN = 2048
"""Inputs handed to a worker at a time; runs go to the workers in turn."""
MAX_INPUT = 0xFFFF
WORKER_COMMAND = (sys.executable, "-m", "warden.psi.tag_worker")


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"input ended inside a {size}-byte field")
    return data


def main() -> int:
    """One worker: the key, then inputs, from standard input; their tags to standard output."""
    source = sys.stdin.buffer
    sink = os.fdopen(sys.stdout.fileno(), "wb", buffering=1 << 16, closefd=False)
    try:
        seed = _read_exact(source, SEED_BYTES)
        info = _read_exact(source, int.from_bytes(_read_exact(source, 2), "big"))
        evaluate = ServerKey(seed, info).evaluator.evaluate_known_input
        while prefix := source.read(2):
            if len(prefix) < 2:
                raise EOFError("input ended inside a length")
            sink.write(evaluate(_read_exact(source, int.from_bytes(prefix, "big"))))
        sink.flush()
    except (EOFError, ValueError) as exc:
        print(f"tag worker: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 3  # the parent stopped reading: it has given up on this build
    return 0


def frame(inputs: Sequence[bytes]) -> bytes:
    """Inputs as a worker reads them: each a 2-byte big-endian length and the bytes."""
    return b"".join(len(data).to_bytes(2, "big") + data for data in inputs)


class _Worker:
    """One worker process, with a thread feeding its runs and a thread reading their tags into place."""

    def __init__(self, command: Sequence[str], key: ServerKey) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 -- read on failure, closed in close()
        self.process = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors
        )
        self.key = key
        self.runs: list[tuple[int, int]] = []
        self.failure: str | None = None
        self.first = False
        self.done = 0

    def feed(self, inputs: Sequence[bytes], failed: threading.Event) -> None:
        stream = self.process.stdin
        assert stream is not None
        try:
            stream.write(self.key.seed + len(self.key.info).to_bytes(2, "big") + self.key.info)
            for start, end in self.runs:
                if failed.is_set():
                    break
                stream.write(frame(inputs[start:end]))
            stream.close()
        except OSError:
            pass  # the worker is gone: its reader finds out and says why

    def collect(self, tags: npt.NDArray[np.uint8], failed: threading.Event) -> None:
        stream = self.process.stdout
        assert isinstance(stream, io.BufferedReader)
        flat = tags.reshape(-1).data
        for start, end in self.runs:
            place, stop = start * TAG_BYTES, end * TAG_BYTES
            while place < stop:
                got = stream.readinto(flat[place:stop])
                if not got:
                    self.first = not failed.is_set()  # the one that failed first, not one stopped for it
                    self.failure = self.failure or "stopped before giving all its tags"
                    failed.set()
                    return
                place += got
                self.done += got
            if failed.is_set():
                return

    def reason(self) -> str:
        """What went wrong, in the worker's own last words where it left any."""
        code = self.process.wait()  # it has ended, or has just been killed
        self.errors.seek(0)
        said = self.errors.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        words = f": {said[-1]}" if said else ""
        return f"{self.failure or 'failed'} (exit code {code}){words}"

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.errors.close()


def compute_tags(
    inputs: Sequence[bytes],
    key: ServerKey,
    workers: int | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    stall_seconds: float = 60.0,
    command: Sequence[str] = WORKER_COMMAND,
) -> npt.NDArray[np.uint8]:
    """The tag of each input, in order, computed by ``workers`` processes.

    Args:
        inputs: OPRF inputs, each 1 to 65,535 bytes.
        key: the server's key.
        workers: processes to run (the number of CPUs by default; fewer for a short list).
        progress: called now and then with the number of tags computed so far.
        stall_seconds: how long every worker may go without giving a tag before the build is abandoned.
        command: the worker's command line (a test's stand-in; never carries the key).

    Returns:
        An ``(n, 64)`` array: row ``i`` is the tag of ``inputs[i]``.

    Raises:
        PsiListError: a worker died or stalled; every worker was stopped.
        ValueError: an input is empty or over 65,535 bytes.
    """
    if any(not 1 <= len(data) <= MAX_INPUT for data in inputs):
        raise ValueError(f"every OPRF input must be 1 to {MAX_INPUT} bytes")
    tags = np.zeros((len(inputs), TAG_BYTES), dtype=np.uint8)
    if not inputs:
        return tags
    runs = [(start, min(start + RUN, len(inputs))) for start in range(0, len(inputs), RUN)]
    count = max(1, min(workers or os.cpu_count() or 1, len(runs)))
    pool = [_Worker(command, key) for _ in range(count)]
    failed = threading.Event()
    try:
        for number, run in enumerate(runs):
            pool[number % count].runs.append(run)
        threads = [threading.Thread(target=w.feed, args=(inputs, failed), daemon=True) for w in pool]
        threads += [threading.Thread(target=w.collect, args=(tags, failed), daemon=True) for w in pool]
        for thread in threads:
            thread.start()
        _watch(pool, threads, failed, progress, stall_seconds)
        broken = sorted((w for w in pool if w.failure or w.process.wait() != 0), key=lambda w: not w.first)
        if broken:
            raise PsiListError(
                f"building the PSI list failed: a tag worker {broken[0].reason()}; nothing was written"
            )
    finally:
        failed.set()
        for worker in pool:
            worker.close()
    return tags


def _watch(
    pool: list[_Worker],
    threads: list[threading.Thread],
    failed: threading.Event,
    progress: Callable[[int], None] | None,
    stall_seconds: float,
) -> None:
    """Wait for the threads; on a failure or a stall, stop every worker so that the threads end."""
    done, since = -1, time.monotonic()
    while any(thread.is_alive() for thread in threads):
        failed.wait(0.2)
        now_done = sum(worker.done for worker in pool) // TAG_BYTES
        if now_done != done:
            done, since = now_done, time.monotonic()
            if progress:
                progress(done)
        stalled = time.monotonic() - since > stall_seconds
        if failed.is_set() or stalled:
            for worker in pool:
                if stalled and not worker.failure and worker.process.poll() is None:
                    worker.failure = f"gave no tag for {stall_seconds:g} s"
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
            for thread in threads:
                thread.join(timeout=stall_seconds)
            return


if __name__ == "__main__":
    sys.exit(main())

"""Uploads hashed as a scan hashes them: written to a private spool, decoded and hashed in bounded worker
processes (:class:`warden.scan.pool.HashingPool`), deleted straight after.

A hostile or damaged upload (a decompression bomb, a file that crashes a decoder or hangs it) costs one
hashing process, which is replaced; the service itself never decodes anything. Each service worker has
``hash_workers`` hashing processes; an upload takes a free one, waiting up to ``hash_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warden import settings
from warden.errors import NotMediaError, ServiceBusyError, UnhashableUploadError, UploadTooLargeError
from warden.hashing.item import VIDEO_LIMIT
from warden.model.hashes import Media
from warden.private import make_private_dir
from warden.scan.pool import HashingPool, WorkerFailure
from warden.scan.worker import with_hash_types
from warden.serve.config import ServeConfig
from warden.serve.state import ServeState

ANSWERED = (
    "media",
    "format",
    "size",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "pdq_quality",
    "pdq_method",
    "width",
    "height",
    "animated",
    "pdq_variants",
    "borders",
    "vpdq",
    "hash_values",
    "errors",
)
"""The parts of a worker's result an answer holds (never the spool path)."""


class UploadHasher:
    """The spool and the hashing processes of one service worker.

    Args:
        config: the service's settings (limits, processes, spool).
    """

    def __init__(self, config: ServeConfig) -> None:
        self._config = config
        parent = config.spool or Path(tempfile.gettempdir())
        make_private_dir(parent, tighten=False)
        self.spool = Path(tempfile.mkdtemp(prefix="warden-serve-", dir=parent))  # mode 0700
        self._options = with_hash_types(
            {
                "vpdq_seconds_per_hash": float(settings.get_str(settings.VPDQ_SECONDS_PER_HASH)),
                "vpdq_threads": 1,
                "max_image_pixels": config.max_image_pixels,
                "max_image_bytes": config.max_upload_bytes,
                "max_video_seconds": config.max_video_seconds,  # refused before decoding, if it says so
                # The service's banks match a video by its vPDQ; the dense, mirrored and trimmed frames a
                # scan also hashes (excerpts and edited copies) are not looked up here yet.
                "video_variants": False,
            }
        )
        self._free: queue.Queue[HashingPool[int]] = queue.Queue()
        self._pools = [
            HashingPool[int](1, self._options, timeout=config.hash_timeout, memory_mb=config.hash_memory_mb)
            for _ in range(max(1, config.hash_workers))
        ]
        for pool in self._pools:
            self._free.put(pool)

    @contextlib.contextmanager
    def spooled(self) -> Iterator[tuple[int, Path]]:
        """A new private file (0600, random name) in the spool, open for writing; deleted on leaving."""
        descriptor, name = tempfile.mkstemp(dir=self.spool, prefix="upload-")
        path = Path(name)
        try:
            yield descriptor, path
        finally:
            with contextlib.suppress(OSError):
                os.close(descriptor)
            path.unlink(missing_ok=True)

    def hash_path(self, path: Path) -> dict[str, Any]:
        """Hash the spooled upload at ``path`` in a free hashing process (blocking).

        Returns:
            Every hash computed (see :data:`ANSWERED`).

        Raises:
            ServiceBusyError: no hashing process came free in time.
            NotMediaError: the bytes are neither an image nor a video.
            UnhashableUploadError: the image or video could not be decoded and hashed.
            UploadTooLargeError: the video is longer than the limit.
        """
        try:
            pool = self._free.get(timeout=self._config.hash_timeout)
        except queue.Empty:
            raise ServiceBusyError(
                f"every hashing process stayed busy for {self._config.hash_timeout:g} s; ask again"
            ) from None
        try:
            results = list(pool.map([(0, str(path))]))
        finally:
            self._free.put(pool)
        (_task, result), *_ = results
        if isinstance(result, WorkerFailure):
            raise UnhashableUploadError(f"the upload could not be hashed: {result}")
        return self._answer(result)

    def _answer(self, result: dict[str, Any]) -> dict[str, Any]:
        media = result.get("media")
        problems = "; ".join(f"{e['stage']}: {e['message']}" for e in result.get("errors", []))
        if any(error["stage"] == VIDEO_LIMIT for error in result.get("errors", [])):
            raise UploadTooLargeError(
                f"the video {problems.removeprefix(VIDEO_LIMIT + ': ')} (WARDEN_SERVE_MAX_VIDEO_SECONDS)"
            )
        if media == Media.OTHER.value:
            raise NotMediaError("the upload is neither an image nor a video Warden recognises by its bytes")
        if (media == Media.STILL.value and result.get("pdq") is None) or (
            media == Media.MOVIE.value and result.get("vpdq") is None
        ):
            raise UnhashableUploadError(
                f"the {media} could not be decoded and hashed: {problems or 'unknown'}"
            )
        frames = result.get("vpdq") or []
        if frames and frames[-1]["timestamp"] > self._config.max_video_seconds:
            raise UploadTooLargeError(
                f"the video is longer than the limit of {self._config.max_video_seconds:g} s "
                "(WARDEN_SERVE_MAX_VIDEO_SECONDS)"
            )
        return {name: result[name] for name in ANSWERED if name in result}

    def close(self) -> None:
        """Stop the hashing processes and remove the spool."""
        for pool in self._pools:
            pool.close()
        shutil.rmtree(self.spool, ignore_errors=True)


PART = "hasher"
"""The worker's :class:`UploadHasher` in :attr:`ServeState.parts`."""


def attach_hasher(state: ServeState) -> None:
    """Give this worker one :class:`UploadHasher`, started with the worker and closed when it stops, however
    many routers (``/v1/hash``, ``/v1/match``) need it."""
    if f"{PART}.attached" in state.parts:
        return
    state.parts[f"{PART}.attached"] = True

    def start() -> None:
        state.parts[PART] = UploadHasher(state.config)

    def stop() -> None:
        made = state.parts.pop(PART, None)
        if isinstance(made, UploadHasher):
            made.close()

    state.on_startup.append(start)
    state.on_shutdown.append(stop)


def hasher_of(state: ServeState) -> UploadHasher | None:
    """This worker's hasher, once it has started; None when no router attached one."""
    made = state.parts.get(PART)
    return made if isinstance(made, UploadHasher) else None

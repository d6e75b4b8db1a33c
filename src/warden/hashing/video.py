"""vPDQ of a video file through ``vpdq`` (Meta's reference, built on FFmpeg), which reads the file itself."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from warden.model.hashes import HashKind, VideoHash, VpdqFrame, normalize_hex

_STDERR_KEPT = 2000


class VideoHashError(Exception):
    """The video could not be hashed; the message (with what FFmpeg said) goes in the item's error record."""


def declared_seconds(source: str, timeout: float = 10.0, pass_fds: tuple[int, ...] = ()) -> float | None:
    """The length a video's container declares, read by FFmpeg's ``ffprobe`` without decoding a frame; None
    when ffprobe is missing, fails, times out or finds no length. A declared length can lie: what matters
    is checked again on the frames hashed."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    command = [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", source]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, pass_fds=pass_fds, check=False)
        return float(done.stdout.decode("ascii", "replace").strip())
    except (subprocess.TimeoutExpired, OSError, ValueError):
        return None


def vpdq_available() -> bool:
    """True when the optional ``vpdq`` package is installed (``pip install 'warden[video]'``)."""
    return importlib.util.find_spec("vpdq") is not None


def hash_video(
    path: Path,
    *,
    seconds_per_hash: float = 1.0,
    downsample: tuple[int, int] = (0, 0),
    threads: int = 0,
) -> VideoHash:
    """The vPDQ hash of a video: the PDQ hash, quality and time of one frame every ``seconds_per_hash``.

    ``vpdq`` opens ``path`` itself through FFmpeg, so a video is read twice in all: once for its digests and
    once here. FFmpeg's messages are captured, not printed, and become part of the error. FFmpeg is C code:
    a hostile file could crash the process, which is why a scan hashes in worker processes.

    Args:
        path: the video file.
        seconds_per_hash: seconds between hashed frames; 0 hashes every frame.
        downsample: width and height to scale frames to before hashing; (0, 0) keeps their size.
        threads: decoding threads; 0 lets FFmpeg choose.

    Raises:
        VideoHashError: vpdq is not installed, the file cannot be decoded, or it has no frames.
    """
    try:
        import vpdq
    except ImportError:
        raise VideoHashError(
            "vPDQ needs the vpdq package: install it with  pip install 'warden[video]'"
        ) from None
    with _captured_stderr() as said:
        try:
            features = vpdq.computeHash(
                str(path),
                seconds_per_hash=seconds_per_hash,
                downsample_width=downsample[0],
                downsample_height=downsample[1],
                thread_count=threads,
            )
        except Exception as error:  # vpdq raises a bare Exception when FFmpeg fails
            failure: Exception | None = error
        else:
            failure = None
    if failure is not None:
        detail = f" (FFmpeg: {said[0]})" if said and said[0] else ""
        raise VideoHashError(f"cannot decode the video: {failure}{detail}")
    if not features:
        raise VideoHashError("the video has no frames that could be decoded")
    return tuple(
        VpdqFrame(normalize_hex(HashKind.PDQ, feature.hex), int(feature.quality), float(feature.timestamp))
        for feature in features
    )


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Point file descriptor 2 at a temporary file while the block runs; the yielded list then holds the text.

    FFmpeg and vpdq write to the C ``stderr`` directly, which ``sys.stderr`` cannot catch. Not thread-safe:
    hashing runs one item at a time per process.
    """
    said: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing can be printed anyway
        yield said
        return
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield said
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text = sink.read(_STDERR_KEPT).decode("utf-8", "replace")
            said.append(" ".join(text.split()))

"""Decoded frames of a video, from FFmpeg's ``ffmpeg`` as RGB pixels, bounded in size and time."""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from warden.hashing.decode import Pixels

_STDERR_KEPT = 2000
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9


class FramesError(Exception):
    """FFmpeg is missing, could not decode the video, or stopped sending frames in time."""


def frame_rate(path: Path, timeout: float = 10.0) -> float | None:
    """Frames per second of the first video stream, as ``ffprobe`` reads the container (the average rate,
    else the base rate); None when ffprobe is missing, fails or finds no rate. vPDQ times frames the same
    way: frame number over this rate."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    command = [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries"]
    command += ["stream=avg_frame_rate,r_frame_rate", "-of", "default=nw=1:nk=1", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return None
    for line in done.stdout.decode("ascii", "replace").split():
        numerator, _, denominator = line.partition("/")
        try:
            rate = float(numerator) / float(denominator or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if 0 < rate < 1000:
            return rate
    return None


def sampled_frames(
    path: Path,
    *,
    box: int,
    nth: int = 1,
    keyframes_only: bool = False,
    timeout: float = 300.0,
) -> Iterator[tuple[int, Pixels]]:
    """(frame number, RGB pixels) of every ``nth`` decoded frame, in order, one at a time, scaled down
    (keeping its shape) to fit in ``box`` pixels a side.

    Frames are picked by their number, as vPDQ picks them (not by their time stamps, which in phone videos
    drift from the nominal rate). With ``keyframes_only`` FFmpeg decodes only key frames (a small share of
    the work, to look at a clip as a whole) and numbers them among themselves.

    FFmpeg runs as a child process that dies with this one; it is killed after ``timeout`` seconds.

    Raises:
        FramesError: ``ffmpeg`` is not installed, the file cannot be decoded, or the time ran out. Frames
            already yielded stay valid.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise FramesError("FFmpeg's ffmpeg command is not installed")
    filters = [f"select=not(mod(n\\,{nth}))"] if nth > 1 else []
    filters.append(f"scale=w='min({box},iw)':h='min({box},ih)':force_original_aspect_ratio=decrease")
    command = [ffmpeg, "-nostdin", "-v", "error"]
    command += ["-skip_frame", "nokey"] if keyframes_only else []
    command += ["-i", str(path), "-an", "-sn", "-dn", "-vf", ",".join(filters)]
    command += ["-fps_mode", "passthrough", "-f", "image2pipe", "-c:v", "ppm", "-"]
    with tempfile.TemporaryFile() as said:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=said,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        number = 0
        stream = process.stdout
        assert stream is not None
        try:
            while (frame := _read_frame(stream, box, timed_out)) is not None:
                yield number * nth, frame
                number += 1
            code = process.wait()
        finally:
            timer.cancel()
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()
            stream.close()
        if timed_out.is_set():
            raise FramesError(f"FFmpeg took more than {timeout:g} s to decode the frames")
        if code != 0 or number == 0:
            said.seek(0)
            detail = " ".join(said.read(_STDERR_KEPT).decode("utf-8", "replace").split())
            why = f"FFmpeg: {detail}" if detail else f"FFmpeg exited with status {code}"
            raise FramesError(f"cannot decode the video's frames ({why})")


def _read_frame(stream: IO[bytes], box: int, timed_out: threading.Event) -> Pixels | None:
    """The next frame, or None at the end; a stream cut off by the timeout is the timeout's error."""
    try:
        return _read_ppm(stream, box)
    except FramesError:
        if timed_out.is_set():
            return None
        raise


def _read_ppm(stream: IO[bytes], box: int) -> Pixels | None:
    """One binary PPM image (``P6 width height 255`` then the pixels) from ``stream``; None at its end."""
    fields: list[bytes] = []
    token = b""
    while len(fields) < 4:
        byte = stream.read(1)
        if not byte:
            if not fields and not token:
                return None
            raise FramesError("FFmpeg's frame stream ended inside a frame header")
        if byte.isspace():
            if token:
                fields.append(token)
                token = b""
        elif len(token) > 8:
            raise FramesError("FFmpeg sent a frame header that is not PPM")
        else:
            token += byte
    if fields[0] != b"P6" or fields[3] != b"255":
        raise FramesError("FFmpeg sent a frame that is not 8-bit RGB PPM")
    width, height = int(fields[1]), int(fields[2])
    if not (0 < width <= box and 0 < height <= box):
        raise FramesError(f"FFmpeg sent a {width}x{height} frame, larger than the {box}-pixel box")
    size = width * height * 3
    data = stream.read(size)
    if len(data) != size:
        raise FramesError("FFmpeg's frame stream ended inside a frame")
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)


def _die_with_parent() -> None:
    """In the FFmpeg child, before it runs: be killed when the hashing process dies (Linux), so a worker
    stopped for taking too long never leaves a decoder running."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, _SIGKILL)

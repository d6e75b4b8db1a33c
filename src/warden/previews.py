"""Pictures of evidence made safe to show: greyscale copies that keep no detail, and video keyframe strips.

The review app's previews and the court report's annex are both made here, from the evidence's own bytes,
held in memory only. A blurred copy is made from one shrunk to a few pixels across, then enlarged and
blurred, so the bytes carry no more detail than that, whatever a viewer does with them.

FFmpeg takes a video's keyframes through a file descriptor: the evidence file itself when the item is one
(opened read-only by the locator), else an in-memory file (``memfd``) holding the item's bytes, so nothing of
the evidence is written to disk. FFmpeg runs as a separate process with a time limit: a hostile video costs a
placeholder, not the app.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from PIL import Image, ImageFilter

from warden.hashing.video import declared_seconds

FRAMES = 4
FRAME_SIZE = (256, 144)
IN_MEMORY_BYTES = 512 << 20
"""Largest video inside a container copied into memory to take its frames."""
GAP = 4
"""Pixels between the frames of a strip."""


class KeyframeError(Exception):
    """No frame could be taken; the message says why, for the placeholder."""


def blur(image: Image.Image, *, side: int, detail: int, radius: float) -> Image.Image:
    """Greyscale, shrunk to ``detail`` pixels across (shapes and tones), enlarged to ``side`` and blurred.

    Args:
        image: the picture.
        side: longest side of the result.
        detail: longest side of the copy the result is made from: it carries no more detail than this.
        radius: of the Gaussian blur applied last.
    """
    small = image.convert("L")
    small.thumbnail((detail, detail), Image.Resampling.BOX)
    scale = side / max(small.size)
    large = small.resize(
        (max(1, round(small.width * scale)), max(1, round(small.height * scale))), Image.Resampling.BILINEAR
    )
    return large.filter(ImageFilter.GaussianBlur(radius=radius))


def strip(frames: Sequence[Image.Image], *, height: int | None = None) -> Image.Image:
    """Frames side by side, :data:`GAP` pixels apart, on black; as tall as the tallest unless ``height``."""
    width = sum(frame.width for frame in frames) + GAP * (len(frames) - 1)
    out = Image.new(frames[0].mode, (width, height or max(frame.height for frame in frames)), 0)
    x = 0
    for frame in frames:
        out.paste(frame, (x, 0))
        x += frame.width + GAP
    return out


def keyframes(
    stream: BinaryIO,
    *,
    frames: int = FRAMES,
    size: tuple[int, int] = FRAME_SIZE,
    timeout: float = 30.0,
    in_memory_bytes: int = IN_MEMORY_BYTES,
) -> list[Image.Image]:
    """Up to ``frames`` RGB frames spread over the video, each fitted (letterboxed) into ``size``.

    Raises:
        KeyframeError: FFmpeg is missing, fails, times out, or finds no frame.
    """
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if ffmpeg is None or ffprobe is None:
        raise KeyframeError("video previews need FFmpeg (Debian package ffmpeg)")
    width, height = size
    with _descriptor(stream, in_memory_bytes) as fd:
        source = f"/proc/self/fd/{fd}"
        duration = declared_seconds(source, timeout, pass_fds=(fd,)) or 0.0
        rate = f"{frames}/{duration:.3f}" if duration > 0 else "1"
        scale = (
            f"fps={rate},scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2"
        )
        command = [
            ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-threads", "1", "-i", source,
            "-an", "-sn", "-dn", "-vf", scale, "-frames:v", str(frames),
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, pass_fds=(fd,), check=False)
        except subprocess.TimeoutExpired:
            raise KeyframeError(f"FFmpeg took longer than {timeout:.0f} s") from None
    frame_bytes = width * height * 3
    count = min(frames, len(done.stdout) // frame_bytes)
    if count == 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KeyframeError(f"no frame could be decoded{': ' + said[-1] if said else ''}")
    return [
        Image.frombytes("RGB", size, done.stdout[index * frame_bytes : (index + 1) * frame_bytes])
        for index in range(count)
    ]


@contextlib.contextmanager
def _descriptor(stream: BinaryIO, in_memory_bytes: int) -> Iterator[int]:
    """A file descriptor FFmpeg can open and seek: the stream's own file, or an in-memory copy."""
    try:
        fd = stream.fileno()
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except (OSError, ValueError, AttributeError):
        regular = False
    # Yielded outside the try: an OSError raised by the caller's block must reach the caller, not be taken
    # for a stream without a file.
    if regular:
        yield fd
        return
    if not hasattr(os, "memfd_create"):
        raise KeyframeError("video previews from inside containers need Linux (memfd)")
    fd = os.memfd_create("warden-preview", os.MFD_CLOEXEC)
    try:
        with open(fd, "wb", closefd=False) as copy:
            while block := stream.read(1 << 20):
                if copy.tell() + len(block) > in_memory_bytes:
                    raise KeyframeError(
                        f"over {in_memory_bytes} bytes: too large to preview from a container"
                    )
                copy.write(block)
        yield fd
    finally:
        os.close(fd)

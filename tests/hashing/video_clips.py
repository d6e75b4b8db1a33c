"""Clips built with FFmpeg from the benign sample videos: small originals for a made-up hash set, and their
excerpt, compilation, mirror, letterboxed and re-encoded copies (issue 13's test data)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.media import media

ORIGINALS = {
    "chair": ("chair-orig-22-sd-bar", "240:360"),  # pillarboxed, as the sample clip is
    "pattern": ("pattern-hd-no-bar", "180:320"),
    "doorknob": ("doorknob-hd-no-bar", "320:180"),
}
"""Listed clip name: (sample clip, size it is scaled to), kept small so the tests stay quick."""

CHAIR_SECONDS = 22.433
PATTERN_SECONDS = 6.867
EXCERPT_CUT = round(CHAIR_SECONDS / 5, 1)
"""The excerpt is the chair clip with its first fifth cut off."""


@dataclass(frozen=True)
class Clips:
    """Where the built clips are: ``originals`` by listed name, ``copies`` by kind of copy."""

    originals: dict[str, Path]
    copies: dict[str, Path]


def _ffmpeg(*arguments: str | Path) -> None:
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, arguments)]
    subprocess.run(command, check=True, timeout=120)


def _encode(out: Path) -> list[str | Path]:
    return ["-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", out]


def build_clips(folder: Path) -> Clips:
    """Build every clip into ``folder`` (skips the test when FFmpeg is missing)."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("FFmpeg is not installed")
    originals = folder / "originals"
    copies = folder / "copies"
    originals.mkdir(parents=True)
    copies.mkdir(parents=True)
    listed = {}
    for name, (sample, size) in ORIGINALS.items():
        listed[name] = originals / f"{name}.mp4"
        _ffmpeg(
            "-i", media("videos", f"{sample}.mp4"), "-vf", f"scale={size},setsar=1", *_encode(listed[name])
        )
    chair, pattern = listed["chair"], listed["pattern"]
    made = {
        "excerpt": copies / "excerpt.mp4",
        "compilation": copies / "compilation.mp4",
        "mirrored": copies / "mirrored.mp4",
        "windowboxed": copies / "windowboxed.mp4",
        "letterboxed": copies / "letterboxed.mp4",
        "reencoded": copies / "reencoded.mp4",
    }
    _ffmpeg("-ss", str(EXCERPT_CUT), "-i", chair, *_encode(made["excerpt"]))
    joined = "[0:v]scale=240:360,setsar=1[a];[1:v]scale=240:360,setsar=1[b];[a][b]concat=n=2:v=1[v]"
    _ffmpeg(
        "-i", pattern, "-i", chair, "-filter_complex", joined, "-map", "[v]", *_encode(made["compilation"])
    )
    _ffmpeg("-i", chair, "-vf", "hflip", *_encode(made["mirrored"]))
    _ffmpeg("-i", pattern, "-vf", "pad=iw+80:ih+120:40:60:black", *_encode(made["windowboxed"]))
    _ffmpeg("-i", chair, "-vf", "pad=iw:ih*1.4:0:(oh-ih)/2:black", *_encode(made["letterboxed"]))
    _ffmpeg("-i", chair, "-vf", "scale=160:240,fps=24", *_encode(made["reencoded"]))
    return Clips(listed, made)

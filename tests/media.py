"""The one way tests reach the benign shared media: resolved from this file, never the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

MEDIA = Path(__file__).resolve().parent.parent.parent / "shared" / "media"


def media(*parts: str) -> Path:
    """Path to a file or folder under ``../shared/media``; skips the test if it is not beside the repo."""
    if not MEDIA.is_dir():
        pytest.skip(f"benign shared media not found at {MEDIA}")
    path = MEDIA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(path)
    return path

"""Where ``warden validate`` keeps its result: ``$WARDEN_HOME/validation/``, the latest and one per run."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden import settings

LATEST = "latest.json"


@dataclass(frozen=True, slots=True)
class StoredValidation:
    """The stored result of ``warden validate``, with the SHA-256 of the file it was read from."""

    result: dict[str, Any]
    sha256: str


def validation_dir() -> Path:
    """``$WARDEN_HOME/validation``."""
    return settings.get_path(settings.HOME) / "validation"


def result_bytes(result: dict[str, Any]) -> bytes:
    """The stored form: sorted keys, two-space indent, UTF-8, trailing newline."""
    return (json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def save_result(result: dict[str, Any], folder: Path | None = None) -> Path:
    """Store ``result`` as ``latest.json`` and as ``<date>.json`` beside it; returns the latest's path.

    Both are written whole then renamed, so a reader never sees half a result.
    """
    folder = folder or validation_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data = result_bytes(result)
    stamp = str(result.get("date", "undated")).replace(":", "").replace("-", "")
    for name in (f"{stamp}.json", LATEST):
        partial = folder / f".{name}.partial-{os.getpid()}"
        partial.write_bytes(data)
        partial.replace(folder / name)
    return folder / LATEST


def load_latest(folder: Path | None = None) -> StoredValidation | None:
    """The latest stored result, or None when there is none (or it is not a JSON object)."""
    path = (folder or validation_dir()) / LATEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        result = json.loads(data)
    except ValueError:
        return None
    if not isinstance(result, dict):
        return None
    return StoredValidation(result, hashlib.sha256(data).hexdigest())

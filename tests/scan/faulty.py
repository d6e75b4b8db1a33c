"""Hashers that misbehave on purpose, run inside real worker processes by the pool tests."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def misbehave(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Crash, hang, blow the memory limit or answer, depending on the file name."""
    name = os.path.basename(path)
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("hang"):
        time.sleep(3600)
    if name.startswith("hog"):
        try:
            hog = bytearray(8 * 1024 * 1024 * 1024)
        except MemoryError:
            return {"errors": [{"stage": "hash", "message": "out of memory"}]}
        return {"size": len(hog)}
    return {"md5": name}

"""A hasher that reads part of its file and then waits to be let go: the pool tests watch it mid-read."""

from __future__ import annotations

import os
import time
from typing import Any


def read_part_then_wait(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Read ``options["part"]`` bytes of ``path``, wait until the file ``options["release"]`` exists."""
    with open(path, "rb") as stream:
        stream.read(options["part"])
        while not os.path.exists(options["release"]):
            time.sleep(0.01)
    return {"md5": "read"}

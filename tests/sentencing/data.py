"""The shipped data files as plain dicts, for tests that build a changed copy of the law."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

from warden.sentencing.bundled import DATA_FILES


def raw_files() -> dict[str, Any]:
    """A fresh, mutable copy of every data file."""
    folder = files("warden.sentencing").joinpath("data")
    return copy.deepcopy(
        {name: json.loads(folder.joinpath(f"{name}.json").read_text("utf-8")) for name in DATA_FILES}
    )

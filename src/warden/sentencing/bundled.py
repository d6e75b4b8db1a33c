"""The law as shipped with Warden: the JSON files under ``sentencing/data``, read once."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from warden.sentencing.build import build_law
from warden.sentencing.law import Law

DATA_FILES = ("sources", "offences", "guideline_iioc", "plea", "suspension", "notification", "ancillary")


@cache
def bundled_law() -> Law:
    """The shipped data, parsed and checked (every cited source exists, every table is complete).

    Raises:
        ValueError: a data file is malformed (a packaging error, not a user's).
    """
    folder = files("warden.sentencing").joinpath("data")
    return build_law(
        {name: json.loads(folder.joinpath(f"{name}.json").read_text("utf-8")) for name in DATA_FILES}
    )

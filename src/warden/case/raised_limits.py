"""The container limits a case's scans raised for one exhibit (``warden scan --raise-limit``), as recorded.

Whatever reads an item inside a container again (the report's annex, the review app's previews) must open
that container under the limits the scan used, or a container the examiner had the scan read under a raised
limit would be refused again. Each scan run records its raised limits in its options; the highest value
any run used for an exhibit is the one to open it with.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from warden.case import schema


def recorded_raises(engine: Engine) -> dict[str, dict[str, int]]:
    """Per exhibit label, the limits raised for it by any scan run (setting name -> highest value used)."""
    raises: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for (text,) in connection.execute(select(schema.scans.c.options)):
            try:
                options = json.loads(text)
            except ValueError:
                continue
            if not isinstance(options, dict):
                continue
            for entry in options.get("raised_limits") or []:
                try:
                    exhibit, name, value = str(entry["exhibit"]), str(entry["limit"]), int(entry["value"])
                except (KeyError, TypeError, ValueError):
                    continue
                limits = raises.setdefault(exhibit, {})
                limits[name] = max(value, limits.get(name, 0))
    return raises

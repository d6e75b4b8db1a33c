"""ThreatExchange signal CSV, as ``threatexchange dataset -P --csv`` writes it:
``collab,signal_type,signal_str,category,tags``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import HashSetFormat, ReadOptions, complete_lines, csv_entries
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile
from warden.hashsets.threatexchange_signals import opinion_category, profile_or_default, signal_entry

REQUIRED_COLUMNS: tuple[str, ...] = ("signal_type", "signal_str")
OPTIONAL_COLUMNS: tuple[str, ...] = ("collab", "category", "tags")

_TAG_SPLIT = re.compile(r"[\s,]+")


class ThreatExchangeCsvFormat(HashSetFormat):
    """One signal per row under a header naming ``signal_type`` and ``signal_str`` (and optionally
    ``collab``, ``category`` and ``tags``), in any order.

    ``category`` is the collaboration's opinion (``POSITIVE_CLASS``, ``NEGATIVE_CLASS``,
    ``INVESTIGATION_SEED``, or the older ``TRUE_POSITIVE``, ``FALSE_POSITIVE``, ``WORTH_INVESTIGATING``) and
    ``tags`` are space-separated; both go through the profile (see
    :func:`warden.hashsets.threatexchange_signals.opinion_category`). ``collab`` becomes the entry's
    ``source_id``. A signal listed by several collaborations appears once per collaboration and is kept so.
    """

    name = "threatexchange-csv"
    description = "ThreatExchange signals CSV: collab,signal_type,signal_str,category,tags (dataset -P --csv)"
    uses_profile = True

    def sniff(self, head: bytes) -> bool:
        lines = complete_lines(head, limit=1)
        if not lines:
            return False
        cells = {cell.strip().strip('"').lower() for cell in lines[0].split(",")}
        return {"signal_type", "signal_str"} <= cells

    def resolve_profile(self, path: Path, head: bytes, options: ReadOptions) -> CategoryProfile | None:
        return profile_or_default(options)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        profile = profile_or_default(options)
        yield from csv_entries(path, _header, lambda columns: partial(_signal, profile, columns))


def _signal(profile: CategoryProfile, columns: list[str], row: list[str]) -> Entry:
    cells = dict(zip(columns, row, strict=True))
    tags = [tag for tag in _TAG_SPLIT.split(cells.get("tags", "")) if tag]
    category = opinion_category(profile, cells.get("category") or None, tags)
    return signal_entry(cells["signal_type"], cells["signal_str"], category, cells.get("collab") or None)


def _header(row: list[str], source: str) -> list[str]:
    columns = [cell.strip().lower() for cell in row]
    if not any(columns):
        raise HashSetFormatError("the file is empty: the CSV starts with a header line", "line 1", source)
    for index, column in enumerate(columns):
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            allowed = ", ".join(OPTIONAL_COLUMNS[:1] + REQUIRED_COLUMNS + OPTIONAL_COLUMNS[1:])
            raise HashSetFormatError(f"unknown column {column!r} (columns are {allowed})", "line 1", source)
        if column in columns[:index]:
            raise HashSetFormatError(f"column {column!r} appears twice", "line 1", source)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise HashSetFormatError(f"the header has no {missing[0]!r} column", "line 1", source)
    return columns

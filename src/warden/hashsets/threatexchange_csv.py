"""ThreatExchange signal CSV, as ``threatexchange dataset -P --csv`` writes it:
``collab,signal_type,signal_str,category,tags``."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import HashSetFormat, ReadOptions, complete_lines
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile, load_profile
from warden.hashsets.threatexchange_signals import DEFAULT_PROFILE, opinion_category, signal_entry

REQUIRED_COLUMNS: tuple[str, ...] = ("signal_type", "signal_str")
OPTIONAL_COLUMNS: tuple[str, ...] = ("collab", "category", "tags")

_TAG_SPLIT = re.compile(r"[\s,]+")
_MAX_FIELD = 64 * 1024 * 1024


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
        return options.profile or load_profile(DEFAULT_PROFILE)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        profile = options.profile or load_profile(DEFAULT_PROFILE)
        # A video_vpdq signal of a long video outgrows the csv module's default 128 KiB field limit.
        csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            try:
                columns = _header(next(reader, []), source)
                for row in reader:
                    if not row or row == [""]:
                        continue
                    where = f"line {reader.line_num}"
                    if len(row) != len(columns):
                        raise HashSetFormatError(
                            f"wrong column count: the header has {len(columns)}, this row has {len(row)}",
                            where,
                            source,
                        )
                    cells = dict(zip(columns, row, strict=True))
                    tags = [tag for tag in _TAG_SPLIT.split(cells.get("tags", "")) if tag]
                    try:
                        category = opinion_category(profile, cells.get("category") or None, tags)
                        yield signal_entry(
                            cells["signal_type"], cells["signal_str"], category, cells.get("collab") or None
                        )
                    except ValueError as exc:
                        raise HashSetFormatError(str(exc), where, source) from None
            except csv.Error as exc:
                raise HashSetFormatError(
                    f"not valid CSV ({exc})", f"line {reader.line_num}", source
                ) from None
            except UnicodeDecodeError:
                raise HashSetFormatError("not UTF-8 text", f"after line {reader.line_num}", source) from None


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

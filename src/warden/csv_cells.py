"""CSV cells a spreadsheet will not run: every CSV Warden writes goes through :func:`neutralise`.

A file name, a source id or an exhibit label is chosen by whoever made the evidence or the list. Written
as is, ``=HYPERLINK(...)`` or ``@SUM(...)`` becomes a live formula when an examiner opens the CSV in a
spreadsheet (CSV injection). As OWASP recommends, a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return gets a single quote in front, which spreadsheets take as "this is text"; the csv module
quotes the cell as CSV needs. JSON outputs keep the original text.

So that Warden can read back what it wrote, a cell that starts with quotes followed by one of those
characters gets one more quote too; :func:`restore` removes exactly one.

Reading CSV, the csv module refuses a field longer than a process-wide limit (128 KiB by default);
:func:`allow_long_fields` raises it once for every reader in the process, so a reader never depends on which
other reader ran first.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

LONG_FIELD = 64 * 1024 * 1024
"""Longest CSV field Warden reads (a long video's vPDQ in a hash list; a long message in a chat export, which
the reader then cuts to its own limit)."""

TRIGGERS = "=+-@\t\r"
"""Characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection)."""

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(value: object) -> object:
    """``value`` safe for a CSV cell: text starting like a formula gets a leading ``'``; numbers and other
    values are left alone (a number is never a formula)."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def neutralise_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`neutralise`."""
    return [neutralise(value) for value in values]


def restore(text: str) -> str:
    """The original of a cell :func:`neutralise` wrote (text not written that way is returned unchanged)."""
    return text[1:] if _QUOTED.match(text) else text


def allow_long_fields() -> None:
    """Let the csv module read fields up to :data:`LONG_FIELD` characters. The limit is process-wide and only
    ever raised here, so every CSV reader in the process sees the same one."""
    csv.field_size_limit(max(csv.field_size_limit(), LONG_FIELD))

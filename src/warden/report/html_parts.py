"""Small pieces the court HTML is built from: escaping, cells, tables and the words for each provenance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

ESTABLISHED = {
    "hashset-exact": "hash-set match, exact (the same bytes as the listed file)",
    "hashset-pdq": "hash-set match, perceptual (PDQ): a lead, confirmed only by an examiner",
    "hashset-vpdq": "hash-set match, perceptual video (vPDQ): a lead, confirmed only by an examiner",
    "grade": "examiner's grade, not yet reviewed by a second reviewer",
    "grade-confirmed": "examiner's grade, confirmed by a second reviewer",
    "grade-disputed": "examiner's grade, DISPUTED by a second reviewer",
    "unknown": "not recorded",
}
"""How each ``established_by`` value reads in the report."""

ESTABLISHED_ORDER = tuple(ESTABLISHED)


def e(value: Any) -> str:
    """Escaped text; None is empty."""
    return escape("" if value is None else str(value))


def cell(value: Any, *, numeric: bool = False, css: str = "") -> str:
    """One ``<td>``."""
    classes = " ".join(part for part in ("n" if numeric else "", css) if part)
    return f'<td class="{classes}">{e(value)}</td>' if classes else f"<td>{e(value)}</td>"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    """A table whose header repeats on every printed page; ``rows`` hold ready-made cells."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    attr = f' class="{css}"' if css else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def established_label(how: str | None) -> str:
    """The words for an ``established_by`` value."""
    return ESTABLISHED.get(how or "unknown", how or "")


def short_hash(value: str | None, width: int = 16) -> str:
    """The first ``width`` hex digits of a hash, for tables (the full value is in report.json)."""
    if not value:
        return ""
    return value if len(value) <= width else value[:width] + "…"


def url_text(url: Any) -> str:
    """A web address as escaped text that wraps anywhere (class ``url``): never a link a click would open."""
    return f'<span class="url">{e(url)}</span>'


def url_lines(urls: Sequence[Any], *, limit: int | None = None, more_in: str = "") -> str:
    """Addresses one per line, the first ``limit`` of them, saying how many more ``more_in`` of report.json
    holds; ``-`` when there are none."""
    shown = urls if limit is None else urls[:limit]
    lines = [url_text(url) for url in shown]
    if len(urls) > len(shown):
        lines.append(f"and {len(urls) - len(shown)} more (in <code>{e(more_in)}</code> of report.json)")
    return "<br>".join(lines) or "-"


def url_cell(urls: Sequence[Any], *, limit: int | None = None, more_in: str = "") -> str:
    """One ``<td>`` of addresses, one per line (:func:`url_lines`)."""
    return f'<td class="urls">{url_lines(urls, limit=limit, more_in=more_in)}</td>'

"""report.json keeps its contract: documented fields, stable order, same bytes for the same case."""

from __future__ import annotations

import json
import re
from pathlib import Path

from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media
from warden.report.contract import SCHEMA, CaseHeader, build_report
from warden.report.writers import WRITERS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def sample() -> dict[str, object]:
    matched = ItemRecord(evidence="ex1", path="b/x.jpg", media=Media.STILL, md5="m", sha1="s")
    matched.matches = [
        MatchRecord("set2", MatchKind.PDQ, "pdq", 12, "flip_x", "9", Category.C),
        MatchRecord("set1", MatchKind.EXACT, "md5", 0, "original", "7", Category.A),
    ]
    items = [ItemRecord(evidence="ex1", path="a/y.jpg", media=Media.STILL), matched]
    header = CaseHeader(
        "case-1",
        "2026-11-28T00:00:00Z",
        [{"label": "ex1", "path": "/ev", "kind": "folder", "size": None, "sha256": None}],
        [{"name": "set1", "entries": 2, "sha256": "ab", "format": "csv", "profile": None, "source": "s.csv"}],
    )
    return build_report(header, items)


def test_the_report_carries_the_contract_fields() -> None:
    report = sample()
    assert report["schema"] == SCHEMA == "warden.report/1"
    assert set(report) == {
        "schema",
        "case",
        "summary",
        "items",
        "not_examined",
        "sentencing",
        "exhibits",
        "indictment",
        "method",
        "continuity",
    }
    case = report["case"]
    assert isinstance(case, dict)
    assert {"id", "created", "evidence", "hashsets", "tool"} <= set(case)
    items = report["items"]
    assert isinstance(items, list)
    assert [i["path"] for i in items] == ["a/y.jpg", "b/x.jpg"]
    best = items[1]
    assert best["category"] == "A"
    assert best["match"]["kind"] == "exact" and best["match"]["hashset"] == "set1"
    assert best["matches"] == 2
    for item in items:
        assert {"path", "md5", "sha1", "media", "category", "match", "error"} <= set(item)


def test_the_same_case_gives_the_same_bytes() -> None:
    render = WRITERS.get("json").render
    assert render(sample()) == render(sample())


MAPS = {"by_category", "by_established", "by_person", "by_state", "counts", "thumbnails"}
"""Objects whose keys are data (categories, ways of establishing, people), not fields."""
OPAQUE = {"details", "provenance", "result", "sentencing"}
"""Fields documented as a whole elsewhere (evidence details, a stored validation result, sentencing)."""


def field_names(value: object) -> set[str]:
    """Every field name inside ``value``, descending through lists and objects."""
    if isinstance(value, list):
        return set().union(*(field_names(item) for item in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, inner in value.items():
        found.add(key)
        if key in OPAQUE:
            continue
        if key in MAPS and isinstance(inner, dict):
            for mapped in inner.values():
                found |= field_names(mapped)
        else:
            found |= field_names(inner)
    return found


def undocumented(report: dict[str, object]) -> set[str]:
    """Field names of ``report`` that docs/report-schema.md does not name in backticks."""
    documented = set(re.findall(r"`([a-z_0-9]+)`", DOCS.read_text()))
    # Maps of maps (by_state, by_established) are keyed by category inside: A, B and C are values, not fields.
    return field_names(report) - documented - {"A", "B", "C"}


def test_every_report_field_is_documented() -> None:
    assert undocumented(sample()) == set()


def test_html_and_csv_carry_the_same_items_without_images() -> None:
    report = sample()
    html = WRITERS.get("html").render(report).decode()
    assert "<img" not in html and "<script" not in html
    assert "b/x.jpg" in html
    rows = WRITERS.get("csv").render(report).decode().splitlines()
    assert len(rows) == 3
    assert json.dumps(report)  # serialisable

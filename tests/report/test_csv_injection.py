"""No CSV Warden writes holds a live spreadsheet formula (issue 8, point 21).

The reproduction: file names and source ids that begin with ``=``, ``+``, ``-`` or ``@`` were written into
``report.csv`` as they were, and a spreadsheet ran them. Every cell that starts a formula (those four, a tab,
a carriage return) now starts with a single quote; ``report.json`` keeps the names as they are; the canonical
hash-set CSV reads back exactly what it wrote.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from warden.cli import main
from warden.csv_cells import TRIGGERS, neutralise, restore
from warden.hashsets.canonical_csv import CanonicalCsvFormat
from warden.hashsets.formats import ReadOptions
from warden.hashsets.model import Entry
from warden.model.categories import Category

FORMULAS = [
    '=HYPERLINK("http://127.0.0.1/x","open")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
    "\tsum",
    "\r=1",
    "'=1",
    "''@x",
]
"""Cells a spreadsheet would run (OWASP's triggers), and text that already starts with quotes before one."""


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_is_neutralised_and_restored_exactly(text: str) -> None:
    written = neutralise(text)
    assert isinstance(written, str) and written.startswith("'") and written[1:] == text
    assert restore(written) == text


@pytest.mark.parametrize("text", ["photo.jpg", "'quoted", "a=b", "", "1-2", "'"])
def test_ordinary_text_and_numbers_are_left_alone(text: str) -> None:
    assert neutralise(text) == text and restore(text) == text
    assert neutralise(-5) == -5 and neutralise(2.5) == 2.5


def _image(path: Path, shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (shade, 255 - shade, 90)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_report_csv_shows_formula_names_and_source_ids_as_text(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    names = ["=cmd|' -C calc'!A0.png", "+1+2.png", "-2+3.png", "@SUM(1,2).png", "\tx.png", "plain.png"]
    rows = ["md5,sha1,sha256,pdq,category,source_id"]
    for shade, name in enumerate(names):
        data = _image(evidence / name, shade * 40)
        rows.append(
            f'{hashlib.md5(data).hexdigest()},,,,A,"{"=1+" + str(shade) if shade % 2 else "@" + name}"'
        )
    hashset = tmp_path / "made-up.csv"
    hashset.write_text("\n".join(rows) + "\n", encoding="utf-8")
    case = tmp_path / "case"
    assert main(["scan", str(evidence), "--hashset", str(hashset), "--case", str(case), "--quiet"]) == 0

    with (case / "report.csv").open(newline="", encoding="utf-8") as stream:
        table = list(csv.DictReader(stream))
    assert len(table) == len(names)
    for row in table:
        for column, cell in row.items():
            assert not cell or cell[0] not in TRIGGERS, (column, cell)
    paths = {row["path"] for row in table}
    assert {"'" + name for name in names if name[0] in TRIGGERS} | {"plain.png"} == paths
    assert {row["match_source_id"][:2] for row in table} <= {"'=", "'@"}
    assert all(row["audit_anchor"] == table[0]["audit_anchor"] != "" for row in table)

    report = json.loads((case / "report.json").read_text(encoding="utf-8"))
    assert {item["path"] for item in report["items"]} == set(names)
    assert report["continuity"]["audit"]["anchor"] == table[0]["audit_anchor"]


def test_the_canonical_hashset_csv_round_trips_a_formula_source_id(tmp_path: Path) -> None:
    entries = [Entry(md5="0" * 32, category=Category.A, source_id=text.strip() or None) for text in FORMULAS]
    stream = io.StringIO()
    CanonicalCsvFormat().write(entries, stream)
    for row in csv.reader(io.StringIO(stream.getvalue())):
        assert all(not cell or cell[0] not in TRIGGERS for cell in row), row
    path = tmp_path / "back.csv"
    path.write_text(stream.getvalue(), encoding="utf-8")
    back = list(CanonicalCsvFormat().iterate(path, ReadOptions()))
    assert [entry.source_id for entry in back] == [entry.source_id for entry in entries]

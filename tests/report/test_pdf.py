"""The court report as PDF: a real PDF whose text carries the case id on every page and the indictment."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report.cases import build_small_case
from warden.report.case_report import write_reports

pytest.importorskip("weasyprint", reason="the PDF needs weasyprint (pip install 'warden[report]')")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None,
        reason="reading the PDF back needs pdftotext (Debian poppler-utils)",
    ),
]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_the_pdf_carries_the_case_id_and_the_indictment_numbers(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    _, written = write_reports(small.case, ["pdf"], annex=True)
    data = written["pdf"].read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(written["pdf"])
    pages = text.split("\f")
    printed = [page for page in pages if page.strip()]
    assert len(printed) > 1
    assert all(f"Case {small.case.id}" in page for page in printed)
    assert re.search(r"Page 1 of \d+", text)
    assert re.search(r"Category A\s+3\s+0\s+3\s+1\s*/\s*0", text)
    assert re.search(r"Category B\s+1\s+0\s+1\s+1\s*/\s*0", text)
    assert re.search(r"Category C\s+2\s+0\s+2\s+2\s*/\s*0", text)
    assert "DISPUTED by a second" in text
    annex = pdf_text(written["annex-pdf"])
    assert "ANNEX: blurred thumbnails" in annex and small.case.id in annex

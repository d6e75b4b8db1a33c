"""The annex: a separate, marked file of greyscale, small, blurred thumbnails; never part of the report."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter
from sqlalchemy import func, select

from tests.report.cases import build_small_case, picture
from warden.case import schema
from warden.case.items import write_items
from warden.evidence.base import CONTAINERS
from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media
from warden.report.annex import THUMB_SIDE
from warden.report.case_report import write_reports


def thumbnails(html: str) -> list[Image.Image]:
    return [
        Image.open(io.BytesIO(base64.b64decode(data)))
        for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    ]


def sharpness(image: Image.Image) -> float:
    """How much a light blur changes the image: large where there is detail, near 0 for a blurred image."""
    grey = image.convert("L")
    softened = grey.filter(ImageFilter.GaussianBlur(2))
    return float(np.abs(np.asarray(grey, dtype=float) - np.asarray(softened, dtype=float)).mean())


def test_the_annex_is_separate_marked_and_every_thumbnail_is_blurred_grey_and_small(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    _, written = write_reports(small.case, ["html"], annex=True)
    assert written["annex-html"].name == "report-annex.html"
    assert "<img" not in written["html"].read_text()
    html = written["annex-html"].read_text()
    assert "ANNEX TO THE COURT REPORT" in html
    images = thumbnails(html)
    # One per distinct categorised image: the listed one (three copies), b, c and f.
    assert len(images) == 4
    source = Image.open(small.evidence["laptop"] / "b.png").convert("L").resize((THUMB_SIDE, 72))
    for image in images:
        assert image.mode == "L"
        assert max(image.size) <= THUMB_SIDE
        assert sharpness(image) < sharpness(source) / 5
    assert html.count("laptop/DCIM/a.jpg") == 1 and "phone/old/a.jpg" in html


@pytest.mark.slow
def test_a_changed_evidence_file_gets_no_thumbnail_and_says_why(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    (small.evidence["laptop"] / "b.png").write_bytes(b"\x89PNG\r\n\x1a\nnot the recorded bytes")
    (small.evidence["phone"] / "f.jpg").unlink()
    _, written = write_reports(small.case, [], annex=True)
    html = written["annex-html"].read_text()
    assert len(thumbnails(html)) == 2
    assert "no longer gives the bytes recorded" in html
    assert "not in the evidence any more" in html or "no thumbnail" in html


@pytest.mark.slow
def test_a_copy_inside_an_archive_gets_its_thumbnail_where_no_scan_ran_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = build_small_case(tmp_path)
    laptop = small.evidence["laptop"]
    with zipfile.ZipFile(laptop / "old.zip", "w") as archive:
        archive.write(picture(tmp_path / "g.png", 7), "holiday/g.png")
    inner = (tmp_path / "g.png").read_bytes()
    record = ItemRecord(
        evidence="laptop",
        path="old.zip//holiday/g.png",
        media=Media.STILL,
        format="png",
        size=len(inner),
        sha1=hashlib.sha1(inner).hexdigest(),
    )
    record.matches = [MatchRecord("listed", MatchKind.EXACT, "sha1", 0, "original", "L-3", Category.B)]
    with small.case.engine.begin() as connection:
        laptop_id = connection.execute(
            select(schema.evidence.c.id).where(schema.evidence.c.label == "laptop")
        ).scalar_one()
        set_ids = dict(connection.execute(select(schema.hashsets.c.name, schema.hashsets.c.id)).all())
        scan_id = connection.execute(select(func.max(schema.scans.c.id))).scalar_one()
        write_items(connection, [(laptop_id, record)], scan_id=scan_id, hashset_ids=set_ids)
    # As in `warden report`, a process of its own: no scan registered the container formats.
    monkeypatch.setattr(CONTAINERS, "_items", {})
    _, written = write_reports(small.case, [], annex=True)
    html = written["annex-html"].read_text()
    assert "laptop/old.zip//holiday/g.png" in html
    assert len(thumbnails(html)) == 5 and "no thumbnail" not in html

"""Text a case records from its inputs has no length limit on PostgreSQL (issue 8, point 17's class): a
source ID longer than 255 characters (md5sum lists name files by path) and an exhibit whose escaped name is
four times its bytes are recorded, where a VARCHAR(255) column once stopped the scan."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.media import media
from warden.cli import main

pytestmark = pytest.mark.slow  # PostgreSQL

PHOTO = "n01440764_tench.jpg"


def test_long_source_ids_and_exhibit_names_are_recorded_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    folder = os.fsdecode(os.fsencode(tmp_path) + b"/" + b"\xff" * 200)
    os.mkdir(folder)
    shutil.copyfile(media("photos", PHOTO), os.path.join(folder, "a.jpg"))
    source_id = "photos/" + "deep/" * 80 + "a.jpg"
    md5 = hashlib.md5(media("photos", PHOTO).read_bytes()).hexdigest()
    listed = tmp_path / "set.csv"
    listed.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{md5},,,,A,{source_id}\n")
    case = tmp_path / "case"
    arguments = [
        "scan",
        folder,
        "--hashset",
        str(listed),
        "--case",
        str(case),
        "--db",
        postgres_url,
        "--quiet",
    ]

    assert main(arguments) == 0

    report = json.loads((case / "report.json").read_text())
    assert report["case"]["evidence"][0]["label"] == "\\xff" * 200
    [item] = report["items"]
    assert item["match"]["source_id"] == source_id

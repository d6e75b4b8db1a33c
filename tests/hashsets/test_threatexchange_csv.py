"""ThreatExchange signal CSV: opinions and tags through profiles, bad rows named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hashsets.samples import md5, pdq, write
from warden.errors import HashSetFormatError
from warden.hashsets.formats import ReadOptions
from warden.hashsets.profiles import CategoryProfile, load_profile
from warden.hashsets.threatexchange_csv import ThreatExchangeCsvFormat
from warden.model.categories import Category

CSV = ThreatExchangeCsvFormat()
HEADER = "collab,signal_type,signal_str,category,tags"
GRADING = CategoryProfile.from_json(
    {
        "name": "te-graded",
        "map": {"positive_class": "uncategorised", "negative_class": "not_indecent", "null": "uncategorised"},
        "tags": {"uk_cat_a": "A", "uk_cat_c": "C"},
    },
    "test",
)


def vpdq_signal() -> str:
    return json.dumps([f"{pdq('f1')},100,0.000", f"{pdq('f2')},55,1.000"])


def test_csv_opinions_map_through_the_default_profile(tmp_path: Path) -> None:
    path = write(
        tmp_path / "collab.csv",
        f"{HEADER}\n"
        f"Sample Collab,pdq,{pdq('a')},POSITIVE_CLASS,\n"
        f"Sample Collab,pdq,{pdq('b')},NEGATIVE_CLASS,media_type_photo\n"
        f"Other Collab,video_md5,{md5('c')},WORTH_INVESTIGATING,\n"
        f"Other Collab,pdq,{pdq('a')},,\n"
        f'Other Collab,video_vpdq,"{vpdq_signal().replace(chr(34), chr(34) * 2)}",TRUE_POSITIVE,\n',
    )
    entries = CSV.read(path, ReadOptions(profile=load_profile("threatexchange")))
    assert [e.category for e in entries] == [
        Category.UNCATEGORISED,
        Category.NOT_INDECENT,
        Category.UNCATEGORISED,
        Category.UNCATEGORISED,
        Category.UNCATEGORISED,
    ]
    assert [e.source_id for e in entries] == ["Sample Collab"] * 2 + ["Other Collab"] * 3
    assert entries[0].pdq == entries[3].pdq  # one signal from two collaborations is kept twice
    assert entries[4].vpdq is not None


def test_csv_tags_grade_through_a_user_profile_but_never_override_a_false_positive(tmp_path: Path) -> None:
    path = write(
        tmp_path / "collab.csv",
        "signal_type,signal_str,category,tags\n"
        f"pdq,{pdq('a')},POSITIVE_CLASS,uk_cat_c uk_cat_a\n"
        f"pdq,{pdq('b')},NEGATIVE_CLASS,uk_cat_a\n"
        f"pdq,{pdq('c')},,unknown_tag\n",
    )
    entries = CSV.read(path, ReadOptions(profile=GRADING))
    assert [e.category for e in entries] == [Category.A, Category.NOT_INDECENT, Category.UNCATEGORISED]
    assert entries[0].source_id is None


@pytest.mark.parametrize(
    ("body", "location", "words"),
    [
        (f"{HEADER}\nc,pdq,{pdq('a')},SOMETHING_NEW,\n", "line 2", "category 'someth…' is not in profile"),
        (f"{HEADER}\nc,pdq,{pdq('a')},POSITIVE_CLASS,\nc,url,http://x,POSITIVE_CLASS,\n", "line 3", "url"),
        (f"{HEADER}\nc,pdq,{pdq('a')[:10]},POSITIVE_CLASS,\n", "line 2", "pdq must be 64"),
        (f"{HEADER}\nc,pdq,{pdq('a')}\n", "line 2", "wrong column count"),
        ("collab,signal_type,category\n", "line 1", "no 'signal_str' column"),
        ("signal_type,signal_str,owner\n", "line 1", "unknown column 'owner'"),
    ],
)
def test_csv_bad_row_is_named(tmp_path: Path, body: str, location: str, words: str) -> None:
    with pytest.raises(HashSetFormatError) as caught:
        CSV.read(write(tmp_path / "collab.csv", body), ReadOptions(profile=load_profile("threatexchange")))
    assert caught.value.location == location
    assert words in caught.value.message

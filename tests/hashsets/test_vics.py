"""VICS JSON: both versions, both shapes, the quirks of real exports, the profiles, and the writer."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.hashsets.samples import (
    UK_CONTEXT,
    US_CASES_CONTEXT,
    V1_METADATA,
    md5,
    media,
    pdq,
    sha1,
    sha256,
    vics_text,
    write,
)
from warden.errors import HashSetFormatError, UsageError
from warden.hashsets.formats import ReadOptions, WriteOptions
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile, load_profile
from warden.hashsets.vics import VicsContext, VicsFormat
from warden.model.categories import Category
from warden.model.hashes import VpdqFrame

FORMAT = VicsFormat()


def read(path: Path, profile: str | None = None) -> list[Entry]:
    options = ReadOptions(profile=load_profile(profile) if profile else None)
    return FORMAT.read(path, options)


def uk_hash_set(tmp_path: Path) -> Path:
    """A UK 2.0 hash set with the quirks of real files: BOM, upper- and lower-case hex, every timestamp
    style, IsPrecategorized set where Category is null, PhotoDNA, and PDQ among AlternativeHashes."""
    records = [
        media(
            1,
            1,
            "a",
            PhotoDNA="AAECAwQF",
            AlternativeHashes=[
                {"HashName": "pdq", "HashValue": pdq("a").upper()},
                {"HashName": "SHA256", "HashValue": sha256("a")},
                {"HashName": "NetCleanF1", "HashValue": "whatever"},
            ],
        ),
        media(2, 2, "b", DateUpdated="/Date(1686104709830)/"),
        media(3, 3, "c", DateUpdated="2023-06-07T02:31:49.830+01:00"),
        media("4", 0, "d", MD5=md5("d")),  # lower-case hex, MediaID as text
        media(5, None, "e", IsPrecategorized="true"),
        {"MediaID": 6, "MD5": md5("f").upper()},  # no Category at all
    ]
    return write(tmp_path / "uk.json", vics_text("@odata.context", UK_CONTEXT, records), bom=True)


def test_uk_hash_set_reads_with_the_profile_its_context_names(tmp_path: Path) -> None:
    path = uk_hash_set(tmp_path)
    profile = FORMAT.resolve_profile(path, path.read_bytes()[:8192], ReadOptions())
    assert profile is not None
    assert profile.name == "uk"
    entries = read(path)
    assert [e.category for e in entries] == [
        Category.A,
        Category.B,
        Category.C,
        Category.NOT_INDECENT,
        Category.UNCATEGORISED,  # IsPrecategorized says otherwise: only Category counts
        Category.UNCATEGORISED,
    ]
    first = entries[0]
    assert (first.md5, first.sha1, first.sha256, first.pdq) == (md5("a"), sha1("a"), sha256("a"), pdq("a"))
    assert first.photodna == "AAECAwQF"
    assert first.source_id == "1"
    assert entries[3].source_id == "4"


def test_us_case_export_reads_media_not_media_files(tmp_path: Path) -> None:
    files = [
        {
            "MD5": md5("a").upper(),
            "FileName": "x.jpg",
            "FilePath": "C:\\x",
            "Created": "/Date(1686104709830)/",
        },
        {"MD5": md5("a").upper(), "FileName": "y.jpg", "FilePath": "D:\\y", "Deleted": "true"},
    ]
    case = {
        "CaseID": "{00000000-0000-0000-0000-000000000000}",
        "TotalMediaFiles": "99",  # counts disagree with the records; only the records count
        "Media": [
            media(10, 1, "a", MediaFiles=files),
            media(11, 0, "b", MediaFiles=[]),
            media(12, 2, "c"),
            media(13, 3, "d"),
            media(14, 4, "e"),
            media(15, None, "f"),
        ],
    }
    path = write(tmp_path / "case.json", vics_text("@odata.context", US_CASES_CONTEXT, [case]))
    entries = read(path)
    assert len(entries) == 6
    assert [e.category for e in entries] == [
        Category.UNCATEGORISED,
        Category.NOT_INDECENT,
        Category.UNCATEGORISED,
        Category.UNCATEGORISED,
        Category.NOT_INDECENT,
        Category.UNCATEGORISED,
    ]
    assert entries[0].source_id == "10"


def test_v1_file_needs_a_profile(tmp_path: Path) -> None:
    case = {"Media": [media(1, "2", "a", AlternativeHashes=[{"HashName": "SHA1", "HashValue": sha1("a")}])]}
    path = write(tmp_path / "v1.json", vics_text("odata.metadata", V1_METADATA, [case]))
    with pytest.raises(UsageError, match="--profile"):
        read(path)
    with pytest.raises(UsageError, match=r"version 1\.3"):
        FORMAT.resolve_profile(path, path.read_bytes(), ReadOptions())
    (entry,) = read(path, "uk")
    assert entry.category is Category.B  # a category written as text "2" is still the number 2
    assert entry.sha1 == sha1("a")


@pytest.mark.parametrize("segment", ["Default", "CUSTOM"])
def test_default_and_custom_contexts_need_a_profile(tmp_path: Path, segment: str) -> None:
    context = UK_CONTEXT.replace("/UK/", f"/{segment}/")
    path = write(tmp_path / "x.json", vics_text("@odata.context", context, [media(1, 1, "a")]))
    with pytest.raises(UsageError, match=f"says profile {segment.upper()}"):
        read(path)
    assert read(path, "us")[0].category is Category.UNCATEGORISED


def test_unknown_category_is_rejected_naming_the_record_unless_a_profile_maps_it(tmp_path: Path) -> None:
    records = [media(16, 1, "a"), media(17, 7, "b")]
    path = write(tmp_path / "x.json", vics_text("@odata.context", UK_CONTEXT, records))
    with pytest.raises(HashSetFormatError) as caught:
        read(path)
    assert caught.value.location == "record 2 (MediaID 17)"
    assert "category 7 is not in profile 'uk'" in caught.value.message
    custom = CategoryProfile.from_json(
        {"name": "uk-plus", "map": {"1": "A", "7": "C", "null": "uncategorised"}}, "test"
    )
    entries = FORMAT.read(path, ReadOptions(profile=custom))
    assert [e.category for e in entries] == [Category.A, Category.C]


def bad_records() -> list[tuple[dict[str, Any], str]]:
    return [
        (media(17, 1, "x", MD5=md5("x")[:30]), "md5 must be 32 hex digits"),
        (media(17, 1, "x", MD5=None), "no MD5"),
        (media(17, 1, "x", SHA1="zz" * 20), "hex digits only"),
        (media(17, 1, "x", AlternativeHashes=[{"HashName": "PDQ", "HashValue": "abc"}]), "pdq must be 64"),
        (media(17, 1, "x", AlternativeHashes={"HashName": "PDQ"}), "must be a list"),
        (
            media(17, 1, "x", AlternativeHashes=[{"HashName": "SHA1", "HashValue": sha1("y")}]),
            "two different",
        ),
        (media(17, True, "x"), "is not a number"),
        (media(17, "A", "x"), "category a is not in profile"),
    ]


@pytest.mark.parametrize(("record", "words"), bad_records())
def test_malformed_record_is_rejected_by_number_and_media_id(tmp_path: Path, record: Any, words: str) -> None:
    path = write(tmp_path / "x.json", vics_text("@odata.context", UK_CONTEXT, [media(16, 1, "a"), record]))
    with pytest.raises(HashSetFormatError) as caught:
        read(path)
    assert caught.value.location == "record 2 (MediaID 17)"
    assert words in caught.value.message


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    text = vics_text("@odata.context", UK_CONTEXT, [media(1, 1, "a")])
    path = write(tmp_path / "x.json", text.replace('"MediaSize": 2835,', '"MediaSize": 2835,,'))
    with pytest.raises(HashSetFormatError) as caught:
        read(path)
    assert caught.value.location is not None
    assert caught.value.location.startswith("line 9 column")


def test_not_vics_json_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "x.json", json.dumps({"@odata.context": UK_CONTEXT, "items": []}))
    with pytest.raises(HashSetFormatError, match="no 'value' list"):
        read(path)
    path = write(tmp_path / "y.json", json.dumps({"@odata.context": UK_CONTEXT, "value": [{"Name": "x"}]}))
    with pytest.raises(HashSetFormatError) as caught:
        read(path)
    assert caught.value.location == "value[0]"


def test_utf16_export_from_older_tools_reads(tmp_path: Path) -> None:
    text = vics_text("@odata.context", UK_CONTEXT, [media(1, 3, "a")])
    path = tmp_path / "u16.json"
    path.write_bytes(text.encode("utf-16"))
    assert FORMAT.sniff(path.read_bytes())
    assert read(path)[0].category is Category.C


def test_context_parsing() -> None:
    assert VicsContext.from_url(UK_CONTEXT) == VicsContext("2.0", "UK")
    assert VicsContext.from_url(V1_METADATA) == VicsContext("1.3", None)
    assert VicsContext.from_url("http://example.invalid/odd") == VicsContext(None, None)


def written(entries: list[Entry], profile: str | None = None) -> str:
    buffer = io.StringIO()
    FORMAT.write(entries, buffer, WriteOptions(profile=load_profile(profile) if profile else None))
    return buffer.getvalue()


def test_writer_round_trips_through_the_reader(tmp_path: Path) -> None:
    entries = [
        Entry(
            md5=md5("a"), sha1=sha1("a"), sha256=sha256("a"), pdq=pdq("a"), category=Category.A, source_id="5"
        ),
        Entry(md5=md5("b"), photodna="AAEC", category=Category.B, source_id="6"),
        Entry(md5=md5("c"), category=Category.C, source_id="7"),
        Entry(md5=md5("d"), category=Category.NOT_INDECENT, source_id="8"),
        Entry(md5=md5("e"), category=Category.UNCATEGORISED, source_id="9"),
        Entry(md5=md5("f"), vpdq=(VpdqFrame(pdq("v"), 90, 1.0),), category=Category.C, source_id="10"),
    ]
    text = written(entries)
    document = json.loads(text)
    assert document["@odata.context"] == UK_CONTEXT
    assert document["value"][0]["Category"] == 1
    assert document["value"][4]["Category"] is None
    assert read(write(tmp_path / "out.json", text)) == entries


def test_writer_numbers_records_without_a_numeric_source_id(tmp_path: Path) -> None:
    text = written([Entry(md5=md5("a"), category=Category.C, source_id="photo.jpg")])
    assert json.loads(text)["value"][0]["MediaID"] == 1


def test_writer_uses_the_us_profile_where_it_can(tmp_path: Path) -> None:
    entries = [Entry(md5=md5("a"), source_id="1"), Entry(md5=md5("b"), category=Category.NOT_INDECENT)]
    text = written(entries, "us")
    assert "/2.0.xml/US/" in text
    assert [r["Category"] for r in json.loads(text)["value"]] == [None, 0]
    assert [e.category for e in read(write(tmp_path / "us.json", text))] == [e.category for e in entries]


def test_writer_marks_a_user_profile_custom() -> None:
    custom = CategoryProfile.from_json({"name": "ours", "map": {"1": "A", "null": "uncategorised"}}, "test")
    buffer = io.StringIO()
    FORMAT.write([Entry(md5=md5("a"), category=Category.A)], buffer, WriteOptions(profile=custom))
    assert "/2.0.xml/CUSTOM/" in buffer.getvalue()


def test_writer_refuses_what_vics_cannot_say() -> None:
    with pytest.raises(UsageError, match="no number for"):
        written([Entry(md5=md5("a"), category=Category.A)], "us")
    with pytest.raises(UsageError, match="no MD5"):
        written([Entry(pdq=pdq("a"), category=Category.A)])


def test_sniff() -> None:
    assert FORMAT.sniff(b'\xef\xbb\xbf{\r\n\t"@odata.context":"x"')
    assert FORMAT.sniff(b'{"odata.metadata":"x","value":[')
    assert not FORMAT.sniff(b'{"name": "uk", "map": {}}')


def test_escaped_slashes_in_the_context_still_name_the_profile(tmp_path: Path) -> None:
    text = vics_text("@odata.context", UK_CONTEXT, [media(1, 2, "a")]).replace("/", "\\/")
    path = write(tmp_path / "escaped.json", text)
    profile = FORMAT.resolve_profile(path, path.read_bytes(), ReadOptions())
    assert profile is not None
    assert profile.name == "uk"
    assert read(path)[0].category is Category.B

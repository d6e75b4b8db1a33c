"""Exhibits and the indictment from items alone: every item counts in one exhibit, and places read well."""

from __future__ import annotations

from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord, Media, item_place
from warden.report.exhibits import exhibit_sections, indictment_section
from warden.report.summary import summarize


def listed(evidence: str, path: str, sha1: str, category: Category, media: Media = Media.STILL) -> ItemRecord:
    item = ItemRecord(evidence=evidence, path=path, media=media, sha1=sha1)
    item.matches = [MatchRecord("set", MatchKind.EXACT, "md5", 0, "original", "1", category)]
    return item


def test_an_item_of_an_unrecorded_exhibit_still_adds_up() -> None:
    items = [
        listed("disk.E01", "disk.E01//p1//a.jpg", "s1", Category.A),
        listed("stray", "x.mp4", "m", Category.B, Media.MOVIE),
    ]
    evidence = [{"label": "disk.E01", "path": "/ev/disk.E01", "kind": "file", "sha256": "ab"}]
    exhibits = exhibit_sections(evidence, items)
    assert [(e["number"], e["label"], e["path"]) for e in exhibits] == [
        (1, "disk.E01", "/ev/disk.E01"),
        (2, "stray", None),
    ]
    indictment = indictment_section(summarize(items).to_json())
    assert (
        indictment["counts"]["B"]["movies"]
        == sum(e["by_category"]["B"]["movies_files"] for e in exhibits)
        == 1
    )


def test_an_empty_case_has_an_empty_indictment() -> None:
    indictment = indictment_section(summarize([]).to_json())
    assert indictment["total"] == 0 and indictment["most_serious"] is None


def test_an_items_place_names_its_exhibit_once() -> None:
    assert item_place("laptop", "DCIM/a.jpg") == "laptop/DCIM/a.jpg"
    assert item_place("disk.E01", "disk.E01//p2//Users/x/a.jpg") == "disk.E01//p2//Users/x/a.jpg"
    assert item_place("disk.E01", "disk.E01") == "disk.E01"
    assert item_place("disk", "disk.E01") == "disk/disk.E01"

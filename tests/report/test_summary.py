"""Counting as the indictment counts: per category, stills and movies apart, files and distinct images."""

from __future__ import annotations

from warden.model.categories import Category
from warden.model.records import ItemError, ItemRecord, MatchKind, MatchRecord, Media
from warden.model.states import State
from warden.report.summary import summarize


def item(path: str, sha1: str, media: Media, *categories: Category, error: bool = False) -> ItemRecord:
    record = ItemRecord(evidence="ex1", path=path, media=media, sha1=sha1)
    record.matches = [
        MatchRecord("set", MatchKind.EXACT, "md5", 0, "original", f"id-{c.value}", c) for c in categories
    ]
    if error:
        record.errors.append(ItemError("decode", "broken"))
    return record


def test_files_and_distinct_images_per_category_stills_and_movies_apart() -> None:
    items = [
        item("a1.jpg", "s1", Media.STILL, Category.A),
        item("copy/a1.jpg", "s1", Media.STILL, Category.A),
        item("a2.jpg", "s2", Media.STILL, Category.A),
        item("b.mp4", "m1", Media.MOVIE, Category.B),
        item("b-copy.mp4", "m1", Media.MOVIE, Category.B),
        item("c.png", "s3", Media.STILL, Category.C),
        item("holiday.jpg", "s4", Media.STILL),
        item("notes.txt", "t1", Media.OTHER),
    ]
    summary = summarize(items).to_json()
    assert summary["by_category"] == {
        "A": {"stills_files": 3, "stills_unique": 2, "movies_files": 0, "movies_unique": 0},
        "B": {"stills_files": 0, "stills_unique": 0, "movies_files": 2, "movies_unique": 1},
        "C": {"stills_files": 1, "stills_unique": 1, "movies_files": 0, "movies_unique": 0},
    }
    assert summary["files_total"] == 8
    assert summary["media_total"] == 7
    assert summary["unmatched_media"] == 1


def test_the_most_serious_category_wins_and_each_item_counts_once() -> None:
    summary = summarize([item("x.jpg", "s1", Media.STILL, Category.C, Category.A, Category.B)]).to_json()
    assert summary["by_category"]["A"]["stills_files"] == 1
    assert summary["by_category"]["B"]["stills_files"] == 0
    assert summary["by_category"]["C"]["stills_files"] == 0


def test_the_same_image_in_two_categories_is_distinct_in_each() -> None:
    # Two lists disagree about one image only when its copies matched different entries; count per category.
    summary = summarize(
        [item("x.jpg", "s1", Media.STILL, Category.A), item("y.jpg", "s1", Media.STILL, Category.B)]
    ).to_json()
    assert summary["by_category"]["A"]["stills_unique"] == 1
    assert summary["by_category"]["B"]["stills_unique"] == 1


def test_known_good_not_indecent_and_errors_are_counted_apart() -> None:
    summary = summarize(
        [
            item("sys.dll", "k1", Media.OTHER, Category.KNOWN_GOOD),
            item("beach.jpg", "n1", Media.STILL, Category.NOT_INDECENT),
            item("broken.jpg", "e1", Media.STILL, error=True),
        ]
    ).to_json()
    assert summary["known_good"] == 1
    assert summary["errors"] == 1
    assert summary["unmatched_media"] == 1
    assert all(counts["stills_files"] == 0 for counts in summary["by_category"].values())


def test_a_listed_file_that_is_not_recognisable_media_is_still_counted() -> None:
    summary = summarize([item("renamed.dat", "s9", Media.OTHER, Category.B)]).to_json()
    assert summary["by_category"]["B"]["stills_files"] == 1


def test_counts_are_split_by_where_items_were_found_and_thumbnails_kept_apart() -> None:
    live = item("a.jpg", "s1", Media.STILL, Category.A)
    deleted = item("p1//old/a.jpg", "s1", Media.STILL, Category.A)
    deleted.state = State.DELETED
    carved = item("p1//unallocated@0x1000.jpg", "s2", Media.STILL, Category.B)
    carved.state = State.CARVED
    thumb = item("a.jpg//exif-thumbnail", "t1", Media.STILL, Category.A)
    thumb.state = State.THUMBNAIL
    summary = summarize([live, deleted, carved, thumb]).to_json()
    assert summary["by_category"]["A"] == {
        "stills_files": 2,
        "stills_unique": 1,
        "movies_files": 0,
        "movies_unique": 0,
    }
    assert summary["by_category"]["B"]["stills_files"] == 1
    by_state = summary["by_state"]
    assert by_state["live"]["A"]["stills_files"] == 1
    assert by_state["deleted"]["A"]["stills_unique"] == 1
    assert by_state["carved"]["B"]["stills_files"] == 1
    assert by_state["thumbnail"]["A"]["stills_files"] == 1


def test_low_quality_pdq_is_counted_from_the_fact_not_from_a_note() -> None:
    plain = ItemRecord(evidence="ex1", path="plain.png", media=Media.STILL, sha1="p", low_quality_pdq=True)
    noted = ItemRecord(evidence="ex1", path="noted.png", media=Media.STILL, sha1="n", notes=["pdq quality 3"])
    assert summarize([plain, noted]).to_json()["low_quality_pdq"] == 1

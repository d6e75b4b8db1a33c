"""Banks: created, filled from a list or entry by entry, curated, and matched the way a platform would."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import media
from tests.serve.bank_service import PHOTOS, mirrored, open_banks, photo_csv
from warden.errors import HashSetExistsError, HashSetNotFoundError, NotFoundError, UsageError
from warden.hashing.item import hash_file
from warden.model.categories import Category
from warden.serve.live_index import LiveIndex
from warden.serve.lookup import Query, lookup, lookup_file


def test_a_bank_filled_from_a_canonical_csv_finds_the_photo_and_a_mirrored_copy(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("PHOTOS")
    assert banks.fill("PHOTOS", photo_csv(tmp_path)) == len(PHOTOS)
    index = LiveIndex(banks)
    index.refresh()

    same = lookup_file(index, media("photos", PHOTOS[1]))
    assert [(m.bank, m.content_id, m.category, m.distance) for m in same.matches][:1] == [
        ("PHOTOS", "photo-1", Category.C, 0)
    ]
    copy = lookup_file(index, mirrored(PHOTOS[1], tmp_path))
    assert copy.matches, "the mirrored copy is found"
    best = copy.matches[0]
    assert (best.content_id, best.hash_kind) == ("photo-1", "pdq")
    assert best.variant != "original"  # the copy's own mirror is what matched
    assert lookup_file(index, media("photos", "n01514668_cock.jpg")).matches == ()


def test_content_disabled_is_kept_but_not_matched_until_enabled_again(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("PHOTOS")
    banks.fill("PHOTOS", photo_csv(tmp_path))
    index = LiveIndex(banks)
    index.refresh()
    digest = hash_file(media("photos", PHOTOS[0])).sha256 or ""

    def found() -> list[str]:
        return [m.content_id for m in lookup(index, [Query("sha256", digest)])[0].matches]

    assert found() == ["photo-0"]
    banks.disable("PHOTOS", "photo-0")
    index.refresh()
    assert found() == []
    total, page = banks.content("PHOTOS")
    assert total == len(PHOTOS)
    assert {item.content_id: item.enabled for item in page}["photo-0"] is False
    banks.enable("PHOTOS", "photo-0")
    index.refresh()
    assert found() == ["photo-0"]


def test_disabling_content_a_bank_does_not_hold_is_refused(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("PHOTOS")
    banks.fill("PHOTOS", photo_csv(tmp_path))  # in the base
    added = banks.add("PHOTOS", {"md5": "0" * 32}, Category.C, "added-later")  # in the change log
    for unknown in ("photo-99", "x" * 300, "added-never"):
        with pytest.raises(NotFoundError, match="holds no content"):
            banks.disable("PHOTOS", unknown)
    banks.disable("PHOTOS", "photo-1")
    banks.disable("PHOTOS", added)
    banks.remove("PHOTOS", [added])
    with pytest.raises(NotFoundError):
        banks.enable("PHOTOS", added)
    assert banks.has_content("PHOTOS", "photo-1") and not banks.has_content("PHOTOS", added)


def test_content_added_one_by_one_is_matched_then_removed_and_merged(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("ADDED")
    index = LiveIndex(banks)
    index.refresh()
    pdq = hash_file(media("photos", PHOTOS[2])).pdq or ""
    content = banks.add("ADDED", {"pdq": pdq}, Category.B, "shark")
    index.refresh()
    assert [(m.content_id, m.category) for m in lookup(index, [Query("pdq", pdq)])[0].matches] == [
        ("shark", Category.B)
    ]
    assert banks.merge("ADDED")
    index.refresh()
    assert index.snapshot.banks["ADDED"].base is not None  # now in the big index
    assert [m.content_id for m in lookup(index, [Query("pdq", pdq)])[0].matches] == [content]
    banks.remove("ADDED", [content])
    index.refresh()
    assert lookup(index, [Query("pdq", pdq)])[0].matches == ()
    assert banks.content("ADDED") == (0, [])


def test_banks_are_listed_paged_configured_and_deleted(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("B_ONE")
    banks.create("A_TWO", matching_enabled_ratio=0.0)
    assert [(b.name, b.matching_enabled_ratio) for b in banks.list_banks()] == [
        ("A_TWO", 0.0),
        ("B_ONE", 1.0),
    ]
    with pytest.raises(HashSetExistsError):
        banks.create("B_ONE")
    for bad in ("lower", "1X", "A-B", ""):
        with pytest.raises(UsageError, match="UPPER_WITH_UNDERSCORE"):
            banks.create(bad)
    with pytest.raises(UsageError, match="between 0 and 1"):
        banks.set_ratio("B_ONE", 1.5)
    with pytest.raises(UsageError, match="not a md5 value"):
        banks.add("B_ONE", {"md5": "xyz"})
    ids = [banks.add("A_TWO", {"md5": f"{n:032x}"}, content_id=f"c{n}") for n in range(5)]
    total, page = banks.content("A_TWO", offset=1, limit=2)
    assert (total, [item.content_id for item in page]) == (5, ids[1:3])
    assert page[0].hashes == {"md5": f"{1:032x}"}

    index = LiveIndex(banks)
    index.refresh()
    query = [Query("md5", f"{3:032x}")]
    assert lookup(index, query)[0].matches == ()  # matching_enabled_ratio 0: the bank takes no part
    assert [m.content_id for m in lookup(index, query, bypass_ratio=True)[0].matches] == ["c3"]
    banks.set_ratio("A_TWO", 1.0)
    index.refresh()
    assert [m.bank for m in lookup(index, query)[0].matches] == ["A_TWO"]

    banks.delete("A_TWO")
    index.refresh()
    assert lookup(index, query)[0].matches == ()
    assert [b.name for b in banks.list_banks()] == ["B_ONE"]
    with pytest.raises(HashSetNotFoundError):
        banks.add("A_TWO", {"md5": "0" * 32})

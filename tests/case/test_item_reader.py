"""The one item reader: every item comes back from the case as it was recorded, with its state as a State,
its problems split into errors and facts, and the low PDQ quality its scan's minimum made it."""

from __future__ import annotations

from pathlib import Path

from warden.case.folder import Case
from warden.case.items import evidence_roots, held_items, load_items, read_item, read_items, write_items
from warden.model.categories import Category
from warden.model.records import ItemError, ItemRecord, MatchKind, MatchRecord, Media
from warden.model.states import State


def _case(tmp_path: Path) -> tuple[Case, dict[str, int]]:
    case = Case.open(tmp_path / "case", create=True)
    set_ids = case.set_hashsets(
        [
            {
                "name": "listed",
                "format": "csv",
                "profile": None,
                "entries": 1,
                "sha256": "ab" * 32,
                "source": "x",
            }
        ],
        has_items=False,
    )
    phone = case.add_evidence("phone", str(tmp_path / "phone"), "folder", None, None)
    scan = case.start_scan({"pdq_distance": 31, "pdq_min_quality": 60, "vpdq_percent": 80.0})
    exact = MatchRecord("listed", MatchKind.EXACT, "sha1", 0, "original", "L-1", Category.B)
    records = [
        ItemRecord("phone", "DCIM/a.jpg", Media.STILL, sha1="a", pdq="f" * 64, pdq_quality=59),
        ItemRecord(
            "phone", "DCIM/b.jpg", Media.STILL, sha1="b", pdq="e" * 64, pdq_quality=60, matches=[exact]
        ),
        ItemRecord("phone", "old/c.jpg", Media.STILL, sha1="c", state=State.DELETED),
        ItemRecord("phone", "cache.db//1", Media.STILL, sha1="d", state=State.THUMBNAIL),
        ItemRecord(
            "phone",
            "x.zip",
            errors=[ItemError("decode", "broken")],
            not_examined="encrypted archive",
        ),
    ]
    with case.engine.begin() as connection:
        write_items(connection, [(phone, record) for record in records], scan_id=scan, hashset_ids=set_ids)
    case.finish_scan(scan, "completed", {})
    return case, {f"{r.evidence}/{r.path}": r.item_id or 0 for r in load_items(case.engine)}


def test_items_come_back_with_their_state_problems_and_low_quality(tmp_path: Path) -> None:
    case, _ = _case(tmp_path)
    loaded = {f"{r.evidence}/{r.path}": r for r in load_items(case.engine)}
    assert [r.path for r in load_items(case.engine)] == sorted(r.path for r in loaded.values())
    assert loaded["phone/old/c.jpg"].state is State.DELETED
    assert loaded["phone/cache.db//1"].state is State.THUMBNAIL
    assert loaded["phone/DCIM/a.jpg"].state is State.LIVE
    # Under the minimum the scan recorded (60), and only there.
    assert loaded["phone/DCIM/a.jpg"].low_quality_pdq
    assert not loaded["phone/DCIM/b.jpg"].low_quality_pdq
    archive = loaded["phone/x.zip"]
    assert archive.errors == [ItemError("decode", "broken")]
    assert archive.not_examined == "encrypted archive"
    assert [p.stage for p in archive.problems] == ["decode", "not-examined"]
    assert loaded["phone/DCIM/b.jpg"].category is Category.B


def test_the_item_page_the_lists_and_the_reports_read_the_same_record(tmp_path: Path) -> None:
    case, ids = _case(tmp_path)
    whole = {r.item_id: r for r in load_items(case.engine)}
    with case.engine.connect() as connection:
        assert read_item(connection, ids["phone/old/c.jpg"]) == whole[ids["phone/old/c.jpg"]]
        assert read_item(connection, max(ids.values()) + 1) is None
        media = read_items(connection, media=[Media.STILL, Media.MOVIE])
        assert set(media) == {ids[k] for k in ids if k != "phone/x.zip"}
        assert all(media[item_id] == whole[item_id] for item_id in media)
        assert held_items(connection, [ids["phone/x.zip"], 10_000]) == {ids["phone/x.zip"]}
        assert held_items(connection, [ids["phone/x.zip"]], media=[Media.STILL]) == set()
        assert evidence_roots(connection) == {"phone": str(tmp_path / "phone")}

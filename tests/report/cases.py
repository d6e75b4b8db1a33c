"""A small case built by code, in-process and fast: two exhibits of generated images, a listed image found on
both, examiner grades with one confirmed and one disputed, and a scan run with its thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from warden.case import accounts, grades
from warden.case.folder import Case
from warden.case.items import write_items
from warden.hashing.item import hash_file
from warden.model.categories import Category
from warden.model.records import ItemRecord, MatchKind, MatchRecord
from warden.model.states import State

THRESHOLDS = {"pdq_distance": 31, "pdq_min_quality": 50, "vpdq_percent": 80.0}


@dataclass
class SmallCase:
    """The case and the facts a test checks against."""

    case: Case
    evidence: dict[str, Path]
    ids: dict[str, int]
    users: dict[str, int]


def picture(path: Path, seed: int, size: tuple[int, int] = (96, 72)) -> Path:
    """A busy generated picture (blocks of random colour): high PDQ quality, nothing depicted."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, size=(size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    image = Image.fromarray(blocks).resize(size, Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def _record(label: str, root: Path, relative: str, state: State = State.LIVE) -> ItemRecord:
    hashes = hash_file(root / relative)
    return ItemRecord(
        evidence=label,
        path=relative,
        media=hashes.media,
        format=hashes.format,
        size=hashes.size,
        md5=hashes.md5,
        sha1=hashes.sha1,
        sha256=hashes.sha256,
        pdq=hashes.pdq,
        pdq_quality=hashes.pdq_quality,
        mtime="2026-01-02T03:04:05.000000Z",
        state=state,
    )


def build_small_case(root: Path) -> SmallCase:
    """Exhibit ``laptop`` (listed image twice, three graded images, one unmatched, a text file) and exhibit
    ``phone`` (the listed image again, deleted, and a perceptual match)."""
    laptop, phone = root / "laptop", root / "phone"
    picture(laptop / "DCIM/a.jpg", 1)
    (laptop / "Downloads").mkdir(parents=True)
    (laptop / "Downloads/a-copy.jpg").write_bytes((laptop / "DCIM/a.jpg").read_bytes())
    picture(laptop / "b.png", 2)
    picture(laptop / "c.jpg", 3)
    picture(laptop / "d.jpg", 4)
    picture(laptop / "e.jpg", 5)
    (laptop / "notes.txt").write_text("shopping list\n")
    picture(phone / "old/a.jpg", 1)
    (phone / "old/a.jpg").write_bytes((laptop / "DCIM/a.jpg").read_bytes())
    picture(phone / "f.jpg", 6)

    case = Case.open(root / "case", create=True)
    set_ids = case.set_hashsets(
        [
            {
                "name": "listed",
                "format": "csv",
                "profile": None,
                "entries": 2,
                "sha256": "ab" * 32,
                "source": "listed.csv",
            }
        ],
        has_items=False,
    )
    laptop_id = case.add_evidence("laptop", str(laptop), "folder", None, None)
    phone_id = case.add_evidence("phone", str(phone), "folder", None, None)
    scan = case.start_scan(
        {"hashsets": ["listed"], "exact_pdq": False, "vpdq_seconds_per_hash": 1.0, **THRESHOLDS}
    )
    exact = MatchRecord("listed", MatchKind.EXACT, "sha1", 0, "original", "L-1", Category.A)
    perceptual = MatchRecord("listed", MatchKind.PDQ, "pdq", 12, "flip_x", "L-2", Category.C)
    records: list[tuple[int, ItemRecord]] = []
    for relative in ("DCIM/a.jpg", "Downloads/a-copy.jpg", "b.png", "c.jpg", "d.jpg", "e.jpg", "notes.txt"):
        record = _record("laptop", laptop, relative)
        if "a" in Path(relative).stem.split("-")[0]:
            record.matches = [exact]
        records.append((laptop_id, record))
    deleted = _record("phone", phone, "old/a.jpg", state=State.DELETED)
    deleted.matches = [exact]
    matched = _record("phone", phone, "f.jpg")
    matched.matches = [perceptual]
    records += [(phone_id, deleted), (phone_id, matched)]
    with case.engine.begin() as connection:
        write_items(connection, records, scan_id=scan, hashset_ids=set_ids)
    case.finish_scan(scan, "completed", {"hashed": len(records), "items": len(records)})

    ids = {f"{r.evidence}/{r.path}": r.item_id for r in _loaded(case)}
    with case.engine.begin() as connection:
        ann = accounts.create(connection, "ann", "examiner", "correct horse 1", by="admin").id
        rob = accounts.create(connection, "rob", "reviewer", "correct horse 2", by="admin").id
        grades.grade(connection, [ids["laptop/b.png"]], Category.B, user_id=ann)
        grades.grade(connection, [ids["laptop/c.jpg"]], Category.C, user_id=ann)
        grades.grade(connection, [ids["laptop/e.jpg"]], Category.NOT_INDECENT, user_id=ann)
        grades.review(connection, ids["laptop/b.png"], "confirm", user_id=rob)
        grades.review(connection, ids["laptop/c.jpg"], "dispute", user_id=rob, note="looks like category B")
        accounts.authenticate(connection, "ann", "correct horse 1")
    return SmallCase(
        case,
        {"laptop": laptop, "phone": phone},
        {k: v for k, v in ids.items() if v},
        {"ann": ann, "rob": rob},
    )


def _loaded(case: Case) -> list[ItemRecord]:
    from warden.case.items import load_items

    return load_items(case.engine)

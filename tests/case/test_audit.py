"""The audit log is a keyed chain that covers the rows evidence depends on (issue 8, point 19).

Altering or removing an entry is found; so is editing a grade and computing the chain again without the key
(the reproduction), deleting the last entries without an anchor, changing any covered table, and rows
written into the database outside Warden. A format-3 case keeps its plain entries verifiable and is keyed
from its upgrade on.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, delete, insert, select, update

from warden.case import accounts, audit, grades, schema
from warden.case.audit_verify import ChainStatus, check_chain
from warden.case.database import _alembic_config, sqlite_url
from warden.case.folder import Case
from warden.case.items import write_items
from warden.errors import AuditBrokenError, KeyFileError
from warden.model.categories import Category
from warden.model.records import ItemError, ItemRecord, MatchKind, MatchRecord, Media
from warden.private import read_key_file


def status_of(case: Case) -> ChainStatus:
    with case.engine.connect() as connection:
        return check_chain(connection)


def make_case(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    for number in range(4):
        case.audit("test.step", {"n": number})
    return case


def graded_case(tmp_path: Path) -> Case:
    """A case with every covered table holding rows: evidence, a hash set, items with a match and an error,
    accounts, grades, a confirmation and a split."""
    case = Case.open(tmp_path / "case", create=True)
    evidence = case.add_evidence("disk", "/evidence/disk", "folder", None, None)
    sets = case.set_hashsets(
        [
            {
                "name": "made-up",
                "format": "csv",
                "profile": None,
                "entries": 1,
                "sha256": "0" * 64,
                "source": "x",
            }
        ],
        has_items=False,
    )
    scan = case.start_scan({"workers": 1})
    match = MatchRecord("made-up", MatchKind.EXACT, "md5", 0.0, "original", "17", Category.A)
    records = [
        ItemRecord("disk", "a.jpg", Media.STILL, "jpeg", 10, md5="1" * 32, matches=[match]),
        ItemRecord("disk", "b.jpg", Media.STILL, "jpeg", 11, md5="2" * 32),
        ItemRecord("disk", "c.jpg", Media.STILL, "jpeg", 0, errors=[ItemError("decode", "truncated")]),
    ]
    with case.engine.begin() as connection:
        write_items(connection, [(evidence, r) for r in records], scan_id=scan, hashset_ids=sets)
    case.finish_scan(scan, "completed", {"hashed": 3, "items": 3})
    with case.engine.begin() as connection:
        ann = accounts.create(connection, "ann", "examiner", "ann's long password", by="admin")
        rob = accounts.create(connection, "rob", "reviewer", "rob's long password", by="admin")
        grades.grade(connection, [1, 2], Category.B, user_id=ann.id)
        grades.review(connection, 1, "confirm", user_id=rob.id)
        grades.split_off(connection, 2, user_id=ann.id)
    return case


def test_an_untouched_log_verifies_and_is_keyed_from_its_first_entry(tmp_path: Path) -> None:
    status = status_of(make_case(tmp_path))
    assert status.verified and status.entries == 5 and status.keyed_from == 1 and status.key_id


def test_an_altered_entry_is_found(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(
            update(schema.audit_log).where(schema.audit_log.c.id == 3).values(actor="someone else")
        )
    fault = status_of(case).fault
    assert fault is not None and fault.entry_id == 3 and fault.reason.startswith("altered")


def test_a_removed_entry_is_found(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id == 2))
    fault = status_of(case).fault
    assert fault is not None and fault.entry_id == 2 and "missing" in fault.reason


def _rechain_without_the_key(connection: Connection) -> None:
    """What an attacker without the key can do: compute every entry's hash again, as plain SHA-256."""
    log = schema.audit_log
    prev = audit.GENESIS
    for row in connection.execute(select(log).order_by(log.c.id)).all():
        digest = audit.entry_hash(prev, row.at, row.actor, row.action, row.detail)
        connection.execute(
            update(log).where(log.c.id == row.id).values(prev_hash=prev, hash=digest, scheme=audit.PLAIN)
        )
        prev = digest
    last = connection.execute(select(log.c.id).order_by(log.c.id.desc()).limit(1)).scalar_one()
    connection.execute(update(schema.audit_head).values(entry_id=last, hash=prev))


def test_editing_a_grade_and_rechaining_the_log_is_found(tmp_path: Path) -> None:
    case = graded_case(tmp_path)
    assert status_of(case).verified
    with case.engine.begin() as connection:
        connection.execute(update(schema.grades).values(category="A"))
        _rechain_without_the_key(connection)
    status = status_of(case)
    assert not status.verified and status.fault is not None


def test_editing_a_grade_alone_names_the_entry_that_sealed_it(tmp_path: Path) -> None:
    case = graded_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(update(schema.grades).where(schema.grades.c.id == 1).values(category="A"))
    fault = status_of(case).fault
    assert fault is not None and fault.action == "grade" and "grades rows it sealed" in fault.reason


COVERED = [
    (schema.items, {"md5": "f" * 32}),
    (schema.matches, {"category": "C"}),
    (schema.item_errors, {"message": "nothing wrong"}),
    (schema.grade_reviews, {"verdict": "dispute"}),
    (schema.cluster_splits, {"at": "2000-01-01T00:00:00Z"}),
    (schema.evidence, {"sha256": "e" * 64}),
    (schema.hashsets, {"sha256": "d" * 64}),
    (schema.users, {"role": "admin"}),
]


@pytest.mark.parametrize(("table", "values"), COVERED, ids=[table.name for table, _ in COVERED])
def test_a_change_to_any_covered_table_is_found(
    tmp_path: Path, table: object, values: dict[str, str]
) -> None:
    case = graded_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(update(table).values(**values))  # type: ignore[arg-type]
    status = status_of(case)
    assert status.fault is not None, table
    assert table.name in status.fault.reason  # type: ignore[attr-defined]


def test_a_row_deleted_from_a_sealed_range_is_found(tmp_path: Path) -> None:
    case = graded_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(delete(schema.matches))
    fault = status_of(case).fault
    assert fault is not None and "matches rows it sealed" in fault.reason


def _forge_grade(connection: Connection) -> None:
    connection.execute(
        insert(schema.grades).values(
            item_id=3,
            category="A",
            user_id=1,
            judge_id=1,
            at="2026-12-03T00:00:00Z",
            action="grade",
            batch="x",
        )
    )


def test_a_row_added_after_the_last_entry_is_found(tmp_path: Path) -> None:
    case = graded_case(tmp_path)
    with case.engine.begin() as connection:
        _forge_grade(connection)
    fault = status_of(case).fault
    assert fault is not None and "rows no entry covers (grades 3)" in fault.reason


def test_a_forged_row_sealed_by_the_next_login_is_found(tmp_path: Path) -> None:
    case = graded_case(tmp_path)
    with case.engine.begin() as connection:
        _forge_grade(connection)
    with case.engine.begin() as connection:
        accounts.authenticate(connection, "ann", "wrong password, twelve+")
    fault = status_of(case).fault
    assert fault is not None and fault.action == "login.failed" and "outside Warden" in fault.reason


def test_a_cut_off_log_is_refused_for_appending(tmp_path: Path) -> None:
    case = make_case(tmp_path)
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id == 5))
    with pytest.raises(AuditBrokenError, match="names"):
        case.audit("test.step", {"n": 99})


def test_without_the_audit_key_the_log_is_unchecked_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(tmp_path)
    monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(tmp_path / "elsewhere" / "audit.key"))
    status = status_of(case)
    assert not status.verified and status.fault is None and "is not here" in (status.unchecked or "")
    with pytest.raises(KeyFileError, match="keyed with audit key"):
        case.audit("test.step", {"n": 5})  # a new key is made, and it is not the case's
    assert "keyed with audit key" in (status_of(case).unchecked or "")


def _format_3_case(folder: Path) -> Path:
    """A case as Warden made it before format 4: its log a plain SHA-256 chain, a grade in its tables."""
    from alembic import command

    folder.mkdir()
    engine = create_engine(sqlite_url(folder / "case.db"))
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        meta = {"case_id": "old-case", "created": "2026-11-01T00:00:00Z", "tool_version": "0.3"}
        connection.execute(insert(schema.case_meta), [{"key": k, "value": v} for k, v in meta.items()])
        prev = audit.GENESIS
        for number, action in enumerate(("case.create", "test.step", "test.step"), start=1):
            at, detail = f"2026-11-01T00:00:0{number}Z", json.dumps({"n": number})
            digest = audit.entry_hash(prev, at, "ann", action, detail)
            connection.exec_driver_sql(
                "insert into audit_log (id, at, actor, action, detail, prev_hash, hash) "
                "values (?,?,?,?,?,?,?)",
                (number, at, "ann", action, detail, prev, digest),
            )
            prev = digest
    engine.dispose()
    return folder


def test_a_format_3_case_upgrades_and_is_keyed_from_its_upgrade(tmp_path: Path) -> None:
    case = Case.open(_format_3_case(tmp_path / "old"))
    status = status_of(case)
    assert status.verified and status.entries == 4 and status.keyed_from == 4
    with case.engine.connect() as connection:
        schemes = connection.execute(select(schema.audit_log.c.scheme).order_by(schema.audit_log.c.id)).all()
    assert [s for (s,) in schemes] == ["sha256", "sha256", "sha256", "hmac-sha256"]
    with sqlite3.connect(tmp_path / "old" / "case.db") as raw:
        raw.execute("update audit_log set detail = '{\"n\":7}' where id = 2")
    fault = status_of(case).fault
    assert fault is not None and fault.entry_id == 2 and fault.reason.startswith("altered")


def test_items_a_rerun_redoes_are_released_not_taken_for_tampering(tmp_path: Path) -> None:
    from warden.case.redo import forget

    case = graded_case(tmp_path)
    scan = case.start_scan({"workers": 1})
    again = ItemRecord("disk", "c.jpg", Media.STILL, "jpeg", 12, md5="3" * 32)
    with case.engine.begin() as connection:
        forget(connection, [3], actor="ann", scan_id=scan)
        write_items(connection, [(1, again)], scan_id=scan, hashset_ids={"made-up": 1})
    case.finish_scan(scan, "completed", {"hashed": 1, "items": 1})
    assert status_of(case).verified
    with case.engine.begin() as connection:
        connection.execute(delete(schema.items).where(schema.items.c.id == 3))  # the redone item
    fault = status_of(case).fault
    assert fault is not None and "items rows it sealed" in fault.reason


def test_a_report_with_another_audit_key_writes_nothing_and_exits_14(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from warden.cli import main

    case = make_case(tmp_path)
    out = tmp_path / "reports"
    for elsewhere in ("missing", "other"):
        key = tmp_path / elsewhere / "audit.key"
        if elsewhere == "other":
            read_key_file(key, "audit key", create=True)
        monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(key))
        assert main(["report", str(case.path), "--out", str(out)]) == 14
        said = capsys.readouterr().err
        assert "keyed with audit key" in said and "WARDEN_AUDIT_KEY_FILE" in said
        assert not out.exists()
    assert not (tmp_path / "missing").exists()  # checking for a key never makes one

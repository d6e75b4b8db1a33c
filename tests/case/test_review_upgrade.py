"""A format-3 case upgraded to format 4 keeps its accounts and grades, and gains from what it held who created
each account and whose judgement each grade is (format 3 credited an undo's restored grade to the undoer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select

from warden.case import grades, schema
from warden.case.database import MIGRATIONS, make_engine, migrate, read_meta, sqlite_url

AT = "2026-11-30T10:00:00Z"


def format_3_case(engine: Engine) -> None:
    """A case at format 3 with accounts, an undo that restored rob's grade under ann's name, and an undo back
    to no grade (only format-3 columns are written)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
        connection.execute(
            schema.evidence.insert().values(id=1, label="e", path="/e", kind="folder", added_at=AT)
        )
        connection.execute(
            schema.scans.insert().values(id=1, started_at=AT, status="completed", options="{}", operator="op")
        )
        connection.execute(
            schema.items.insert(),
            [{"id": i, "evidence_id": 1, "path": f"{i}.jpg", "media": "still", "scan_id": 1} for i in (1, 2)],
        )
        connection.execute(
            schema.users.insert(),
            [
                {"id": i, "name": name, "role": "admin", "password_hash": "x", "created_at": AT}
                for i, name in ((1, "admin"), (2, "ann"), (3, "rob"))
            ],
        )
        connection.execute(
            schema.audit_log.insert(),
            [
                {
                    "at": AT,
                    "actor": actor,
                    "action": "account.create",
                    "detail": json.dumps({"name": name, "role": "admin"}),
                    "prev_hash": "",
                    "hash": "",
                }
                for actor, name in (("warden", "admin"), ("admin", "ann"), ("op", "rob"))
            ],
        )
        rows = [
            (1, 1, "A", 3, "grade", "b1", None),
            (2, 1, "B", 2, "grade", "b2", None),
            (3, 2, "C", 2, "grade", "b3", None),
            (4, 1, "A", 2, "undo", "u1", "b2"),
            (5, 2, None, 2, "undo", "u2", "b3"),
        ]
        names = ("id", "item_id", "category", "user_id", "action", "batch", "note")
        connection.execute(
            schema.grades.insert(), [dict(zip(names, row, strict=True)) | {"at": AT} for row in rows]
        )


def check_upgrade(engine: Engine) -> None:
    format_3_case(engine)
    migrate(engine)
    with engine.connect() as connection:
        created_by = dict(connection.execute(select(schema.users.c.name, schema.users.c.created_by)).all())
        judges = dict(connection.execute(select(schema.grades.c.id, schema.grades.c.judge_id)).all())
        current = grades.current_grades(connection)
        history = grades.history(connection, 1)
        assert connection.execute(select(schema.login_throttle)).all() == []
    assert created_by == {"admin": None, "ann": 1, "rob": None}
    assert judges == {1: 3, 2: 2, 3: 2, 4: 3, 5: None}
    assert set(current) == {1}
    assert (current[1].user, current[1].category.value) == ("rob", "A")
    assert (history[-1].user, history[-1].what, history[-1].judge) == ("ann", "undo", "rob")
    assert "login_throttle" in inspect(engine).get_table_names()
    # the items held before keep their paths; the last of them is noted for a rerun's warning
    assert read_meta(engine)["paths_before_format_4"] == "2"


def test_a_format_3_sqlite_case_upgrades_keeping_what_it_held(tmp_path: Path) -> None:
    check_upgrade(make_engine(sqlite_url(tmp_path / "case.db")))


@pytest.mark.usefixtures("postgres_server")
@pytest.mark.slow
def test_a_format_3_postgresql_case_upgrades_keeping_what_it_held(postgres_url: str) -> None:
    check_upgrade(make_engine(postgres_url))

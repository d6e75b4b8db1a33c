"""Grades are appended by named users, undone in batches, reviewed by someone else, and all of it audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection

from warden.case import accounts, grades, schema
from warden.case.audit_verify import check_chain
from warden.case.folder import Case
from warden.clock import utc_now
from warden.errors import UsageError
from warden.model.categories import Category


@pytest.fixture
def case(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    with case.engine.begin() as connection:
        evidence = connection.execute(
            schema.evidence.insert().values(label="ex", path="/ex", kind="folder", added_at=utc_now())
        ).inserted_primary_key
        scan = connection.execute(
            schema.scans.insert().values(started_at=utc_now(), status="done", options="{}", operator="t")
        ).inserted_primary_key
        assert evidence is not None and scan is not None
        for number in range(1, 5):
            connection.execute(
                schema.items.insert().values(
                    id=number, evidence_id=evidence[0], path=f"{number}.jpg", media="still", scan_id=scan[0]
                )
            )
        accounts.create(connection, "ann", "examiner", "correct horse 1", by="test")
        accounts.create(connection, "rob", "reviewer", "correct horse 2", by="test")
    return case


def ids(connection: Connection) -> tuple[int, int]:
    names = {a.name: a.id for a in accounts.all_accounts(connection)}
    return names["ann"], names["rob"]


def test_grading_a_cluster_grades_every_member_and_undo_restores_them(case: Case) -> None:
    with case.engine.begin() as connection:
        ann, _ = ids(connection)
        grades.grade(connection, [1, 2], Category.C, user_id=ann, scope="cluster")
        grades.grade(connection, [1, 2, 3], Category.A, user_id=ann, scope="cluster")
        current = grades.current_grades(connection)
        assert {item: g.category for item, g in current.items()} == {
            1: Category.A,
            2: Category.A,
            3: Category.A,
        }
        assert grades.undo(connection, user_id=ann) == [1, 2, 3]
        current = grades.current_grades(connection)
        assert {item: g.category for item, g in current.items()} == {1: Category.C, 2: Category.C}
        assert grades.undo(connection, user_id=ann) == [1, 2]
        assert grades.current_grades(connection) == {}
        assert grades.undo(connection, user_id=ann) == []
        assert [entry.what for entry in grades.history(connection, 1)] == ["grade", "grade", "undo", "undo"]


def test_a_second_reviewer_confirms_or_disputes_with_a_reason(case: Case) -> None:
    with case.engine.begin() as connection:
        ann, rob = ids(connection)
        grades.grade(connection, [1], Category.B, user_id=ann)
        grades.grade(connection, [2], Category.C, user_id=ann)
        with pytest.raises(UsageError, match="someone other"):
            grades.review(connection, 1, "confirm", user_id=ann)
        with pytest.raises(UsageError, match="needs a reason"):
            grades.review(connection, 2, "dispute", user_id=rob)
        grades.review(connection, 1, "confirm", user_id=rob)
        grades.review(connection, 2, "dispute", user_id=rob, note="looks like category B")
        current = grades.current_grades(connection)
        assert current[1].status == "confirmed"
        assert current[2].status == "disputed"
        assert set(grades.disputed(connection)) == {2}
        # A new grade starts its reviews afresh.
        grades.grade(connection, [2], Category.B, user_id=ann, note="agreed")
        assert grades.current_grades(connection)[2].status == "unreviewed"
        with pytest.raises(UsageError, match="no grade"):
            grades.review(connection, 4, "confirm", user_id=rob)


def test_every_decision_is_in_the_audit_log_and_the_chain_holds(case: Case) -> None:
    with case.engine.begin() as connection:
        ann, rob = ids(connection)
        grades.grade(connection, [3], Category.NOT_INDECENT, user_id=ann)
        grades.review(connection, 3, "confirm", user_id=rob)
        grades.split_off(connection, 4, user_id=ann)
        grades.undo(connection, user_id=ann)
    with case.engine.connect() as connection:
        actions = [row.action for row in connection.execute(schema.audit_log.select())]
        assert check_chain(connection).verified
    assert {"grade", "grade.confirm", "cluster.split", "grade.undo"} <= set(actions)


def test_only_grades_an_examiner_gives_are_accepted(case: Case) -> None:
    with case.engine.begin() as connection:
        ann, _ = ids(connection)
        with pytest.raises(UsageError, match="not a grade"):
            grades.grade(connection, [1], Category.KNOWN_GOOD, user_id=ann)

"""Grades in the case database: given, undone and reviewed by named users, every change kept and audited.

Grades are appended, never changed: the current grade of an item is its latest row, so the whole history
stays. A batch is what one decision graded (one item, a cluster, a bulk selection); undo appends the grades
each item had before the user's latest batch. Each row records who acted (``user_id``) and whose judgement
its category is (``judge_id``): an undo is the undoer's act but restores someone's earlier grade, which stays
credited to that examiner. A second reviewer confirms or disputes an item's current grade, never one judged
by himself or by an account tied to him (:func:`warden.case.accounts.tied_to`); a new grade starts its
reviews afresh. Every call appends to the audit log in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, select

from warden.case import accounts, audit, schema
from warden.clock import utc_now
from warden.errors import UsageError
from warden.grading import rules
from warden.grading.rules import GRADES, VERDICTS
from warden.model.categories import Category
from warden.model.records import GradeRecord, ReviewRecord

__all__ = ["GRADES", "VERDICTS"]  # the rules' words, as the review app reads them here

_judge = func.coalesce(schema.grades.c.judge_id, schema.grades.c.user_id)
"""Whose judgement a grade row is (rows written before case format 4 name no judge: their grader's)."""


def _user_name(connection: Connection, user_id: int) -> str:
    name = connection.execute(select(schema.users.c.name).where(schema.users.c.id == user_id)).scalar()
    if name is None:
        raise UsageError(f"no user with id {user_id}")
    return str(name)


def grade(
    connection: Connection,
    item_ids: Sequence[int],
    category: Category,
    *,
    user_id: int,
    note: str | None = None,
    scope: str = "item",
) -> str:
    """Grade ``item_ids`` as ``category`` in one batch; returns the batch id.

    Args:
        scope: what the decision covered, for the audit log: ``item``, ``cluster`` or ``bulk``.

    Raises:
        UsageError: not a grade an examiner gives, or no items.
    """
    problem = rules.grade_problem(category, item_ids)
    if problem is not None:
        raise UsageError(problem)
    batch = uuid.uuid4().hex
    at = utc_now()
    connection.execute(
        schema.grades.insert(),
        [
            {
                "item_id": item,
                "category": category.value,
                "user_id": user_id,
                "judge_id": user_id,
                "at": at,
                "action": "grade",
                "batch": batch,
                "note": note,
            }
            for item in item_ids
        ],
    )
    audit.append(
        connection,
        _user_name(connection, user_id),
        "grade",
        {"items": list(item_ids), "category": category.value, "scope": scope, "batch": batch, "note": note},
    )
    return batch


def undo(connection: Connection, *, user_id: int) -> list[int]:
    """Undo the user's latest batch of grades not undone yet; returns the items it changed back.

    Undoing again goes one batch further back. An item graded again by someone else since keeps that grade
    in its history; the undo appends what the item had before the undone batch, credited to whoever judged it
    (the undoer is recorded as the one who acted).
    """
    undone = {
        row[0]
        for row in connection.execute(
            select(schema.grades.c.note).where(
                schema.grades.c.action == "undo", schema.grades.c.user_id == user_id
            )
        )
    }
    batches = connection.execute(
        select(schema.grades.c.batch)
        .where(and_(schema.grades.c.user_id == user_id, schema.grades.c.action == "grade"))
        .group_by(schema.grades.c.batch)
        .order_by(func.max(schema.grades.c.id).desc())
    ).scalars()
    last = rules.batch_to_undo(batches, undone)
    if last is None:
        return []
    rows = connection.execute(
        select(schema.grades.c.id, schema.grades.c.item_id).where(schema.grades.c.batch == last)
    ).all()
    batch = uuid.uuid4().hex
    at = utc_now()
    restored = []
    for grade_id, item_id in rows:
        before = connection.execute(
            select(schema.grades.c.category, _judge)
            .where(schema.grades.c.item_id == item_id, schema.grades.c.id < grade_id)
            .order_by(schema.grades.c.id.desc())
            .limit(1)
        ).first()
        category, judge = (before[0], before[1]) if before is not None else (None, None)
        connection.execute(
            schema.grades.insert().values(
                item_id=item_id,
                category=category,
                user_id=user_id,
                judge_id=judge if category is not None else None,
                at=at,
                action="undo",
                batch=batch,
                note=last,
            )
        )
        restored.append(int(item_id))
    audit.append(
        connection, _user_name(connection, user_id), "grade.undo", {"undid": last, "items": restored}
    )
    return restored


def review(
    connection: Connection, item_id: int, verdict: str, *, user_id: int, note: str | None = None
) -> None:
    """Record a second reviewer's verdict on the item's current grade.

    Raises:
        UsageError: the item has no grade, the verdict is unknown, a dispute gives no reason, or the grade is
            the reviewer's own or that of an account tied to him (one created by the other).
    """
    refused = rules.review_problem(verdict, note)
    if refused is not None:
        raise UsageError(refused)
    current = connection.execute(
        select(schema.grades.c.id, _judge.label("judge"), schema.grades.c.category)
        .where(schema.grades.c.item_id == item_id)
        .order_by(schema.grades.c.id.desc())
        .limit(1)
    ).first()
    if current is None or current.category is None:
        raise UsageError(f"item {item_id} has no grade to review")
    problem = independence_problem(connection, int(current.judge), user_id)
    if problem is not None:
        raise UsageError(problem)
    connection.execute(
        schema.grade_reviews.insert().values(
            grade_id=current.id, user_id=user_id, verdict=verdict, at=utc_now(), note=note
        )
    )
    audit.append(
        connection,
        _user_name(connection, user_id),
        f"grade.{verdict}",
        {"item": item_id, "grade": int(current.id), "category": current.category, "note": note},
    )


def independence_problem(connection: Connection, judge_id: int, reviewer_id: int) -> str | None:
    """Why ``reviewer_id`` may not review a grade judged by ``judge_id``, or None when he may
    (:func:`warden.grading.rules.independence_problem` with the names the case holds)."""
    if judge_id == reviewer_id:
        return rules.independence_problem(judge_id, "", reviewer_id, ())
    judge = _user_name(connection, judge_id)
    return rules.independence_problem(judge_id, judge, reviewer_id, accounts.tied_to(connection, reviewer_id))


def split_off(connection: Connection, item_id: int, *, user_id: int) -> None:
    """Take an item out of its near-duplicate cluster, to be graded on its own."""
    exists = connection.execute(
        select(schema.cluster_splits.c.item_id).where(schema.cluster_splits.c.item_id == item_id)
    ).first()
    if exists is None:
        connection.execute(
            schema.cluster_splits.insert().values(item_id=item_id, user_id=user_id, at=utc_now())
        )
        audit.append(connection, _user_name(connection, user_id), "cluster.split", {"item": item_id})


def split_items(connection: Connection) -> set[int]:
    """Items split off their clusters."""
    return {int(row[0]) for row in connection.execute(select(schema.cluster_splits.c.item_id))}


def current_grades(connection: Connection, item_ids: Iterable[int] | None = None) -> dict[int, GradeRecord]:
    """The current grade of every graded item (or of ``item_ids``), with its reviews."""
    latest = (
        select(schema.grades.c.item_id, func.max(schema.grades.c.id).label("grade_id"))
        .group_by(schema.grades.c.item_id)
        .subquery()
    )
    query = (
        select(schema.grades, schema.users.c.name)
        .join(latest, latest.c.grade_id == schema.grades.c.id)
        .join(schema.users, schema.users.c.id == _judge)
    )
    if item_ids is not None:
        query = query.where(schema.grades.c.item_id.in_(list(item_ids)))
    rows = [row for row in connection.execute(query).mappings() if row["category"] is not None]
    reviews: dict[int, list[ReviewRecord]] = defaultdict(list)
    if rows:
        review_rows = connection.execute(
            select(schema.grade_reviews, schema.users.c.name)
            .join(schema.users, schema.users.c.id == schema.grade_reviews.c.user_id)
            .where(schema.grade_reviews.c.grade_id.in_([row["id"] for row in rows]))
            .order_by(schema.grade_reviews.c.id)
        ).mappings()
        for row in review_rows:
            reviews[row["grade_id"]].append(ReviewRecord(row["name"], row["verdict"], row["at"], row["note"]))
    return {
        int(row["item_id"]): GradeRecord(
            grade_id=int(row["id"]),
            category=Category(row["category"]),
            user=row["name"],
            at=row["at"],
            note=row["note"],
            reviews=tuple(reviews.get(row["id"], [])),
        )
        for row in rows
    }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One change of an item's grade or one review of it, for the item's page.

    Attributes:
        user: who acted.
        judge: whose judgement the category is, when not ``user``'s (an undo restoring another's grade).
    """

    at: str
    user: str
    what: str
    category: str | None
    note: str | None
    judge: str | None = None


def history(connection: Connection, item_id: int) -> list[HistoryEntry]:
    """Every grade, undo and review of an item, oldest first."""
    entries = []
    judges = schema.users.alias("judges")
    grade_rows = connection.execute(
        select(schema.grades, schema.users.c.name, judges.c.name.label("judge"))
        .join(schema.users, schema.users.c.id == schema.grades.c.user_id)
        .outerjoin(judges, judges.c.id == schema.grades.c.judge_id)
        .where(schema.grades.c.item_id == item_id)
        .order_by(schema.grades.c.id)
    ).mappings()
    grade_ids = []
    for row in grade_rows:
        grade_ids.append(row["id"])
        note = None if row["action"] == "undo" else row["note"]
        judge = row["judge"] if row["judge"] != row["name"] else None
        entries.append(HistoryEntry(row["at"], row["name"], row["action"], row["category"], note, judge))
    if grade_ids:
        review_rows = connection.execute(
            select(schema.grade_reviews, schema.grades.c.category, schema.users.c.name)
            .join(schema.grades, schema.grades.c.id == schema.grade_reviews.c.grade_id)
            .join(schema.users, schema.users.c.id == schema.grade_reviews.c.user_id)
            .where(schema.grade_reviews.c.grade_id.in_(grade_ids))
        ).mappings()
        for row in review_rows:
            entries.append(HistoryEntry(row["at"], row["name"], row["verdict"], row["category"], row["note"]))
    entries.sort(key=lambda entry: entry.at)
    return entries


def disputed(connection: Connection) -> dict[int, GradeRecord]:
    """Items whose current grade the latest review disputes."""
    return {
        item: record for item, record in current_grades(connection).items() if record.status == "disputed"
    }

"""Case format 4: what testing found (issue 8): accounts know who created them, grades who judged them,
and the audit chain is keyed and covers the tables evidence depends on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _review_backfill(connection: sa.Connection) -> None:
    """Fill the review columns of a format-3 case from what it holds.

    ``created_by`` comes from the audit log's ``account.create`` entries whose actor is an account; a grade's
    judge is its grader, and an undo's judge is the judge of the grade it restored (format 3 credited the
    undoer, which is the fault this corrects).
    """
    import json
    from collections import defaultdict

    users = sa.table("users", sa.column("id"), sa.column("name"), sa.column("created_by"))
    log = sa.table("audit_log", sa.column("id"), sa.column("actor"), sa.column("action"), sa.column("detail"))
    grades = sa.table(
        "grades",
        *(sa.column(name) for name in ("id", "item_id", "user_id", "action", "batch", "note", "judge_id")),
    )
    ids = {str(name): int(key) for key, name in connection.execute(sa.select(users.c.id, users.c.name))}
    creators: dict[int, int] = {}
    created = log.c.action == "account.create"
    for actor, detail in connection.execute(
        sa.select(log.c.actor, log.c.detail).where(created).order_by(log.c.id)
    ):
        try:
            name = json.loads(detail).get("name")
        except (ValueError, TypeError, AttributeError):
            continue
        if actor in ids and name in ids and ids[name] != ids[actor]:
            creators.setdefault(ids[name], ids[actor])
    for account, creator in creators.items():
        connection.execute(sa.update(users).where(users.c.id == account).values(created_by=creator))
    judges: dict[int, int | None] = {}
    earlier: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = connection.execute(
        sa.select(
            grades.c.id, grades.c.item_id, grades.c.user_id, grades.c.action, grades.c.batch, grades.c.note
        ).order_by(grades.c.id)
    ).all()
    for grade_id, item_id, user_id, action, batch, note in rows:
        if action == "undo":
            before = earlier[item_id]
            undone = next((i for i, (_, done) in enumerate(before) if done == note), None)
            judges[grade_id] = judges[before[undone - 1][0]] if undone else None
        else:
            judges[grade_id] = user_id
        earlier[item_id].append((grade_id, batch))
    for grade_id, judge in judges.items():
        if judge is not None:
            connection.execute(sa.update(grades).where(grades.c.id == grade_id).values(judge_id=judge))


def _review() -> None:
    """Review app: accounts and grades (section owned by the review-app work)."""
    # BEGIN review
    # Who created each account (refusing a second review by the grader's own creations), whose judgement each
    # grade row is (an undo restores another's grade), and failed password checks counted in the database.
    for table, column in (("users", "created_by"), ("grades", "judge_id")):
        if op.get_bind().dialect.name == "sqlite":
            # SQLite adds a referencing column in place (Alembic would copy the table, which the foreign keys
            # of sessions and grades forbid while they are enforced).
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES users (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer, sa.ForeignKey("users.id")))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("since", sa.Float, nullable=False),
    )
    _review_backfill(op.get_bind())
    # END review


def _audit() -> None:
    """Audit chain and evidential integrity (section owned by the audit work)."""
    # BEGIN audit
    # Entries written from now on are keyed (HMAC-SHA-256) and carry a seal of the rows they cover; the
    # entries a format-3 case holds stay plain SHA-256 and are verified as such.
    op.add_column("audit_log", sa.Column("scheme", sa.String(16), nullable=False, server_default="sha256"))
    op.add_column("audit_log", sa.Column("seal", sa.Text))
    # One keyed row naming the last entry: a log cut short no longer matches it. Appends lock this row.
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer),
        sa.Column("hash", sa.String(64)),
        sa.Column("keyed_from", sa.Integer),
        sa.Column("key_id", sa.String(16)),
        sa.Column("cover", sa.Text),
        sa.Column("mac", sa.String(64)),
    )
    op.bulk_insert(head, [{"id": 1}])
    # END audit


def _scan() -> None:
    """Scan facts: text recorded from the evidence and the hash sets has no length limit."""
    # BEGIN scan
    # Text a case records from what it is given, which may be longer than 255 characters once escaped:
    # a source ID (md5sum lists name files by path), an exhibit's label and a hash set's name. SQLite never
    # enforced the length; PostgreSQL does.
    if op.get_bind().dialect.name != "sqlite":
        for table, column in (("matches", "source_id"), ("evidence", "label"), ("hashsets", "name")):
            op.alter_column(table, column, type_=sa.Text)
    # Item paths are escaped differently from format 4 on (evidence.names); the items a case already holds
    # keep the paths they were recorded under, and the last of them is noted so a rerun can warn.
    last = op.get_bind().execute(sa.text("SELECT max(id) FROM items")).scalar()
    if last is not None:
        op.execute(
            sa.text("INSERT INTO case_meta (key, value) VALUES ('paths_before_format_4', :last)").bindparams(
                last=str(last)
            )
        )
    # END scan


def upgrade() -> None:
    """Apply each section in turn; a format-3 case keeps everything it held."""
    _review()
    _audit()
    _scan()


def downgrade() -> None:
    """Format 4 is not undone: a case is only ever upgraded."""
    raise NotImplementedError("case format 4 cannot be downgraded")

"""Case format 1: evidence, hash sets, scans, items, matches, per-item errors and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the format-1 tables."""
    op.create_table(
        "case_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(255), nullable=False, unique=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("added_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "hashsets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("profile", sa.String(255)),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("operator", sa.String(255), nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("evidence_id", sa.Integer, sa.ForeignKey("evidence.id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("mtime", sa.String(40)),
        sa.Column("ctime", sa.String(40)),
        sa.Column("atime", sa.String(40)),
        sa.Column("md5", sa.String(32)),
        sa.Column("sha1", sa.String(40)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("media", sa.String(16), nullable=False),
        sa.Column("format", sa.String(32)),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("pdq", sa.String(64)),
        sa.Column("pdq_quality", sa.Integer),
        sa.Column("vpdq", sa.Text),
        sa.Column("category", sa.String(32)),
        sa.Column("notes", sa.Text),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
        sa.UniqueConstraint("evidence_id", "path", name="uq_items_evidence_path"),
    )
    op.create_index("ix_items_sha1", "items", ["sha1"])
    op.create_index("ix_items_category", "items", ["category"])
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("hashset_id", sa.Integer, sa.ForeignKey("hashsets.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hash_kind", sa.String(16), nullable=False),
        sa.Column("distance", sa.Float, nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("category", sa.String(32), nullable=False),
    )
    op.create_index("ix_matches_item", "matches", ["item_id"])
    op.create_table(
        "item_errors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_item_errors_item", "item_errors", ["item_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop everything (a case is never downgraded in practice; here for completeness)."""
    for table in (
        "audit_log",
        "item_errors",
        "matches",
        "items",
        "scans",
        "hashsets",
        "evidence",
        "case_meta",
    ):
        op.drop_table(table)

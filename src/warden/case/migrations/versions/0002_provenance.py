"""Case format 2: where each item was found (state, provenance chain, parent) and facts about evidence files.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the provenance columns; items of a format-1 case were all live files in folders."""
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="live"))
        batch.add_column(sa.Column("provenance", sa.Text))
        batch.add_column(sa.Column("parent", sa.Text))
        batch.add_column(sa.Column("crtime", sa.String(40)))
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("details", sa.Text))


def downgrade() -> None:
    """Drop the provenance columns."""
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("items") as batch:
        for column in ("crtime", "parent", "provenance", "state"):
            batch.drop_column(column)

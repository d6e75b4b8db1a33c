"""Service database format 2: banks' bases published in the database, for replicas on other machines.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of published bases (empty: a base is published by its next merge)."""
    op.create_table(
        "bank_bases",
        sa.Column("base", sa.String(64), primary_key=True),
        sa.Column("bank", sa.String(64), nullable=False, index=True),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("published_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "bank_base_chunks",
        sa.Column("base", sa.String(64), primary_key=True),
        sa.Column("file", sa.String(200), primary_key=True),
        sa.Column("chunk", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bank", sa.String(64), nullable=False, index=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )

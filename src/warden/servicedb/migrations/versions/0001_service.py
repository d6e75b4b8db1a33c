"""Service database format 1: keys, banks, actions (one section each).

Revision ID: s0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def _keys() -> None:
    """API keys, their scopes, expiry, revocation and rate counters."""
    # BEGIN keys
    # END keys


def _banks() -> None:
    """Banks: their state in the service (the entries themselves are sealed in the hash-set store)."""
    # BEGIN banks
    # END banks


def _actions() -> None:
    """Match records, webhook endpoints, deliveries and the dead letters."""
    # BEGIN actions
    # END actions


def upgrade() -> None:
    """Create the service database."""
    op.create_table(
        "service_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    _keys()
    _banks()
    _actions()


def downgrade() -> None:
    """The service database is only ever upgraded."""
    raise NotImplementedError("the service database cannot be downgraded")

"""Case format 4: what testing found (issue 8): accounts know who created them, grades who judged them,
and the audit chain is keyed and covers the tables evidence depends on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _review() -> None:
    """Review app: accounts and grades (section owned by the review-app work)."""
    # BEGIN review
    # END review


def _audit() -> None:
    """Audit chain and evidential integrity (section owned by the audit work)."""
    # BEGIN audit
    # END audit


def _scan() -> None:
    """Scan facts: zero-byte files, containers not examined (section owned by the scan-facts work)."""
    # BEGIN scan
    # END scan


def upgrade() -> None:
    """Apply each section in turn; a format-3 case keeps everything it held."""
    _review()
    _audit()
    _scan()


def downgrade() -> None:
    """Format 4 is not undone: a case is only ever upgraded."""
    raise NotImplementedError("case format 4 cannot be downgraded")

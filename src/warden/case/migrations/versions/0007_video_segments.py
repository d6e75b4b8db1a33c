"""Case format 7: where in each video a video match lies (issue 13): the stretches of the item that are
stretches of the listed video, kept with the match.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``matches.segments``. Matches recorded before are whole-video or image matches: NULL, as a new
    image match is (and a NULL changes no audit seal)."""
    op.add_column("matches", sa.Column("segments", sa.Text))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("matches") as batch:
        batch.drop_column("segments")

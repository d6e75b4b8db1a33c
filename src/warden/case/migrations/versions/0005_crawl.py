"""Case format 5: `warden crawl` (issue 11): the crawl runs, the frontier of URLs with each one's result and
place in the WARC files, and the WARC files of ``capture/``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the crawl tables; a case of format 4 has never been crawled, so they start empty."""
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("operator", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text),
    )
    op.create_table(
        "crawl_urls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("via", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("hops", sa.Integer, nullable=False, server_default="0"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("status", sa.Integer),
        sa.Column("content_type", sa.Text),
        sa.Column("size", sa.BigInteger),
        sa.Column("payload_sha256", sa.String(64)),
        sa.Column("warc", sa.Text),
        sa.Column("warc_offset", sa.BigInteger),
        sa.Column("fetched_at", sa.String(40)),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("crawl_runs.id")),
    )
    op.create_index("ix_crawl_urls_state", "crawl_urls", ["state"])
    op.create_table(
        "crawl_warcs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("committed_end", sa.BigInteger, nullable=False),
        sa.Column("records", sa.Integer, nullable=False, server_default="0"),
        sa.Column("closed_at", sa.String(40)),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
    )


def downgrade() -> None:
    """Drop the crawl tables."""
    op.drop_table("crawl_warcs")
    op.drop_index("ix_crawl_urls_state", table_name="crawl_urls")
    op.drop_table("crawl_urls")
    op.drop_table("crawl_runs")

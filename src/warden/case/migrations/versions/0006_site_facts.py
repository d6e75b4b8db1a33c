"""Case format 6: what a crawl saw of a site (issue 11 point 4): each host's addresses, TLS certificate and
response headers, and each fetched page's structure and the media it refers to.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the site tables. A format-5 crawl's pages are read on its next run (or ``warden crawl`` run
    again); its hosts' facts were not collected then, and the report says none were recorded."""
    op.create_table(
        "crawl_hosts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.Text, nullable=False, unique=True),
        sa.Column("addresses", sa.Text),
        sa.Column("addresses_source", sa.Text),
        sa.Column("certificate", sa.LargeBinary),
        sa.Column("certificate_source", sa.Text),
        sa.Column("headers", sa.Text),
        sa.Column("headers_source", sa.Text),
        sa.Column("first_seen", sa.String(40), nullable=False),
    )
    op.create_table(
        "crawl_pages",
        sa.Column("url_id", sa.Integer, sa.ForeignKey("crawl_urls.id"), primary_key=True),
        sa.Column("structure", sa.Text, nullable=False),
        sa.Column("refers", sa.Text, nullable=False),
        sa.Column("read_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop the site tables."""
    op.drop_table("crawl_pages")
    op.drop_table("crawl_hosts")

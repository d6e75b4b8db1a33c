"""Case format 8: conversations found on the evidence (issue 15 point 2): each source item read once, its
conversations, participants, messages and attachments, and the attachments' links to recorded items.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the conversation tables and index items by SHA-256. A format-7 case has none: its next scan
    reads the conversations of the items it recorded before (an item's format, ``sqlite``, was recorded
    since this format only: databases recorded earlier are found when scanned into a new case)."""
    op.create_index("ix_items_sha256", "items", ["sha256"])
    op.create_table(
        "conversation_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("reader", sa.String(64)),
        sa.Column("conversations", sa.Integer, nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False),
    )
    source = sa.ForeignKey("conversation_sources.id", ondelete="CASCADE")
    op.create_table(
        "conversation_problems",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, source, nullable=False),
        sa.Column("provenance", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_conversation_problems_source", "conversation_problems", ["source_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("conversation_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("app", sa.String(64), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("provenance", sa.Text, nullable=False),
    )
    op.create_index("ix_conversations_source", "conversations", ["source_id"])
    op.create_table(
        "conversation_participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("is_owner", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_conversation_participants_conversation", "conversation_participants", ["conversation_id"]
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "source_id",
            sa.Integer,
            sa.ForeignKey("conversation_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE")),
        sa.Column("conversation_key", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("sender", sa.Text),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("utc", sa.String(40)),
        sa.Column("raw_time", sa.Text, nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("provenance", sa.Text, nullable=False),
    )
    op.create_index("ix_messages_source", "messages", ["source_id"])
    op.create_index("ix_messages_conversation", "messages", ["conversation_id"])
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("path", sa.Text),
        sa.Column("mime", sa.Text),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("provenance", sa.Text, nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="SET NULL")),
        sa.Column("linked_by", sa.String(16)),
    )
    op.create_index("ix_message_attachments_message", "message_attachments", ["message_id"])
    op.create_index("ix_message_attachments_item", "message_attachments", ["item_id"])


def downgrade() -> None:
    """Drop the conversation tables and the index."""
    for table in (
        "message_attachments",
        "messages",
        "conversation_participants",
        "conversations",
        "conversation_problems",
        "conversation_sources",
    ):
        op.drop_table(table)
    op.drop_index("ix_items_sha256", "items")

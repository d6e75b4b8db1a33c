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
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("rate_per_minute", sa.Integer, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("expires", sa.Float, nullable=True),
        sa.Column("revoked", sa.Float, nullable=True),
    )
    op.create_table(
        "api_key_rates",
        sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("minute", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("requests", sa.Integer, nullable=False),
    )
    # END keys


def _banks() -> None:
    """Banks: their state in the service (the entries themselves are sealed in the hash-set store)."""
    # BEGIN banks
    op.create_table(
        "bank_log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(sa.table("bank_log_head", sa.column("id"), sa.column("seq")), [{"id": 1, "seq": 0}])
    op.create_table(
        "banks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("matching_enabled_ratio", sa.Float, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("base", sa.String(64), nullable=True),
        sa.Column("base_seq", sa.BigInteger, nullable=False),
        sa.Column("merging_until", sa.Float, nullable=True),
    )
    op.create_table(
        "bank_changes",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("bank", sa.String(64), nullable=False, index=True),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("content_id", sa.String(256), nullable=True),
        sa.Column("entry", sa.LargeBinary, nullable=True),
        sa.Column("at", sa.String(40), nullable=False),
    )
    op.create_table(
        "bank_disabled",
        sa.Column("bank", sa.String(64), primary_key=True),
        sa.Column("content_id", sa.String(256), primary_key=True),
    )
    # END banks


def _actions() -> None:
    """Match records, webhook endpoints, deliveries and the dead letters."""
    # BEGIN actions
    op.create_table(
        "match_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(36), nullable=False, unique=True),
        sa.Column("matched_at", sa.String(40), nullable=False, index=True),
        sa.Column("content_id", sa.String(256), nullable=False, index=True),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("entry_content_id", sa.String(256), nullable=True),
        sa.Column("hash_kind", sa.String(32), nullable=False),
        sa.Column("distance", sa.Float, nullable=False),
        sa.Column("variant", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("events", sa.Text, nullable=False),
        sa.Column("banks", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("disabled", sa.Float, nullable=True),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "endpoint_id",
            sa.Integer,
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt", sa.Float, nullable=False, index=True),
        sa.Column("claimed_until", sa.Float, nullable=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
        sa.Column("finished", sa.Float, nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )
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

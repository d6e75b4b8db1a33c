"""The service database's tables, declared once; ``migrations/`` creates them (a test compares the two).

Sections, one per part of the service: keys (API keys and their use), banks (what the service matches
against and what is switched off), actions (match records, webhook endpoints and deliveries).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

FORMAT_VERSION = 2
"""Bumped with every migration that changes what the service database holds."""

metadata = MetaData()

service_meta = Table(
    "service_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# BEGIN keys
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    # SHA-256 of the key (hex): the key itself is shown once, when created, and never stored.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("rate_per_minute", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=True),
    Column("revoked", Float, nullable=True),
)

api_key_rates = Table(
    "api_key_rates",
    metadata,
    Column("key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    # The minute counted (seconds since the epoch // 60) and the requests made in it.
    Column("minute", BigInteger, primary_key=True, autoincrement=False),
    Column("requests", Integer, nullable=False),
)
# END keys

# BEGIN banks
bank_log_head = Table(
    "bank_log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)
"""One row: the last sequence number of ``bank_changes``. A change takes its number by updating this row, so
writers queue on it and numbers are committed in order (a poller never skips one committed late)."""

banks = Table(
    "banks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("matching_enabled_ratio", Float, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("base", String(64), nullable=True),
    Column("base_seq", BigInteger, nullable=False),
    Column("merging_until", Float, nullable=True),
)
"""A bank: its HMA ratio, and its big index (``base``: a set in the hash-set store holding every change up to
``base_seq``); ``merging_until`` claims the one merge in progress."""

bank_changes = Table(
    "bank_changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("bank", String(64), nullable=False, index=True),
    Column("op", String(16), nullable=False),
    Column("content_id", String(256), nullable=True),
    Column("entry", LargeBinary, nullable=True),
    Column("at", String(40), nullable=False),
)
"""The change log every worker polls: content added (the entry sealed) or removed since the bank's base,
and markers (``create``, ``config``, ``disable``, ``base``, ``drop``...) that make workers reload."""

bank_disabled = Table(
    "bank_disabled",
    metadata,
    Column("bank", String(64), primary_key=True),
    Column("content_id", String(256), primary_key=True),
)
"""Content kept in its bank but not matched."""

bank_bases = Table(
    "bank_bases",
    metadata,
    Column("base", String(64), primary_key=True),
    Column("bank", String(64), nullable=False, index=True),
    Column("files", Text, nullable=False),
    Column("published_at", String(40), nullable=False),
)
"""A base whose files are published in the database (a PostgreSQL service's): its files' names, sizes and
SHA-256, written last, so a base listed here has every chunk. Replicas on other machines copy it from here."""

bank_base_chunks = Table(
    "bank_base_chunks",
    metadata,
    Column("base", String(64), primary_key=True),
    Column("file", String(200), primary_key=True),
    Column("chunk", Integer, primary_key=True, autoincrement=False),
    Column("bank", String(64), nullable=False, index=True),
    Column("data", LargeBinary, nullable=False),
)
"""The bytes of a published base's files, in chunks of at most 4 MiB (sealed as they are on disk)."""
# END banks

# BEGIN actions
match_records = Table(
    "match_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # A random public id: what a webhook, a report draft and the CLI name the record by.
    Column("record_id", String(36), nullable=False, unique=True),
    Column("matched_at", String(40), nullable=False, index=True),
    Column("content_id", String(256), nullable=False, index=True),
    # The upload's hashes as JSON, sealed with the hash-set key: a copy of the database alone does not
    # tell which hashes are on the lists.
    Column("hashes", LargeBinary, nullable=False),
    Column("bank", String(64), nullable=False),
    Column("entry_content_id", String(256), nullable=True),
    Column("hash_kind", String(32), nullable=False),
    Column("distance", Float, nullable=False),
    Column("variant", String(64), nullable=False),
    Column("category", String(32), nullable=False),
)
"""What a platform must later report about one match of one upload (one row per bank entry matched)."""

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    # The signing secret sealed with the hash-set key (bound to the URL), never in clear.
    Column("secret", LargeBinary, nullable=False),
    Column("events", Text, nullable=False),
    Column("banks", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("disabled", Float, nullable=True),
)
"""Where signed notices go: a URL, its secret, and the events and banks it wants (empty: every bank)."""

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event", String(32), nullable=False),
    Column("body", LargeBinary, nullable=False),
    # pending (due at next_attempt; claimed while claimed_until is in the future), delivered or dead.
    Column("state", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt", Float, nullable=False, index=True),
    Column("claimed_until", Float, nullable=True),
    Column("created", Float, nullable=False),
    # No attempt is made after this time (a manual retry moves it on).
    Column("expires", Float, nullable=False),
    Column("finished", Float, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
)
"""One notice to one endpoint, a row so that it survives restarts; ``dead`` after the last attempt."""
# END actions

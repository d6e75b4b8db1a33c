"""The service database's tables, declared once; ``migrations/`` creates them (a test compares the two).

Sections, one per part of the service: keys (API keys and their use), banks (what the service matches
against and what is switched off), actions (match records, webhook endpoints and deliveries).
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

FORMAT_VERSION = 1
"""Bumped with every migration that changes what the service database holds."""

metadata = MetaData()

service_meta = Table(
    "service_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# BEGIN keys
# END keys

# BEGIN banks
# END banks

# BEGIN actions
# END actions

"""Tables of the case database (format version 8); the Alembic migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

FORMAT_VERSION = 8
"""Bumped with every migration that changes what a case holds; `case_meta.format_version` records it."""

metadata = MetaData()

case_meta = Table(
    "case_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", Text, nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("size", BigInteger),
    Column("sha256", String(64)),
    Column("added_at", String(40), nullable=False),
    Column("details", Text),
)

hashsets = Table(
    "hashsets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("format", String(64), nullable=False),
    Column("profile", String(255)),
    Column("entries", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", Text, nullable=False),
)

scans = Table(
    "scans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("status", String(32), nullable=False),
    Column("options", Text, nullable=False),
    Column("operator", String(255), nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("evidence_id", Integer, ForeignKey("evidence.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("size", BigInteger),
    Column("mtime", String(40)),
    Column("ctime", String(40)),
    Column("atime", String(40)),
    Column("md5", String(32)),
    Column("sha1", String(40)),
    Column("sha256", String(64)),
    Column("media", String(16), nullable=False),
    Column("format", String(32)),
    Column("width", Integer),
    Column("height", Integer),
    Column("pdq", String(64)),
    Column("pdq_quality", Integer),
    Column("vpdq", Text),
    Column("category", String(32)),
    Column("notes", Text),
    Column("state", String(16), nullable=False, server_default="live"),
    Column("provenance", Text),
    Column("parent", Text),
    Column("crtime", String(40)),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
    UniqueConstraint("evidence_id", "path", name="uq_items_evidence_path"),
)
Index("ix_items_sha1", items.c.sha1)
Index("ix_items_category", items.c.category)

matches = Table(
    "matches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("hashset_id", Integer, ForeignKey("hashsets.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("hash_kind", String(16), nullable=False),
    Column("distance", Float, nullable=False),
    Column("variant", String(64), nullable=False),
    Column("source_id", Text),
    Column("category", String(32), nullable=False),
    Column("segments", Text),
)
"""Format 7: ``segments``, for a video match, the stretches of the item that are stretches of the listed
video (a JSON list of ``warden.model.records.VideoSegment``); NULL otherwise."""
Index("ix_matches_item", matches.c.item_id)

item_errors = Table(
    "item_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("message", Text, nullable=False),
)
Index("ix_item_errors_item", item_errors.c.item_id)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("scheme", String(16), nullable=False, server_default="sha256"),
    Column("seal", Text),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer),
    Column("hash", String(64)),
    Column("keyed_from", Integer),
    Column("key_id", String(16)),
    Column("cover", Text),
    Column("mac", String(64)),
)
"""The audit chain's keyed head: one row (id 1), locked by every append, naming the last entry."""

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("must_change_password", Integer, nullable=False, server_default="0"),
    Column("disabled", Integer, nullable=False, server_default="0"),
    Column("created_at", String(40), nullable=False),
    # Format 4: the account (of this case) that created this one; null when made from the command line.
    Column("created_by", Integer, ForeignKey("users.id")),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

grades = Table(
    "grades",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id"), nullable=False),
    Column("category", String(32)),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("at", String(40), nullable=False),
    Column("action", String(16), nullable=False),
    Column("batch", String(64), nullable=False),
    Column("note", Text),
    # Format 4: whose judgement the category is (``user_id`` is who acted: an undo restores another's grade).
    Column("judge_id", Integer, ForeignKey("users.id")),
)
Index("ix_grades_item", grades.c.item_id)

grade_reviews = Table(
    "grade_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("grade_id", Integer, ForeignKey("grades.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("at", String(40), nullable=False),
    Column("note", Text),
)
Index("ix_grade_reviews_grade", grade_reviews.c.grade_id)

cluster_splits = Table(
    "cluster_splits",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("at", String(40), nullable=False),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("since", Float, nullable=False),
)
"""Format 4: failed password checks per account name and per client address, counted in the database so that
parallel guesses are counted one by one (``warden.case.login_throttle``)."""

# BEGIN crawl (format 5: `warden crawl`, see warden.case.crawl_state)
crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("status", String(32), nullable=False),
    Column("options", Text, nullable=False),
    Column("operator", String(255), nullable=False),
    Column("detail", Text),
)
"""Format 5: each run of `warden crawl` on the case, with the options it was given (robots ignored, TLS
not verified) and how it ended."""

crawl_urls = Table(
    "crawl_urls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("depth", Integer, nullable=False),
    Column("via", Text),
    Column("kind", String(16), nullable=False),
    Column("hops", Integer, nullable=False, server_default="0"),
    Column("state", String(16), nullable=False),
    Column("reason", Text),
    Column("status", Integer),
    Column("content_type", Text),
    Column("size", BigInteger),
    Column("payload_sha256", String(64)),
    Column("warc", Text),
    Column("warc_offset", BigInteger),
    Column("fetched_at", String(40)),
    Column("run_id", Integer, ForeignKey("crawl_runs.id")),
)
"""Format 5: the crawl's frontier, one row per URL seen: queued, done, error (fetched or tried, with the
reason) or skipped (never fetched, with the reason); a fetched URL's response record is in ``warc`` at
``warc_offset``."""
Index("ix_crawl_urls_state", crawl_urls.c.state)

crawl_warcs = Table(
    "crawl_warcs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("committed_end", BigInteger, nullable=False),
    Column("records", Integer, nullable=False, server_default="0"),
    Column("closed_at", String(40)),
    Column("size", BigInteger),
    Column("sha256", String(64)),
)
"""Format 5: the WARC files of ``capture/``: where the last committed record of each ends (a file is cut
back to it after a kill) and, once closed, its size and SHA-256."""

crawl_hosts = Table(
    "crawl_hosts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("host", Text, nullable=False, unique=True),
    Column("addresses", Text),
    Column("addresses_source", Text),
    Column("certificate", LargeBinary),
    Column("certificate_source", Text),
    Column("headers", Text),
    Column("headers_source", Text),
    Column("first_seen", String(40), nullable=False),
)
"""Format 6: what the crawl saw of each host, each fact once, from the first answer that showed it: the
addresses its name resolved to (a JSON list; empty when resolved at a proxy), the TLS certificate (DER) and
the response headers (JSON pairs), each with where it was seen (``warden.case.site_facts``)."""

crawl_pages = Table(
    "crawl_pages",
    metadata,
    Column("url_id", Integer, ForeignKey("crawl_urls.id"), primary_key=True),
    Column("structure", Text, nullable=False),
    Column("refers", Text, nullable=False),
    Column("read_at", String(40), nullable=False),
)
"""Format 6: each fetched HTML page as read after the fetches: what it shows of the site (the JSON of
``warden.crawl.structure``) and the URLs it links or embeds that are not pages (a JSON list), so that a
matched image is put under every page that showed it."""
# END crawl

# BEGIN conversations
Index("ix_items_sha256", items.c.sha256)
"""Format 8: attachments are linked to items by the SHA-256 their app recorded."""

conversation_sources = Table(
    "conversation_sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("reader", String(64)),
    Column("conversations", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
    Column("error", Text),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False),
)
"""Format 8: each item the scan looked at for conversations, once (a rerun skips it): the reader that read it
(NULL: no reader recognised it), how many conversations and messages were stored, or why it could not be
read."""

conversation_problems = Table(
    "conversation_problems",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("conversation_sources.id", ondelete="CASCADE"), nullable=False),
    Column("provenance", Text, nullable=False),
    Column("message", Text, nullable=False),
)
Index("ix_conversation_problems_source", conversation_problems.c.source_id)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("conversation_sources.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("app", String(64), nullable=False),
    Column("title", Text),
    Column("provenance", Text, nullable=False),
)
Index("ix_conversations_source", conversations.c.source_id)

conversation_participants = Table(
    "conversation_participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("name", Text),
    Column("is_owner", Boolean, nullable=False),
)
Index("ix_conversation_participants_conversation", conversation_participants.c.conversation_id)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("conversation_sources.id", ondelete="CASCADE"), nullable=False),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE")),
    Column("conversation_key", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("sender", Text),
    Column("direction", String(16), nullable=False),
    Column("utc", String(40)),
    Column("raw_time", Text, nullable=False),
    Column("text", Text),
    Column("kind", String(16), nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("provenance", Text, nullable=False),
)
"""Format 8: every message of a source in the source's order (``position``); ``conversation_id`` NULL when
the source names a conversation it does not list (the key is kept); ``utc`` ISO 8601, NULL when the stored
time cannot be read as one (``raw_time`` says how it was stored)."""
Index("ix_messages_source", messages.c.source_id)
Index("ix_messages_conversation", messages.c.conversation_id)

message_attachments = Table(
    "message_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text),
    Column("path", Text),
    Column("mime", Text),
    Column("size", BigInteger),
    Column("sha256", String(64)),
    Column("provenance", Text, nullable=False),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="SET NULL")),
    Column("linked_by", String(16)),
)
"""Format 8: the files messages carried as the app recorded them; ``item_id`` the recorded item that is the
file (``linked_by`` ``sha256``: the app's recorded SHA-256 equals the item's; ``path``: the app's recorded
path is the end of the item's path in the same evidence), NULL while none is."""
Index("ix_message_attachments_message", message_attachments.c.message_id)
Index("ix_message_attachments_item", message_attachments.c.item_id)
# END conversations

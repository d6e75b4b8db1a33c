"""Every setting Warden reads, declared once with its default and help text.

A setting comes from, in order: a command-line option where one exists, the environment variable
``WARDEN_<NAME>`` (upper case), then the default. ``docs/settings.md`` lists them all; a test fails when one
is missing there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, default (as text) and what it does."""

    name: str
    default: str
    help: str

    @property
    def env_var(self) -> str:
        """The environment variable that overrides the default."""
        return f"WARDEN_{self.name.upper()}"

    def raw(self) -> str:
        """The setting's text: from the environment if set there, else the default."""
        return os.environ.get(self.env_var, self.default)


SETTINGS: dict[str, Setting] = {}


def _declare(name: str, default: str, help_text: str) -> Setting:
    setting = Setting(name, default, help_text)
    if name in SETTINGS:
        raise ValueError(f"setting {name!r} declared twice")
    SETTINGS[name] = setting
    return setting


HOME = _declare(
    "home",
    "~/.local/share/warden",
    "Folder of the hash-set store (encrypted hash sets and their indexes). Never inside a case folder.",
)
KEY_FILE = _declare(
    "key_file",
    "~/.config/warden/hashsets.key",
    "File holding the 32-byte key that encrypts hash sets at rest; created (mode 0600) on first import. "
    "Keep it off the case folder and back it up: without it the store cannot be read.",
)
AUDIT_KEY_FILE = _declare(
    "audit_key_file",
    "~/.config/warden/audit.key",
    "File holding the 32-byte key that makes every case's audit log tamper-evident (HMAC-SHA-256); created "
    "(mode 0600) on first use. Keep it off the case folder, back it up, and give every machine that writes "
    "to the same case the same key: without it a case's log cannot be verified or appended to.",
)
WORKERS = _declare(
    "workers",
    "0",
    "Hashing processes for a scan; 0 means one per CPU core.",
)
ITEM_TIMEOUT = _declare(
    "item_timeout",
    "300",
    "Seconds one item may take to hash before its worker is stopped and the item recorded as an error.",
)
WORKER_MEMORY_MB = _declare(
    "worker_memory_mb",
    "4096",
    "Address-space limit of each hashing process, in MiB; an item that needs more is recorded as an error.",
)
MAX_IMAGE_PIXELS = _declare(
    "max_image_pixels",
    "250000000",
    "Images declaring more pixels than this are not decoded (decompression-bomb guard) and are recorded as "
    "errors.",
)
MAX_IMAGE_BYTES = _declare(
    "max_image_bytes",
    "536870912",
    "Images larger than this many bytes get their digests but are not decoded for PDQ; recorded as errors.",
)
PDQ_THRESHOLD = _declare(
    "pdq_threshold",
    "31",
    "Largest PDQ Hamming distance that counts as a match (Meta's recommendation is 31); also between two "
    "frames of videos (vPDQ), and between two stills of one cluster in the review queue.",
)
PDQ_MIN_QUALITY = _declare(
    "pdq_min_quality",
    "50",
    "PDQ hashes of lower quality never match perceptually (recorded as such), video frames of lower quality "
    "are ignored (vPDQ), and such stills stand alone in the review queue.",
)
VPDQ_SECONDS_PER_HASH = _declare(
    "vpdq_seconds_per_hash",
    "1",
    "Seconds between hashed video frames for vPDQ (the reference default is 1).",
)
VPDQ_MATCH_PERCENT = _declare(
    "vpdq_match_percent",
    "80",
    "Percentage of distinct frames that must match, in both directions, for two videos to match.",
)
VPDQ_SEGMENT_SECONDS = _declare(
    "vpdq_segment_seconds",
    "4",
    "Shortest stretch of a video, in seconds, that matches a stretch of a listed video (an excerpt, or a "
    "part of a compilation): its frames match the listed video's in order, at one offset in time. Four "
    "listed frames at the default one a second; see docs/limits.md.",
)
VPDQ_SEGMENT_PERCENT = _declare(
    "vpdq_segment_percent",
    "5",
    "A stretch that matches must also be at least this percentage of the shorter of the two videos, so "
    "that a few seconds two long videos share (an intro, a logo) do not make them match.",
)
MAX_DEPTH = _declare(
    "max_depth",
    "64",
    "Deepest folder level a scan descends; deeper folders are recorded as errors.",
)
SPOOL = _declare(
    "spool",
    "",
    "Folder under which a scan makes its private spool for items inside containers (copied there to be "
    "hashed, deleted straight after); empty means the system's temporary folder. Never inside evidence.",
)
RAY_ADDRESS = _declare(
    "ray_address",
    "",
    "Ray cluster a scan hashes on when --ray is not given: auto (the running cluster, or a local one) or the "
    "head node's host:port or ray://host:port; empty hashes on this machine's own processes. Every node must "
    "see the evidence and the spool at the same paths (one machine, or shared storage).",
)
RAY_UNIT_BYTES = _declare(
    "ray_unit_bytes",
    "268435456",
    "On a Ray cluster, a container (disk image, archive) directly in an evidence root and at least this many "
    "bytes is a work unit: one node opens it, spools and hashes everything in it; 0 makes no units.",
)
RAY_UNIT_SECONDS = _declare(
    "ray_unit_seconds",
    "86400",
    "Most seconds one work unit may run on the cluster; past it, it is cancelled and the scan walks that "
    "container itself, keeping what the unit recorded.",
)
RAY_EVIDENCE_RESOURCES = _declare(
    "ray_evidence_resources",
    "",
    "Where work units run: PREFIX=RESOURCE pairs separated by ';'. A unit whose file lies under PREFIX "
    "runs only on nodes started with that custom resource (ray start --resources '{\"RESOURCE\": 1}'); the "
    "longest prefix wins; empty means any node (shared storage).",
)
MAX_NESTING = _declare(
    "max_nesting",
    "8",
    "Containers (archives, disk images, thumbnail caches) nested deeper than this are recorded, not opened.",
)
MAX_MEMBERS = _declare(
    "max_members",
    "100000",
    "Most items one container may give out; the rest are summed up in one error item.",
)
MAX_MEMBER_BYTES = _declare(
    "max_member_bytes",
    "4294967296",
    "Largest item a container may give out, in bytes; a larger one is recorded as an error, not read.",
)
MAX_RATIO = _declare(
    "max_ratio",
    "1000",
    "Largest uncompressed-to-compressed ratio of an archive member before it is recorded as a possible bomb. "
    "Not applied to a compressed disk image or file system (judged by the byte and time limits alone).",
)
MAX_CONTAINER_BYTES = _declare(
    "max_container_bytes",
    "68719476736",
    "Most bytes one archive may give out, counting every archive nested inside it; past it, members are "
    "recorded as errors, not read.",
)
MAX_CONTAINER_ITEMS = _declare(
    "max_container_items",
    "1000000",
    "Most items one archive may give out, counting every archive nested inside it; the rest are summed up "
    "in one error item per archive.",
)
MAX_CONTAINER_SECONDS = _declare(
    "max_container_seconds",
    "3600",
    "Most seconds one archive, with every archive nested inside it, may spend decompressing; past it, "
    "members are recorded as errors, not read.",
)
EVIDENCE_KEY_FILES = _declare(
    "evidence_key_files",
    "",
    "Key files of secrets that open encrypted evidence (BitLocker, LUKS, FileVault 2, encrypted iOS "
    "backups), separated by ':'; warden scan --key-file adds more. One secret a line (see docs/keys.md); "
    "the secrets are never recorded, only which line opened what. Set it for warden report and warden "
    "review too, so their thumbnails and previews reach items inside those volumes.",
)
CARVE = _declare(
    "carve",
    "1",
    "1 carves images and videos out of the unallocated space of disk images; 0 skips carving.",
)
BATCH_SIZE = _declare(
    "batch_size",
    "64",
    "Items written to the case database per transaction; a killed scan redoes at most this many per worker.",
)
SCAN_CONVERSATIONS = _declare(
    "scan_conversations",
    "1",
    "After recording its items, a scan reads the app databases among them (WhatsApp, iMessage/SMS...) for "
    "conversations, stores them in the case and links attachments to matched items (docs/conversations.md); "
    "0 turns it off (as `warden scan --no-conversations` does).",
)
CONVERSATION_SECONDS = _declare(
    "conversation_seconds",
    "600",
    "Seconds a scan may spend reading one app database for conversations; past it, the messages read are "
    "kept and the rest is a problem recorded against the database.",
)
REVIEW_TRUSTED_PROXIES = _declare(
    "review_trusted_proxies",
    "",
    "Addresses or networks (comma-separated, e.g. 127.0.0.1) of the reverse proxies in front of `warden "
    "review`: only a request from one of them has its X-Forwarded-Proto, X-Forwarded-Host and "
    "X-Forwarded-For believed. Empty believes none. `--trusted-proxy` overrides it.",
)
# BEGIN serve (the matching service, `warden serve`)
SERVE_DB = _declare(
    "serve_db",
    "",
    "Database URL of `warden serve` (API keys, rate counts, banks' state, match records); empty means the "
    "SQLite file serve/service.db under WARDEN_HOME. A PostgreSQL URL (postgresql+psycopg://...) lets "
    "several machines share it.",
)
SERVE_ROLES = _declare(
    "serve_roles",
    "hasher,matcher,curator",
    "The parts of `warden serve` switched on (comma-separated): hasher (hash uploads), matcher (look up "
    "hashes), curator (manage banks). `--roles` overrides it.",
)
SERVE_HOST = _declare(
    "serve_host",
    "127.0.0.1",
    "Address `warden serve` listens on; `--host` overrides it.",
)
SERVE_PORT = _declare(
    "serve_port",
    "8787",
    "Port `warden serve` listens on; `--port` overrides it.",
)
SERVE_WORKERS = _declare(
    "serve_workers",
    "2",
    "Processes answering requests in `warden serve` (each with its own hashing processes); `--workers` "
    "overrides it.",
)
SERVE_HASH_WORKERS = _declare(
    "serve_hash_workers",
    "1",
    "Hashing processes per `warden serve` worker: uploads are decoded and hashed there, as in a scan, so a "
    "hostile file costs one process, never the service. More uploads at once wait for one (up to "
    "WARDEN_SERVE_HASH_TIMEOUT).",
)
SERVE_HASH_TIMEOUT = _declare(
    "serve_hash_timeout",
    "60",
    "Seconds one upload may take to hash (and to wait for a free hashing process) before it is refused.",
)
SERVE_HASH_MEMORY_MB = _declare(
    "serve_hash_memory_mb",
    "2048",
    "Address-space limit of each hashing process of `warden serve`, in MiB; an upload that needs more is "
    "refused.",
)
SERVE_MAX_UPLOAD_BYTES = _declare(
    "serve_max_upload_bytes",
    "104857600",
    "Largest upload `warden serve` hashes, in bytes; a larger one is refused (413) before it is all read.",
)
SERVE_MAX_IMAGE_PIXELS = _declare(
    "serve_max_image_pixels",
    "50000000",
    "Uploaded images declaring more pixels than this are refused, not decoded (decompression-bomb guard).",
)
SERVE_MAX_VIDEO_SECONDS = _declare(
    "serve_max_video_seconds",
    "600",
    "Longest uploaded video `warden serve` answers hashes for, in seconds; a longer one is refused (413).",
)
SERVE_SPOOL = _declare(
    "serve_spool",
    "",
    "Folder under which `warden serve` makes its private spool (0700), where each upload is written to be "
    "hashed and deleted straight after; empty means the system's temporary folder.",
)
SERVE_RATE_PER_MINUTE = _declare(
    "serve_rate_per_minute",
    "600",
    "Requests per minute a new API key may make (`warden apikey create --rate` overrides it per key); past "
    "it the service answers 429 with Retry-After. Counted in the service database, shared by all workers "
    "(each takes a busy key's requests from the count in blocks and gives back what it does not use), so a "
    "key never passes its rate.",
)
SERVE_LOG_HASHES = _declare(
    "serve_log_hashes",
    "0",
    "1 lets `warden serve` write hashes of uploaded or looked-up content in its log (and request query "
    "strings, which may hold them); 0 (the default) never does.",
)
SERVE_PSI_LIST = _declare(
    "serve_psi_list",
    "",
    "The folder of the private-membership list (manifest.json, tags.filter) the `psi` role of `warden serve` "
    "answers for; `warden psi serve SET` sets it to `$WARDEN_HOME/psi/SET`.",
)
SERVE_PSI_KEY_FILE = _declare(
    "serve_psi_key_file",
    "",
    "The server key (0600) of that list; empty means `server.key` in the list's folder. `warden psi serve "
    "--key-file` sets it.",
)
# END serve
# BEGIN exchanges (banks filled from hash exchanges, `warden bank fetch`)
EXCHANGE_TIMEOUT = _declare(
    "exchange_timeout",
    "30",
    "Seconds a hash exchange (ThreatExchange, NCMEC, StopNCII) may take to connect, and to send each part of "
    "an answer, before the fetch stops with an error and the bank is left as it was.",
)
EXCHANGE_MAX_REQUESTS = _declare(
    "exchange_max_requests",
    "2000",
    "HTTP requests one fetch from a hash exchange may make (pages, probes and retries); an exchange that "
    "keeps saying there is more stops the fetch with an error, the bank left as it was.",
)
EXCHANGE_MAX_SECONDS = _declare(
    "exchange_max_seconds",
    "3600",
    "Seconds one fetch from a hash exchange may take in all.",
)
EXCHANGE_MAX_RESPONSE_MB = _declare(
    "exchange_max_response_mb",
    "64",
    "Largest answer a hash exchange may send to one request, in MiB.",
)
EXCHANGE_MAX_RECORDS = _declare(
    "exchange_max_records",
    "2000000",
    "Records (hashes or entries, added or deleted) one fetch from a hash exchange may bring.",
)
# END exchanges
# BEGIN matching (the live index each `warden serve` worker looks hashes up in)
SERVE_POLL_SECONDS = _declare(
    "serve_poll_seconds",
    "1",
    "Seconds between two polls of the banks' change log by each `warden serve` worker: a bank's new, "
    "removed, disabled or enabled content is matched (or no longer) within about this long. It is also how "
    "long a worker trusts its last read of an API key: a key revoked or changed with `warden apikey` is "
    "refused (or changed) by every worker within about this long.",
)
SERVE_STALE_SECONDS = _declare(
    "serve_stale_seconds",
    "30",
    "After this many seconds without a successful poll of the banks (the database unreachable, say), a "
    "`warden serve` worker's index is stale and /status answers 503.",
)
SERVE_MERGE_ENTRIES = _declare(
    "serve_merge_entries",
    "10000",
    "Content changes a bank's log may hold before a `warden serve` worker merges them into a new "
    "memory-mapped index in the background (one process at a time); 0 never merges in the service.",
)
# END matching
# BEGIN crawl (`warden crawl`: the defaults of its limits)
CRAWL_DEPTH = _declare(
    "crawl_depth",
    "5",
    "Links `warden crawl` follows from a seed URL (--depth); what a page embeds (images, style sheets, "
    "video) is fetched at the page's own depth.",
)
CRAWL_MAX_PAGES = _declare(
    "crawl_max_pages",
    "10000",
    "URLs (pages and media) one case's crawl fetches in all, over every run (--max-pages); a rerun with a "
    "higher limit goes on from where it stopped.",
)
CRAWL_MAX_BYTES = _declare(
    "crawl_max_bytes",
    "10737418240",
    "Bytes (as received) one case's crawl fetches in all before it stops (--max-bytes).",
)
CRAWL_MAX_RESPONSE_BYTES = _declare(
    "crawl_max_response_bytes",
    "268435456",
    "Largest body of one response, in bytes, as received and once decoded (--max-response-bytes); a larger "
    "one is kept cut short, marked truncated, and recorded as an error.",
)
CRAWL_MAX_RATIO = _declare(
    "crawl_max_ratio",
    "100",
    "Largest decoded-to-received ratio of a gzip or deflate body past 1 MiB before it is recorded as a bomb.",
)
CRAWL_DELAY = _declare(
    "crawl_delay",
    "1",
    "Seconds between two requests to one host (--delay); a robots.txt Crawl-delay that asks for more is "
    "honoured up to 30 s.",
)
CRAWL_CONCURRENCY = _declare(
    "crawl_concurrency",
    "4",
    "Requests a crawl has in flight at once, across hosts (--concurrency).",
)
CRAWL_CONNECT_TIMEOUT = _declare(
    "crawl_connect_timeout",
    "30",
    "Seconds a crawl waits for a connection (through the proxy, if any) before the URL is an error.",
)
CRAWL_READ_TIMEOUT = _declare(
    "crawl_read_timeout",
    "60",
    "Seconds a crawl waits for the next bytes of an answer before the URL is an error.",
)
CRAWL_RESPONSE_SECONDS = _declare(
    "crawl_response_seconds",
    "600",
    "Seconds one whole answer may take, head and body; a slower one is kept cut short and recorded as an "
    "error.",
)
CRAWL_MAX_REDIRECTS = _declare(
    "crawl_max_redirects",
    "10",
    "Redirects in a row a crawl follows (each one a URL of its own) before the next is recorded as an error.",
)
CRAWL_MAX_LINKS = _declare(
    "crawl_max_links",
    "10000",
    "Links and embedded URLs read from one page; a page naming more is read only this far.",
)
CRAWL_MAX_URLS = _declare(
    "crawl_max_urls",
    "200000",
    "URLs one case's crawl records (fetched, queued or skipped); links found past it are counted, not kept.",
)
CRAWL_MAX_TEXT_BYTES = _declare(
    "crawl_max_text_bytes",
    "8388608",
    "Decoded bytes of a page, style sheet or robots.txt a crawl reads for links (all of it is preserved).",
)
CRAWL_WARC_MAX_BYTES = _declare(
    "crawl_warc_max_bytes",
    "1073741824",
    "Size at which a crawl closes its WARC file (its SHA-256 recorded in the audit log) and starts the next.",
)
CRAWL_USER_AGENT = _declare(
    "crawl_user_agent",
    "",
    "User-Agent header a crawl sends; empty means warden/VERSION (website investigation). robots.txt rules "
    "are matched for the product token warden.",
)
# END crawl
CONVERSATION_MODEL = _declare(
    "conversation_model",
    "default",
    "Name of the conversation model (trained by `warden conversations train --out NAME`, kept in "
    "HOME/conversation-models/NAME.json) whose score a grooming lead shows as a secondary reason; where none "
    "of that name is installed, leads show none. The model never makes a lead by itself.",
)
# END conversation model


def get_str(setting: Setting) -> str:
    """The setting's text value."""
    return setting.raw()


def get_int(setting: Setting) -> int:
    """The setting as an integer.

    Raises:
        ValueError: the environment gives something that is not an integer; the message names the variable.
    """
    raw = setting.raw()
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{setting.env_var} must be a whole number, got {raw!r}") from None


def get_bool(setting: Setting) -> bool:
    """The setting as a yes/no: ``0``, ``no``, ``false``, ``off`` and empty are no, anything else yes."""
    return setting.raw().strip().lower() not in ("", "0", "no", "false", "off")


def get_path(setting: Setting) -> Path:
    """The setting as a path with ``~`` expanded."""
    return Path(setting.raw()).expanduser()

"""Fake hash exchanges on loopback: NCMEC hash sharing (XML), StopNCII (JSON) and ThreatExchange's
``threat_updates`` (Graph API JSON), each speaking its documented request and response shapes closely enough
for python-threatexchange's real clients. Every hash in them is made up; nothing is fetched from anywhere.

Each fake keeps its records, the requests it was asked, and a ``mode``: ``ok``, or a hostile ``endless``
(always one more page), ``garbage`` (a body that is not JSON or XML), ``error`` (HTTP 500) or ``silent`` (an
answer only after :data:`SILENT_SECONDS`).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape

OK, ENDLESS, GARBAGE, ERROR, SILENT = "ok", "endless", "garbage", "error", "silent"
SILENT_SECONDS = 3.0
"""How long a ``silent`` fake waits before it answers: longer than the timeout the tests give the client."""


def made_up_pdq(seed: int) -> str:
    """A 64-hex-digit PDQ value, different per seed, of no picture at all."""
    return "".join(f"{(seed * 2654435761 + i * 40503) % 65536:04x}" for i in range(16))


def made_up_md5(seed: int) -> str:
    """A 32-hex-digit MD5 value, different per seed."""
    return f"{seed:08x}" * 4


def made_up_sha1(seed: int) -> str:
    """A 40-hex-digit SHA-1 value, different per seed."""
    return f"{seed:08x}" * 5


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes


@dataclass
class FakeExchange:
    """The shared part: a mode, a request log, a lock around the records."""

    mode: str = OK
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        raise NotImplementedError

    def hostile(self, endless_page: Answer) -> Answer | None:
        if self.mode == SILENT:
            time.sleep(SILENT_SECONDS)
        if self.mode == ERROR:
            return Answer(500, "text/plain", b"internal error")
        if self.mode == GARBAGE:
            return Answer(200, "application/json", b"{this is not json <nor xml")
        if self.mode == ENDLESS:
            return endless_page
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeExchange

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.fake.requests.append(self.path)
        answer = self.fake.answer(parts.path, query, {k.lower(): v for k, v in self.headers.items()})
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running(fake: FakeExchange, path: str = "") -> Iterator[FakeExchange]:
    """Serve ``fake`` on 127.0.0.1 (a free port) in a thread; ``fake.base_url`` is set to its address."""
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ---------------------------------------------------------------------------------------------- NCMEC

NCMEC_USER, NCMEC_PASSWORD = "made-up-user", "made-up-password"
_NCMEC_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class NcmecRecord:
    """One entry as NCMEC's hash-sharing API lists it: an image or video an ESP shared, or its deletion."""

    id: str
    member_id: int
    timestamp: int
    kind: str = "image"
    classification: str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    deleted: bool = False


@dataclass
class FakeNcmec(FakeExchange):
    """``GET /v2/entries?from=&to=`` (HTTP basic auth), answered as ``<queryResult>`` with ``<images>``,
    ``<videos>`` and ``<paging><next>`` (a path with ``start``, ``size`` and ``max``), ``page_size`` each."""

    records: list[NcmecRecord] = field(default_factory=list)
    page_size: int = 2

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        expected = "Basic " + base64.b64encode(f"{NCMEC_USER}:{NCMEC_PASSWORD}".encode()).decode()
        if headers.get("authorization") != expected:
            return Answer(401, "text/plain", b"unauthorized")
        if not path.endswith("/v2/entries"):
            return Answer(404, "text/plain", b"not found")
        start_text, end_text = query.get("from", ""), query.get("to", "")
        # The client writes local time with a Z; read it back the same way.
        start = int(datetime.strptime(start_text, _NCMEC_TIME).timestamp())
        end = int(datetime.strptime(end_text, _NCMEC_TIME).timestamp())
        offset = int(query.get("start", "0"))
        with self.lock:
            in_range = sorted(
                (r for r in self.records if start <= r.timestamp <= end), key=lambda r: (r.timestamp, r.id)
            )
        page = in_range[offset : offset + self.page_size]
        more = offset + self.page_size < len(in_range)
        next_path = ""
        if more or self.mode == ENDLESS:
            params = {
                "from": start_text,
                "to": end_text,
                "start": offset + self.page_size,
                "size": self.page_size,
                "max": max(len(in_range), offset + 2 * self.page_size),
            }
            next_path = "/v2/entries?" + urlencode(params)
        body = _ncmec_xml(page, next_path)
        return self.hostile(Answer(200, "application/xml", body)) or Answer(200, "application/xml", body)


def _ncmec_xml(page: list[NcmecRecord], next_path: str) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">',
    ]
    for kind in ("image", "video"):
        mine = [r for r in page if r.kind == kind]
        if not mine:
            continue
        latest = datetime.utcfromtimestamp(max(r.timestamp for r in mine)).strftime(_NCMEC_TIME)
        parts.append(f'<{kind}s count="{len(mine)}" maxTimestamp="{latest}">')
        for record in mine:
            tag = f"deleted{kind.capitalize()}" if record.deleted else kind
            parts.append(f"<{tag}><id>{escape(record.id)}</id>")
            parts.append(f'<member id="{record.member_id}">Made-up ESP {record.member_id}</member>')
            if not record.deleted:
                if record.classification:
                    parts.append(f"<classification>{escape(record.classification)}</classification>")
                prints = "".join(f"<{k}>{v}</{k}>" for k, v in record.fingerprints.items())
                parts.append(f"<fingerprints>{prints}</fingerprints>")
            parts.append(f"</{tag}>")
        parts.append(f"</{kind}s>")
    if next_path:
        parts.append(f"<paging><next>{escape(next_path)}</next></paging>")
    parts.append("</queryResult>")
    return "".join(parts).encode()


# -------------------------------------------------------------------------------------------- StopNCII

STOPNCII_FETCH_KEY, STOPNCII_SUBSCRIPTION_KEY = "made-up-function-key", "made-up-subscription-key"


@dataclass
class FakeStopNcii(FakeExchange):
    """``GET /v1/FetchHashes?startTimestamp=&pageSize=&nextPageToken=`` with the ``x-functions-key`` and
    ``Ocp-Apim-Subscription-Key`` headers, answered ``{count, nextPageToken, nextSetTimestamp,
    hasMoreRecords, hashRecords}``; records changed at or after ``startTimestamp``, ``page_size`` a page
    (the fake's own limit, under the client's ``pageSize``). Its clock is ``now``, moved by the test."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    now: int = 1_700_000_000

    def put(
        self, signal_type: str, value: str, status: str = "Active", feedbacks: list[Any] | None = None
    ) -> None:
        """Add or change a hash, stamped with the fake's clock (which then moves on)."""
        with self.lock:
            self.now += 1
            self.records[value] = {
                "lastModtimestamp": self.now,
                "signalType": signal_type,
                "hashValue": value,
                "hashStatus": status,
                "caseNumbers": {f"case-{len(self.records) + 1}": status},
                "CSPFeedbacks": feedbacks or [],
            }

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if (headers.get("x-functions-key"), headers.get("ocp-apim-subscription-key")) != (
            STOPNCII_FETCH_KEY,
            STOPNCII_SUBSCRIPTION_KEY,
        ):
            return Answer(401, "application/json", b'{"message": "unauthorized"}')
        if path != "/v1/FetchHashes":
            return Answer(404, "application/json", b"{}")
        start = int(query.get("startTimestamp", "0"))
        offset = int(query.get("nextPageToken") or "0")
        size = min(int(query.get("pageSize", "800")), self.page_size)
        with self.lock:
            changed = sorted(
                (r for r in self.records.values() if r["lastModtimestamp"] >= start),
                key=lambda r: r["lastModtimestamp"],
            )
            now = self.now
        page = changed[offset : offset + size]
        more = offset + size < len(changed) or self.mode == ENDLESS
        body = {
            "count": len(page),
            "nextPageToken": str(offset + size) if more else None,
            "nextSetTimestamp": now + 1,
            "hasMoreRecords": more,
            "hashRecords": page,
        }
        good = Answer(200, "application/json", json.dumps(body).encode())
        return self.hostile(good) or good


# -------------------------------------------------------------------------------------- ThreatExchange

TE_APP_ID = 12345678
TE_TOKEN = f"{TE_APP_ID}|made-up-token-0123456789abcdef"
TE_GROUP = 4242


@dataclass
class FakeThreatExchange(FakeExchange):
    """Graph API ``GET /v26.0/<privacy group>/threat_updates/?access_token=&start_time=&limit=&fields=``,
    answered ``{"data": [...], "paging": {"cursors": ..., "next": <absolute URL>}}`` with the fields the
    client asks for (indicator, type, last_updated, should_delete, descriptors with owner, status, tags)."""

    updates: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    now: int = 1_700_000_000
    next_server: str | None = None

    def put(
        self,
        threat_type: str,
        indicator: str,
        status: str = "MALICIOUS",
        tags: tuple[str, ...] = (),
        delete: bool = False,
    ) -> None:
        """Add, change or delete (``delete``) an indicator, stamped with the fake's clock."""
        with self.lock:
            self.now += 1
            number = len(self.updates) + 1
            descriptor = {
                "id": str(9000 + number),
                "owner": {"id": "555"},
                "status": status,
                "tags": {"data": [{"id": str(i), "text": tag} for i, tag in enumerate(tags)]},
                "added_on": "2026-01-01T00:00:00+0000",
                "reactions": [],
            }
            self.updates[threat_type, indicator] = {
                "id": str(100 + number),
                "indicator": indicator,
                "type": threat_type,
                "last_updated": self.now,
                "should_delete": delete,
                **({} if delete else {"descriptors": {"data": [descriptor]}}),
            }

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if query.get("access_token") != TE_TOKEN:
            return Answer(400, "application/json", b'{"error": {"message": "Invalid OAuth access token"}}')
        if path != f"/v26.0/{TE_GROUP}/threat_updates/":
            return Answer(404, "application/json", b'{"error": {"message": "Unknown path"}}')
        start = int(query.get("start_time") or "0")
        offset = int(query.get("after") or "0")
        size = min(int(query.get("limit") or "100"), self.page_size)
        with self.lock:
            changed = sorted(
                (u for u in self.updates.values() if u["last_updated"] >= start),
                key=lambda u: u["last_updated"],
            )
        page = changed[offset : offset + size]
        if self.mode == ENDLESS:  # a new made-up indicator on every page, for ever
            page = [
                {
                    "id": str(offset),
                    "indicator": made_up_pdq(10_000 + offset),
                    "type": "HASH_PDQ",
                    "last_updated": self.now,
                    "should_delete": True,
                }
            ]
        body: dict[str, Any] = {
            "data": page,
            "paging": {"cursors": {"before": str(offset), "after": str(offset + size)}},
        }
        if offset + size < len(changed) or self.mode == ENDLESS:
            params = {"access_token": TE_TOKEN, "start_time": start, "limit": size, "after": offset + size}
            server = self.next_server or self.base_url.rsplit("/v26.0", 1)[0]
            body["paging"]["next"] = f"{server}{path}?{urlencode(params)}"
        good = Answer(200, "application/json", json.dumps(body).encode())
        return self.hostile(good) or good


def wait_past(timestamp: int) -> None:
    """Wait until the clock's whole second is past ``timestamp`` (about a second at most): the NCMEC client
    fetches up to five seconds before now: a change stamped at the last checkpoint needs the next second."""
    deadline = time.monotonic() + 10
    while int(time.time()) - 5 <= timestamp and time.monotonic() < deadline:
        time.sleep(0.05)

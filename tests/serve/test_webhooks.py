"""Signed webhooks to a real HTTP listener on loopback: verified, retried, dead-lettered, retried by hand."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.waiting import wait_until
from warden.case.database import sqlite_url
from warden.errors import HashSetKeyError, UsageError, WebhookSignatureError
from warden.hashsets.sealed import unseal
from warden.model.categories import Category
from warden.model.records import MatchRecord
from warden.serve import webhooks
from warden.serve.match_records import record_upload
from warden.serve.webhooks import DeliveryWorker, RetryPolicy
from warden.servicedb import actions
from warden.servicedb.database import open_service_db
from warden.servicedb.schema import webhook_endpoints

SECRET = b"a-test-secret-of-enough-bytes"
FAST = RetryPolicy(max_attempts=3, first_delay=0.01, max_delay=0.05, give_up_after=600, timeout=5, lease=30)
"""Retries a test can wait for: three attempts, tens of milliseconds apart."""


@dataclass
class Listener:
    """A webhook receiver: answers each request with the next scripted status, then ``then``."""

    url: str
    script: list[int]
    then: int = 200
    received: list[tuple[dict[str, str], bytes, str]] = field(default_factory=list)


@pytest.fixture
def listener() -> Iterator[Listener]:
    state = Listener(url="", script=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = dict(self.headers.items())
            try:
                webhooks.verify(SECRET, body, headers.get("X-Warden-Signature"))
                verdict = "verified"
            except WebhookSignatureError as exc:
                verdict = str(exc)
            state.received.append((headers, body, verdict))
            status = state.script.pop(0) if state.script else state.then
            self.send_response(status if verdict == "verified" else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_service_db(sqlite_url(tmp_path / "service.db"))
    yield engine
    engine.dispose()


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


def a_match(engine: Engine, key: bytes, bank: str = "bank-a") -> str:
    """Record one benign upload's match; return the record id."""
    match = MatchRecord(bank, "exact", "sha256", 0.0, "original", "entry-7", Category.B)
    (record,) = record_upload(engine, key, "upload-1", {"sha256": "ab" * 32}, [match], policy=FAST)
    return record.record_id


def until(condition: Callable[[], bool], engine: Engine, key: bytes) -> None:
    """Deliver what is due until ``condition`` holds (bounded only to end a broken build, never timed)."""

    def settled() -> bool:
        if condition():
            return True
        if not webhooks.deliver_due(engine, key, FAST):
            time.sleep(0.01)
        return False

    wait_until(settled, "the deliveries settle", pause=0)


def test_a_match_is_posted_signed_and_the_receiver_verifies_it(
    engine: Engine, key: bytes, listener: Listener
) -> None:
    webhooks.add_endpoint(engine, key, listener.url, SECRET)
    record_id = a_match(engine, key)
    worker = DeliveryWorker(engine, key, FAST, poll_seconds=0.01)
    worker.start()
    try:
        wait_until(lambda: listener.received, "the receiver gets the match", pause=0.01)
    finally:
        worker.stop()
    headers, body, verdict = listener.received[0]
    assert verdict == "verified"
    assert headers["X-Warden-Event"] == "match" and headers["Content-Type"] == "application/json"
    assert record_id.encode() in body and b"entry-7" in body
    assert b"ab" * 32 not in body  # the upload's hashes stay out of the notice
    (delivery,) = webhooks.deliveries(engine)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert headers["X-Warden-Delivery"] == str(delivery.delivery_id)


def test_an_endpoint_that_fails_twice_gets_the_notice_on_the_third_attempt(
    engine: Engine, key: bytes, listener: Listener
) -> None:
    webhooks.add_endpoint(engine, key, listener.url, SECRET)
    listener.script = [500, 503]
    a_match(engine, key)
    until(lambda: webhooks.deliveries(engine)[0].state != "pending", engine, key)
    (delivery,) = webhooks.deliveries(engine)
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    assert len(listener.received) == 3
    assert len({body for _, body, _ in listener.received}) == 1  # the same notice each time
    assert {verdict for _, _, verdict in listener.received} == {"verified"}


def test_an_endpoint_that_always_fails_ends_in_the_dead_letters_and_is_retried_by_hand(
    engine: Engine, key: bytes, listener: Listener
) -> None:
    webhooks.add_endpoint(engine, key, listener.url, SECRET)
    listener.then = 500
    a_match(engine, key)
    until(lambda: bool(webhooks.dead_letters(engine)), engine, key)
    (dead,) = webhooks.dead_letters(engine)
    assert (dead.attempts, dead.last_status, dead.last_error) == (3, 500, "HTTP 500")
    assert len(listener.received) == 3  # bounded: no attempt after the last
    assert webhooks.deliver_due(engine, key, FAST) == 0

    listener.then = 200
    assert webhooks.retry(engine, dead.delivery_id, FAST) == 1
    until(lambda: webhooks.deliveries(engine)[0].state == "delivered", engine, key)
    assert webhooks.dead_letters(engine) == []
    with pytest.raises(UsageError, match="no dead webhook delivery"):
        webhooks.retry(engine, dead.delivery_id, FAST)


def test_an_unreachable_endpoint_is_recorded_as_a_failed_attempt(engine: Engine, key: bytes) -> None:
    webhooks.add_endpoint(engine, key, "http://127.0.0.1:9/closed", SECRET)
    a_match(engine, key)
    until(lambda: bool(webhooks.dead_letters(engine)), engine, key)
    (dead,) = webhooks.dead_letters(engine)
    assert dead.last_status is None and dead.last_error and "Connect" in dead.last_error


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_again(
    engine: Engine, key: bytes, listener: Listener
) -> None:
    webhooks.add_endpoint(engine, key, listener.url, SECRET)
    a_match(engine, key)
    # A worker claims it and dies before recording anything; its lease has run out since (here: at once).
    (claimed,) = actions.claim_due(engine, time.time(), -1, 10)
    assert claimed[0].attempts == 1
    assert webhooks.deliveries(engine)[0].state == "pending"
    assert webhooks.deliver_due(engine, key, FAST) == 1
    (delivery,) = webhooks.deliveries(engine)
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    assert len(listener.received) == 1


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(engine: Engine, key: bytes) -> None:
    webhooks.add_endpoint(engine, key, "http://127.0.0.1:9/closed", SECRET)
    a_match(engine, key)
    assert len(actions.claim_due(engine, time.time(), 60, 10)) == 1
    assert actions.claim_due(engine, time.time(), 60, 10) == []


def test_endpoints_get_only_the_banks_they_ask_for(engine: Engine, key: bytes, listener: Listener) -> None:
    webhooks.add_endpoint(engine, key, listener.url, SECRET, banks=("bank-b",))
    a_match(engine, key, bank="bank-a")
    assert webhooks.deliveries(engine) == []
    a_match(engine, key, bank="bank-b")
    assert len(webhooks.deliveries(engine)) == 1


def test_a_disabled_endpoint_gets_nothing_more(engine: Engine, key: bytes, listener: Listener) -> None:
    endpoint = webhooks.add_endpoint(engine, key, listener.url, SECRET)
    webhooks.disable_endpoint(engine, endpoint.endpoint_id)
    a_match(engine, key)
    assert webhooks.deliveries(engine) == []
    assert webhooks.list_endpoints(engine)[0].disabled is not None
    with pytest.raises(UsageError):
        webhooks.disable_endpoint(engine, endpoint.endpoint_id)


def test_a_replayed_request_older_than_five_minutes_is_rejected() -> None:
    body = b'{"event":"match"}'
    sent = int(time.time())
    header = webhooks.signature(SECRET, body, sent)
    assert webhooks.verify(SECRET, body, header, now=sent + 299) == sent
    with pytest.raises(WebhookSignatureError, match="replay"):
        webhooks.verify(SECRET, body, header, now=sent + 301)
    with pytest.raises(WebhookSignatureError, match="replay"):
        webhooks.verify(SECRET, body, webhooks.signature(SECRET, body, sent - 400))


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (b'{"event":"match","x":1}', None),  # altered body
        (b'{"event":"match"}', "v1=00"),  # no timestamp
        (b'{"event":"match"}', ""),  # no header
    ],
)
def test_a_forged_or_malformed_signature_is_rejected(body: bytes, header: str | None) -> None:
    signed = webhooks.signature(SECRET, b'{"event":"match"}', int(time.time()))
    with pytest.raises(WebhookSignatureError):
        webhooks.verify(SECRET, body, signed if header is None else header)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        webhooks.verify(b"another-secret-of-16-bytes", b'{"event":"match"}', signed)


def test_the_secret_is_sealed_in_the_database_and_needs_the_key(engine: Engine, key: bytes) -> None:
    webhooks.add_endpoint(engine, key, "https://platform.example/hook", SECRET)
    with engine.connect() as connection:
        stored = connection.execute(select(webhook_endpoints.c.secret)).scalar_one()
    assert SECRET not in stored
    with pytest.raises(HashSetKeyError):
        unseal(secrets.token_bytes(32), stored, "warden webhook secret https://platform.example/hook")


@pytest.mark.parametrize(
    ("url", "secret"), [("ftp://x/hook", SECRET), ("http:///nohost", SECRET), ("https://x/hook", b"short")]
)
def test_an_endpoint_that_is_not_one_is_refused(engine: Engine, key: bytes, url: str, secret: bytes) -> None:
    with pytest.raises(UsageError):
        webhooks.add_endpoint(engine, key, url, secret)


def test_backoff_grows_is_jittered_and_bounded() -> None:
    policy = RetryPolicy(first_delay=10, max_delay=300)
    for attempt in range(1, 40):
        ceiling = min(300, 10 * 2 ** (attempt - 1))
        assert ceiling / 2 <= webhooks.backoff(attempt, policy) <= ceiling

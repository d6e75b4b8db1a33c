"""Signed webhooks: endpoints, deliveries that survive restarts, retries with backoff, and dead letters.

A notice is a JSON body POSTed to each endpoint that wants its event, with the header
``X-Warden-Signature: t=TIMESTAMP,v1=HEX``: HEX is HMAC-SHA256, under the endpoint's secret, of
``TIMESTAMP`` (Unix seconds), a ``.`` and the body's bytes, as Stripe signs its webhooks. A receiver
recomputes it over the raw body, compares in constant time and refuses a timestamp more than five minutes
from its own clock, so a captured request cannot be replayed later (:func:`verify` does all three).
``X-Warden-Delivery`` is the delivery's id: delivery is at least once (a worker that dies after sending and
before recording is retried), so a receiver drops an id it has already handled.

Each delivery is a row, due at ``next_attempt``. A worker claims due rows for a lease, sends, and records
the outcome; a failed attempt is due again after an exponential backoff with jitter, until the policy's
attempts or time run out, when the row is ``dead``: listed by :func:`dead_letters`, sent again by
:func:`retry`. Secrets are sealed with the hash-set key (bound to the endpoint's URL), so a copy of the
database alone cannot sign a notice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import HashSetKeyError, UsageError, WebhookSignatureError
from warden.hashsets.sealed import seal, unseal
from warden.servicedb import actions
from warden.servicedb.actions import DEAD, DELIVERED, PENDING, DeliveryRow

log = logging.getLogger(__name__)

MATCH = "match"
EVENTS = (MATCH,)
"""The events an endpoint may ask for."""

SIGNATURE_HEADER = "X-Warden-Signature"
TOLERANCE_SECONDS = 300
"""How far a signature's timestamp may be from the receiver's clock (five minutes)."""
MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a delivery is tried: bounded in attempts and in time.

    Attributes:
        max_attempts: attempts before a delivery is dead.
        first_delay: seconds before the second attempt; each later wait doubles, up to ``max_delay``, and
            is drawn between half of it and all of it (jitter, so endpoints that failed together are not
            all tried again at once).
        max_delay: the longest wait between attempts.
        give_up_after: seconds after which no attempt is made.
        timeout: seconds one attempt may take (connect, send, the status line).
        lease: seconds a worker holds a claimed delivery; a worker that dies loses it after this.
    """

    max_attempts: int = 8
    first_delay: float = 10.0
    max_delay: float = 3600.0
    give_up_after: float = 86400.0
    timeout: float = 10.0
    lease: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or min(self.first_delay, self.max_delay, self.timeout) <= 0:
            raise UsageError("a retry policy needs at least one attempt and positive delays and timeout")
        if self.lease <= self.timeout:
            raise UsageError("a retry policy's lease must be longer than its timeout")


DEFAULT_POLICY = RetryPolicy()


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 for the first)."""
    ceiling = min(policy.max_delay, policy.first_delay * 2.0 ** min(attempt - 1, 60))
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


# -------------------------------------------------------------------------------------------- signatures


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Warden-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: bytes,
    body: bytes,
    header: str | None,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a received notice (the receiver's side): the signature over the raw body, and its age.

    Args:
        secret: the endpoint's secret.
        body: the request's body exactly as received (before any JSON parsing).
        header: the ``X-Warden-Signature`` header.
        tolerance: seconds the timestamp may differ from ``now``.
        now: the receiver's clock (Unix seconds); the system clock if not given.

    Returns:
        The signed timestamp.

    Raises:
        WebhookSignatureError: no or malformed header, a wrong signature, or a timestamp outside the
            tolerance (a replay).
    """
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header is not t=TIMESTAMP,v1=SIGNATURE")
    expected = signature(secret, body, timestamp).partition(",v1=")[2]
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookSignatureError("the signature does not match the body")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise WebhookSignatureError(
            f"the signature's timestamp is more than {tolerance} s away: refused as a replay"
        )
    return timestamp


# --------------------------------------------------------------------------------------------- endpoints


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A webhook endpoint as shown (never its secret)."""

    endpoint_id: int
    url: str
    events: tuple[str, ...]
    banks: tuple[str, ...]
    created: float
    disabled: float | None


def _context(url: str) -> str:
    return f"warden webhook secret {url}"


def _shown(row: actions.EndpointRow) -> Endpoint:
    return Endpoint(row.endpoint_id, row.url, row.events, row.banks, row.created, row.disabled)


def add_endpoint(
    engine: Engine,
    key: bytes,
    url: str,
    secret: bytes,
    *,
    events: tuple[str, ...] = EVENTS,
    banks: tuple[str, ...] = (),
) -> Endpoint:
    """Store an endpoint, its secret sealed with the hash-set key.

    Raises:
        UsageError: the URL is not http(s) with a host, the secret is shorter than 16 bytes, or an event is
            not one of :data:`EVENTS`.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"a webhook URL must be http:// or https:// with a host, got {url!r}")
    if len(secret) < MIN_SECRET_BYTES:
        raise UsageError(f"a webhook secret must be at least {MIN_SECRET_BYTES} bytes")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown or not events:
        raise UsageError(f"unknown webhook events {unknown}; known: {', '.join(EVENTS)}")
    if any(not bank or "," in bank for bank in banks):
        raise UsageError("a bank name in a webhook's banks is empty or has a comma")
    now = time.time()
    endpoint_id = actions.add_endpoint(engine, url, seal(key, secret, _context(url)), events, banks, now)
    return Endpoint(endpoint_id, url, tuple(events), tuple(banks), now, None)


def list_endpoints(engine: Engine) -> list[Endpoint]:
    """Every endpoint, disabled ones too, the oldest first."""
    return [_shown(row) for row in actions.list_endpoints(engine)]


def disable_endpoint(engine: Engine, endpoint_id: int) -> None:
    """Send nothing more to an endpoint (what it was sent stays listed).

    Raises:
        UsageError: there is no such enabled endpoint.
    """
    if not actions.disable_endpoint(engine, endpoint_id, time.time()):
        raise UsageError(f"no enabled webhook endpoint {endpoint_id}")


# -------------------------------------------------------------------------------------------- deliveries


def queue_event(
    connection: Connection,
    event: str,
    bank: str,
    payload: Mapping[str, Any],
    policy: RetryPolicy = DEFAULT_POLICY,
) -> list[int]:
    """Queue ``event`` about ``bank`` to every endpoint that wants it, in the caller's transaction.

    Returns:
        The new deliveries' ids.
    """
    now = time.time()
    body = json.dumps({"event": event, "data": dict(payload)}, sort_keys=True, separators=(",", ":")).encode()
    return [
        actions.queue(connection, endpoint_id, event, body, now, now + policy.give_up_after)
        for endpoint_id in actions.endpoints_for(connection, event, bank)
    ]


def _send(client: httpx.Client, delivery: DeliveryRow, secret: bytes) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "warden-webhooks",
        "X-Warden-Event": delivery.event,
        "X-Warden-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: signature(secret, delivery.body, int(time.time())),
    }
    try:
        # Streamed so that only the status line is read: an endpoint cannot make the worker read a large body.
        with client.stream("POST", delivery.url, content=delivery.body, headers=headers) as response:
            status = response.status_code
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return status, None if 200 <= status < 300 else f"HTTP {status}"


def deliver_due(
    engine: Engine,
    key: bytes,
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    limit: int = 50,
    rng: random.Random | None = None,
) -> int:
    """Make one attempt at each delivery due now (up to ``limit``); return how many were attempted."""
    claimed = actions.claim_due(engine, time.time(), policy.lease, limit)
    if not claimed:
        return 0
    with httpx.Client(timeout=policy.timeout, follow_redirects=False, trust_env=False) as client:
        for delivery, sealed_secret in claimed:
            status: int | None
            error: str | None
            finished: float | None
            if delivery.attempts > policy.max_attempts or time.time() > delivery.expires:
                # Claimed again after a worker died with it in flight, with no attempt or time left.
                status, error = None, "no attempt left after an interrupted one"
            else:
                try:
                    secret = unseal(key, sealed_secret, _context(delivery.url))
                except HashSetKeyError as exc:
                    status, error = None, str(exc)
                else:
                    status, error = _send(client, delivery, secret)
            now = time.time()
            if error is None:
                state, next_attempt, finished = DELIVERED, now, now
            else:
                next_attempt = now + backoff(delivery.attempts, policy, rng)
                last = delivery.attempts >= policy.max_attempts or next_attempt > delivery.expires
                state, finished = (DEAD, now) if last else (PENDING, None)
                log.warning(
                    "webhook delivery %d to endpoint %d, attempt %d: %s%s",
                    delivery.delivery_id, delivery.endpoint_id, delivery.attempts, error,
                    " (dead letter)" if last else "",
                )  # fmt: skip
            actions.settle(
                engine, delivery.delivery_id, state=state, next_attempt=next_attempt, status=status,
                error=error, finished=finished,
            )  # fmt: skip
    return len(claimed)


def dead_letters(engine: Engine, limit: int = 100) -> list[DeliveryRow]:
    """Deliveries given up after their last attempt, the newest first."""
    return actions.list_deliveries(engine, state=DEAD, limit=limit)


def deliveries(engine: Engine, *, state: str | None = None, limit: int = 100) -> list[DeliveryRow]:
    """Deliveries in any state (or one), the newest first."""
    return actions.list_deliveries(engine, state=state, limit=limit)


def retry(engine: Engine, delivery_id: int | None = None, policy: RetryPolicy = DEFAULT_POLICY) -> int:
    """Send a dead delivery again (all of them when ``delivery_id`` is None), with fresh attempts.

    Returns:
        How many were made due again.

    Raises:
        UsageError: ``delivery_id`` names no dead delivery.
    """
    now = time.time()
    revived = actions.revive(engine, delivery_id, now, now + policy.give_up_after)
    if delivery_id is not None and revived == 0:
        raise UsageError(f"no dead webhook delivery {delivery_id}")
    return revived


class DeliveryWorker:
    """The background sender: a thread that delivers what is due until it is stopped.

    Several workers (one per service process) may share a database: each attempt is claimed by one.
    A database failure is logged and tried again at the next poll; the worker keeps going.
    """

    def __init__(
        self, engine: Engine, key: bytes, policy: RetryPolicy = DEFAULT_POLICY, *, poll_seconds: float = 1.0
    ) -> None:
        self.engine, self.key, self.policy, self.poll_seconds = engine, key, policy, poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Deliver until :meth:`stop`: at once while work is due, else every ``poll_seconds``."""
        while not self._stop.is_set():
            try:
                attempted = deliver_due(self.engine, self.key, self.policy)
            except SQLAlchemyError as exc:
                log.error("webhook worker: the service database failed: %s", exc)
                attempted = 0
            if not attempted:
                self._stop.wait(self.poll_seconds)

    def start(self) -> None:
        """Run in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="warden-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop and wait for it (an attempt in flight ends within the policy's timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.policy.timeout * 2 + self.poll_seconds)
            self._thread = None

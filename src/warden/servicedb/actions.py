"""What the service does on a match, as stored: match records, webhook endpoints and their deliveries.

Every SQL statement about them lives here; sealing, signing and sending are done above, in
``warden.serve``. A delivery is a row: a worker claims a due one for a lease (counting the attempt when it
claims it), so a worker that dies mid-delivery leaves a row that another claims again once the lease ends,
and two workers never send the same attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, or_, select, update

from warden.servicedb.schema import match_records, webhook_deliveries, webhook_endpoints

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
"""A delivery's states: waiting for (or in) an attempt, received by the endpoint, given up."""


@dataclass(frozen=True, slots=True)
class MatchRow:
    """A match record as stored (the upload's hashes still sealed)."""

    record_id: str
    matched_at: str
    content_id: str
    sealed_hashes: bytes
    bank: str
    entry_content_id: str | None
    hash_kind: str
    distance: float
    variant: str
    category: str


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """A webhook endpoint as stored (its secret still sealed); empty ``banks`` means every bank."""

    endpoint_id: int
    url: str
    sealed_secret: bytes
    events: tuple[str, ...]
    banks: tuple[str, ...]
    created: float
    disabled: float | None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One notice to one endpoint and how its delivery went."""

    delivery_id: int
    endpoint_id: int
    url: str
    event: str
    body: bytes
    state: str
    attempts: int
    next_attempt: float
    created: float
    expires: float
    finished: float | None
    last_status: int | None
    last_error: str | None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


# ---------------------------------------------------------------------------------------------- matches

_MATCH_COLUMNS = (
    match_records.c.record_id,
    match_records.c.matched_at,
    match_records.c.content_id,
    match_records.c.hashes,
    match_records.c.bank,
    match_records.c.entry_content_id,
    match_records.c.hash_kind,
    match_records.c.distance,
    match_records.c.variant,
    match_records.c.category,
)


def insert_match(connection: Connection, row: MatchRow) -> None:
    """Store one match record in the caller's transaction."""
    connection.execute(
        match_records.insert().values(
            record_id=row.record_id,
            matched_at=row.matched_at,
            content_id=row.content_id,
            hashes=row.sealed_hashes,
            bank=row.bank,
            entry_content_id=row.entry_content_id,
            hash_kind=row.hash_kind,
            distance=row.distance,
            variant=row.variant,
            category=row.category,
        )
    )


def _match(row: Sequence[Any]) -> MatchRow:
    record_id, at, content_id, hashes, bank, entry, kind, distance, variant, category = row
    return MatchRow(
        str(record_id), str(at), str(content_id), bytes(hashes), str(bank), entry, str(kind), float(distance),
        str(variant), str(category),
    )  # fmt: skip


def read_match(engine: Engine, record_id: str) -> MatchRow | None:
    """The match record named ``record_id``, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*_MATCH_COLUMNS).where(match_records.c.record_id == record_id)
        ).first()
    return None if row is None else _match(row)


def list_matches(engine: Engine, *, content_id: str | None = None, limit: int = 100) -> list[MatchRow]:
    """The newest match records first, optionally only those of one upload."""
    query = select(*_MATCH_COLUMNS).order_by(match_records.c.id.desc()).limit(limit)
    if content_id is not None:
        query = query.where(match_records.c.content_id == content_id)
    with engine.connect() as connection:
        return [_match(row) for row in connection.execute(query)]


# -------------------------------------------------------------------------------------------- endpoints

_ENDPOINT_COLUMNS = (
    webhook_endpoints.c.id,
    webhook_endpoints.c.url,
    webhook_endpoints.c.secret,
    webhook_endpoints.c.events,
    webhook_endpoints.c.banks,
    webhook_endpoints.c.created,
    webhook_endpoints.c.disabled,
)


def _endpoint(row: Sequence[Any]) -> EndpointRow:
    endpoint_id, url, secret, events, banks, created, disabled = row
    return EndpointRow(
        int(endpoint_id), str(url), bytes(secret), _split(events), _split(banks), float(created), disabled
    )


def add_endpoint(
    engine: Engine,
    url: str,
    sealed_secret: bytes,
    events: tuple[str, ...],
    banks: tuple[str, ...],
    now: float,
) -> int:
    """Store an endpoint and return its id."""
    with engine.begin() as connection:
        result = connection.execute(
            webhook_endpoints.insert().values(
                url=url, secret=sealed_secret, events=",".join(events), banks=",".join(banks), created=now
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def list_endpoints(engine: Engine) -> list[EndpointRow]:
    """Every endpoint, the oldest first, disabled ones too."""
    with engine.connect() as connection:
        return [_endpoint(row) for row in connection.execute(select(*_ENDPOINT_COLUMNS).order_by("id"))]


def read_endpoint(engine: Engine, endpoint_id: int) -> EndpointRow | None:
    """The endpoint with this id, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*_ENDPOINT_COLUMNS).where(webhook_endpoints.c.id == endpoint_id)
        ).first()
    return None if row is None else _endpoint(row)


def disable_endpoint(engine: Engine, endpoint_id: int, now: float) -> bool:
    """Stop sending to an endpoint (its deliveries are kept); False if there is no such enabled endpoint."""
    with engine.begin() as connection:
        result = connection.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.id == endpoint_id, webhook_endpoints.c.disabled.is_(None))
            .values(disabled=now)
        )
        return result.rowcount == 1


def endpoints_for(connection: Connection, event: str, bank: str) -> list[int]:
    """The enabled endpoints that want ``event`` about ``bank``."""
    rows = connection.execute(
        select(webhook_endpoints.c.id, webhook_endpoints.c.events, webhook_endpoints.c.banks).where(
            webhook_endpoints.c.disabled.is_(None)
        )
    )
    return [
        int(endpoint_id)
        for endpoint_id, events, banks in rows
        if event in _split(events) and (not banks or bank in _split(banks))
    ]


# ------------------------------------------------------------------------------------------- deliveries


def queue(
    connection: Connection, endpoint_id: int, event: str, body: bytes, now: float, expires: float
) -> int:
    """Add a delivery due now, in the caller's transaction (with the record it tells of)."""
    result = connection.execute(
        webhook_deliveries.insert().values(
            endpoint_id=endpoint_id,
            event=event,
            body=body,
            state=PENDING,
            attempts=0,
            next_attempt=now,
            created=now,
            expires=expires,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


_DELIVERY_COLUMNS = (
    webhook_deliveries.c.id,
    webhook_deliveries.c.endpoint_id,
    webhook_endpoints.c.url,
    webhook_deliveries.c.event,
    webhook_deliveries.c.body,
    webhook_deliveries.c.state,
    webhook_deliveries.c.attempts,
    webhook_deliveries.c.next_attempt,
    webhook_deliveries.c.created,
    webhook_deliveries.c.expires,
    webhook_deliveries.c.finished,
    webhook_deliveries.c.last_status,
    webhook_deliveries.c.last_error,
)
_JOINED = webhook_deliveries.join(
    webhook_endpoints, webhook_deliveries.c.endpoint_id == webhook_endpoints.c.id
)


def _delivery(row: Sequence[Any]) -> DeliveryRow:
    values = tuple(row)
    number, endpoint, url, event, body, state, attempts, due, created, expires, finished, status, error = (
        values
    )
    return DeliveryRow(
        int(number), int(endpoint), str(url), str(event), bytes(body), str(state), int(attempts), float(due),
        float(created), float(expires), finished, status, error,
    )  # fmt: skip


def _due(now: float) -> ColumnElement[bool]:
    return and_(
        webhook_deliveries.c.state == PENDING,
        webhook_deliveries.c.next_attempt <= now,
        or_(webhook_deliveries.c.claimed_until.is_(None), webhook_deliveries.c.claimed_until <= now),
    )


def claim_due(engine: Engine, now: float, lease: float, limit: int) -> list[tuple[DeliveryRow, bytes]]:
    """Claim up to ``limit`` due deliveries for ``lease`` seconds, counting the attempt.

    Returns:
        Each claimed delivery (``attempts`` already counting this one) with its endpoint's sealed secret.
    """
    due = _due(now)
    with engine.connect() as connection:
        ids = [
            int(delivery_id)
            for (delivery_id,) in connection.execute(
                select(webhook_deliveries.c.id)
                .where(due)
                .order_by(webhook_deliveries.c.next_attempt)
                .limit(limit)
            )
        ]
    claimed = []
    for delivery_id in ids:
        with engine.begin() as connection:
            taken = connection.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id, due)
                .values(claimed_until=now + lease, attempts=webhook_deliveries.c.attempts + 1)
            )
            if taken.rowcount != 1:
                continue  # another worker claimed it first
            row = connection.execute(
                select(*_DELIVERY_COLUMNS, webhook_endpoints.c.secret)
                .select_from(_JOINED)
                .where(webhook_deliveries.c.id == delivery_id)
            ).one()
        claimed.append((_delivery(row[:-1]), bytes(row[-1])))
    return claimed


def settle(
    engine: Engine,
    delivery_id: int,
    *,
    state: str,
    next_attempt: float,
    status: int | None,
    error: str | None,
    finished: float | None,
) -> None:
    """Record how an attempt went: delivered, dead, or pending again at ``next_attempt``."""
    with engine.begin() as connection:
        connection.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery_id)
            .values(
                state=state,
                next_attempt=next_attempt,
                claimed_until=None,
                last_status=status,
                last_error=error,
                finished=finished,
            )
        )


def list_deliveries(engine: Engine, *, state: str | None = None, limit: int = 100) -> list[DeliveryRow]:
    """Deliveries, the newest first, optionally in one state."""
    query = (
        select(*_DELIVERY_COLUMNS).select_from(_JOINED).order_by(webhook_deliveries.c.id.desc()).limit(limit)
    )
    if state is not None:
        query = query.where(webhook_deliveries.c.state == state)
    with engine.connect() as connection:
        return [_delivery(row) for row in connection.execute(query)]


def read_delivery(engine: Engine, delivery_id: int) -> DeliveryRow | None:
    """The delivery with this id, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*_DELIVERY_COLUMNS).select_from(_JOINED).where(webhook_deliveries.c.id == delivery_id)
        ).first()
    return None if row is None else _delivery(row)


def revive(engine: Engine, delivery_id: int | None, now: float, expires: float) -> int:
    """Make dead deliveries (one, or all when ``delivery_id`` is None) due now, with fresh attempts.

    Returns:
        How many were revived.
    """
    condition = webhook_deliveries.c.state == DEAD
    if delivery_id is not None:
        condition = and_(condition, webhook_deliveries.c.id == delivery_id)
    with engine.begin() as connection:
        result = connection.execute(
            update(webhook_deliveries)
            .where(condition)
            .values(
                state=PENDING,
                attempts=0,
                next_attempt=now,
                claimed_until=None,
                expires=expires,
                finished=None,
            )
        )
        return int(result.rowcount)

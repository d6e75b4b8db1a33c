"""What a report reads of a case besides its items: the scan runs, the audit log's entries, and how many items
each scan run recorded (the items themselves come from :func:`warden.case.items.load_items`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from warden.case import schema


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One run of ``warden scan`` as the ``scans`` table holds it (``options`` as the JSON text stored)."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    operator: str
    options: str


@dataclass(frozen=True, slots=True)
class LogRow:
    """One entry of the audit log as stored (``detail`` as the JSON text stored)."""

    id: int
    at: str
    actor: str
    action: str
    detail: str
    hash: str


def scan_rows(connection: Connection) -> list[ScanRow]:
    """Every scan run, in order."""
    return [
        ScanRow(int(r.id), r.started_at, r.finished_at, r.status, r.operator, r.options)
        for r in connection.execute(select(schema.scans).order_by(schema.scans.c.id))
    ]


def log_rows(connection: Connection) -> list[LogRow]:
    """Every entry of the audit log, in order."""
    return [
        LogRow(int(r.id), r.at, r.actor, r.action, r.detail, r.hash)
        for r in connection.execute(select(schema.audit_log).order_by(schema.audit_log.c.id))
    ]


def items_per_scan(connection: Connection) -> dict[int, int]:
    """How many items each scan run recorded, by scan id (a run that recorded none is absent)."""
    return {
        int(scan_id): int(count)
        for scan_id, count in connection.execute(
            select(schema.items.c.scan_id, func.count()).group_by(schema.items.c.scan_id)
        )
    }

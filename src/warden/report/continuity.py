"""The report's ``continuity`` section: evidence hashes, who did what and when, and the audit chain's state.

Built from the audit log by a pure function. ``report.write`` entries are left out on purpose: writing a
report must not change the next report, so the same case gives the same ``report.json`` byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from warden.case.audit_verify import ChainStatus
from warden.report.method import ScanRun

HIDDEN = frozenset({"report.write", "lead.decision"})
"""Entries left out of the section (they are still in the log and in the chain): writing a report, and
examiners' decisions on grooming leads, which are never in the report (an included conversation says who
included it, in ``conversations``)."""

PER_USER = {
    "grade": "grade_decisions",
    "grade.undo": "undos",
    "grade.confirm": "confirmed",
    "grade.dispute": "disputed",
    "cluster.split": "split_off",
    "login": "logins",
    "login.failed": "failed_logins",
    "account.password": "password_changes",
}
"""Actions counted per person (the many grades and logins of a review); every other action is an event."""

EVIDENCE_FACTS = (
    "format",
    "segments",
    "media_sha256",
    "md5",
    "stored_md5",
    "computed_md5",
    "md5_verified",
    "stored_sha1",
    "computed_sha1",
    "sha1_verified",
)
"""What the report repeats from an evidence file's details for continuity (the full details are in
``case.evidence``)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of the audit log, its detail parsed (an unreadable detail becomes ``{}``)."""

    id: int
    at: str
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    @staticmethod
    def parse_detail(text: str) -> dict[str, Any]:
        """The detail as the log stored it, or ``{}`` when it is not a JSON object."""
        try:
            value = json.loads(text)
        except (ValueError, TypeError):
            return {}
        return value if isinstance(value, dict) else {}


SCAN_ACTIONS = frozenset({"scan.start", "scan.completed", "scan.interrupted"})


def without_idle_runs(
    scans: Sequence[ScanRun], entries: Sequence[AuditEntry], recorded: Mapping[int, int]
) -> tuple[list[ScanRun], list[AuditEntry]]:
    """Leave out scan runs that recorded no item (a finished scan run again), but never the case's first.

    Such a run changes nothing in the case, so it must not change the report either; its entries stay in
    the audit log, and in the chain the report verifies.

    Args:
        scans: the case's scan runs, in order.
        entries: the audit log, in order.
        recorded: items recorded per scan run id.
    """
    idle = {scan.id for scan in scans[1:] if not recorded.get(scan.id)}
    kept_entries = [
        entry for entry in entries if not (entry.action in SCAN_ACTIONS and entry.detail.get("scan") in idle)
    ]
    return [scan for scan in scans if scan.id not in idle], kept_entries


def _short(value: Any, width: int = 12) -> str:
    text = str(value or "")
    return text[:width] + "…" if len(text) > width else text


def _names(detail: Mapping[str, Any]) -> str:
    sets = detail.get("hashsets") or []
    return ", ".join(
        f"{s.get('name')} (SHA-256 {_short(s.get('sha256'))})" for s in sets if isinstance(s, dict)
    )


Describe = Callable[[Mapping[str, Any], Callable[[Any], str]], str]

_EVENTS: dict[str, Describe] = {
    "case.create": lambda d, _: f"case created (Warden {d.get('tool_version')})",
    "case.upgrade": lambda d, _: f"case database upgraded from format {d.get('from')} to {d.get('to')}",
    "evidence.add": lambda d, _: f"evidence {d.get('label')} added: {d.get('path')}",
    "evidence.describe": lambda d, _: (
        f"evidence file described: {d.get('format')}, {d.get('segments')} segment(s)"
        + (f", stored MD5 verified: {d.get('md5_verified')}" if "md5_verified" in d else "")
    ),
    "hashsets.select": lambda d, _: f"hash sets chosen for matching: {_names(d) or 'none'}",
    "scan.start": lambda d, _: f"scan {d.get('scan')} started against {', '.join(d.get('hashsets') or [])}",
    "scan.completed": lambda d, _: (
        f"scan {d.get('scan')} completed: {d.get('hashed')} hashed, {d.get('items')} items"
    ),
    "scan.interrupted": lambda d, _: f"scan {d.get('scan')} interrupted: {d.get('hashed')} hashed",
    "scan.redo": lambda d, _: (
        f"scan {d.get('scan')} examined {_count(d.get('items'), 'item')} again, replacing what an earlier "
        f"run recorded ({d.get('reason')}): {_listing(d.get('items'))}"
    ),
    "grade.dispute": lambda d, item: (
        f"disputed the grade {d.get('category')} of {item(d.get('item'))}: "
        f"{d.get('note') or 'no reason given'}"
    ),
    "hashset.from_grades": lambda d, _: (
        f"hash set {d.get('name')} made from the case's grades: {d.get('entries')} entries "
        f"(SHA-256 {_short(d.get('sha256'))})"
    ),
    "account.create": lambda d, _: f"account {d.get('name')} created with role {d.get('role')}",
    "account.password.failed": lambda d, _: "a password change refused: the current password given was wrong",
}


def _count(values: Any, noun: str) -> str:
    number = len(values) if isinstance(values, list) else 0
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _listing(values: Any, shown: int = 5) -> str:
    """The first few of a list of names, and how many more there are."""
    names = [str(value) for value in values] if isinstance(values, list) else []
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _describe(entry: AuditEntry, item: Callable[[Any], str]) -> str:
    describe = _EVENTS.get(entry.action)
    if describe is not None:
        return describe(entry.detail, item)
    keys = ", ".join(f"{key}={_short(value, 40)}" for key, value in sorted(entry.detail.items()))
    return f"{entry.action}" + (f" ({keys})" if keys else "")


def _evidence_json(evidence: Mapping[str, Any], added: AuditEntry | None) -> dict[str, Any]:
    details = evidence.get("details") or {}
    return {
        "label": evidence["label"],
        "kind": evidence.get("kind"),
        "size": evidence.get("size"),
        "sha256": evidence.get("sha256"),
        **{fact: details.get(fact) for fact in EVIDENCE_FACTS},
        "added_at": added.at if added else None,
        "added_by": added.actor if added else None,
    }


LOGIN_ACTIONS = frozenset({"login", "login.failed"})


def _by_persons(entries: Sequence[AuditEntry]) -> tuple[list[AuditEntry], int]:
    """The entries that are a person's, and how many failed logins named no account.

    A login is attributed only to an account the log shows created before it: a name typed at the login
    form (``root``, a guess, a password typed in the wrong field) is not a person of the case.
    """
    accounts: set[str] = set()
    kept: list[AuditEntry] = []
    strangers = 0
    for entry in entries:
        if entry.action == "account.create" and isinstance(entry.detail.get("name"), str):
            accounts.add(entry.detail["name"])
        if entry.action in LOGIN_ACTIONS and entry.actor not in accounts:
            strangers += 1
            continue
        kept.append(entry)
    return kept, strangers


def _per_user(entries: Sequence[AuditEntry]) -> dict[str, dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for entry in entries:
        person = people.setdefault(
            entry.actor,
            {
                **{name: 0 for name in PER_USER.values()},
                "graded_items": 0,
                "first": entry.at,
                "last": entry.at,
            },
        )
        person["first"] = min(person["first"], entry.at)
        person["last"] = max(person["last"], entry.at)
        counter = PER_USER.get(entry.action)
        if counter is not None:
            person[counter] += 1
        if entry.action == "grade":
            items = entry.detail.get("items")
            person["graded_items"] += len(items) if isinstance(items, list) else 0
    return dict(sorted(people.items()))


def continuity_section(
    evidence: Sequence[Mapping[str, Any]],
    entries: Sequence[AuditEntry],
    chain: ChainStatus | None,
    item_names: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The ``continuity`` object.

    Args:
        evidence: the report's ``case.evidence``.
        entries: the audit log in order.
        chain: the chain's state (None when it was not checked, e.g. a report built without a case).
        item_names: item id to ``evidence/path``, to name the items that entries refer to by id.
    """
    names = item_names or {}
    shown = [entry for entry in entries if entry.action not in HIDDEN]

    def item(value: Any) -> str:
        return names.get(value, f"item {value}") if isinstance(value, int) else f"item {value}"

    added = {e.detail.get("label"): e for e in shown if e.action == "evidence.add"}
    last = shown[-1] if shown else None
    return {
        "evidence": [_evidence_json(record, added.get(record["label"])) for record in evidence],
        "events": [
            {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "summary": _describe(e, item)}
            for e in shown
            if e.action not in PER_USER or e.action == "grade.dispute"
        ],
        "by_person": _per_user(_by_persons(shown)[0]),
        "failed_logins_without_account": _by_persons(shown)[1],
        "audit": {
            "checked": chain is not None and chain.unchecked is None,
            "verified": chain.verified if chain is not None else None,
            "entries": len(shown),
            "last": {"id": last.id, "at": last.at, "hash": last.hash} if last else None,
            "anchor": f"{last.id}:{last.hash}" if last else None,
            "problem": chain.fault.to_json() if chain is not None and chain.fault else None,
            "keyed_from": chain.keyed_from if chain is not None else None,
            "key_id": chain.key_id if chain is not None else None,
            "unchecked": chain.unchecked if chain is not None else None,
        },
    }

"""Limits raised for one exhibit (``warden scan --raise-limit``), and the items a lower limit refused, redone.

A container refused by a limit is recorded as an item error that names the limit and its value (see
:mod:`warden.evidence.limits`). When the scan runs again with that limit raised for the exhibit, the items
it refused are forgotten (the audit log says which, and why) and walked again under the raised limit. The
scan's options keep which limits were raised, from what to what, and what the lower limits had refused, so
that the report's method section shows both: the default refused it, and this limit read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from warden.case.folder import EvidenceRecord
from warden.case.raised_limits import ungraded_errors_like
from warden.case.redo import forget
from warden.errors import UsageError
from warden.evidence.base import Limits
from warden.evidence.limits import RAISABLE, RaisedLimit, raised, refused_by, value_of

NOTED = 100
"""How many redone items a scan's options list by name (all are counted, and all are in the audit log)."""


@dataclass(frozen=True, slots=True)
class Refused:
    """An item a lower limit refused, recorded by an earlier run, now to be examined again."""

    evidence_id: int
    evidence: str
    path: str
    item_id: int
    error: str


@dataclass(slots=True)
class RaisedLimits:
    """The limits each exhibit of one scan run is walked with, and what a lower limit refused before.

    Attributes:
        base: the limits the settings give (the default for every exhibit).
        by_evidence: each exhibit's limits, by evidence id (its label set, raised limits applied).
        raised: one entry per raised limit: ``exhibit``, ``limit``, ``default``, ``value``.
        refused: recorded items that a limit now raised had refused.
    """

    base: Limits
    by_evidence: dict[int, Limits] = field(default_factory=dict)
    raised: list[dict[str, Any]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    @classmethod
    def prepare(
        cls,
        texts: Sequence[str],
        base: Limits,
        evidence: Sequence[tuple[EvidenceRecord, Path]],
        engine: Engine,
    ) -> RaisedLimits:
        """Read the ``--raise-limit`` options against this run's exhibits, and find what they refused before.

        Raises:
            UsageError: an option is malformed, names an exhibit not in this scan or an unknown limit, or
                does not raise the limit above what it is.
        """
        wanted: dict[int, dict[str, int]] = {}
        for text in texts:
            try:
                option = RaisedLimit.parse(text)
            except ValueError as error:
                raise UsageError(f"--raise-limit {error}") from None
            record = _exhibit(option.exhibit, evidence)
            default = value_of(base, option.name)
            if option.value <= default:
                raise UsageError(
                    f"--raise-limit {text!r}: {option.name} is {default} already; give a higher value"
                )
            wanted.setdefault(record.id, {})[option.name] = option.value
        result = cls(base)
        for record, _ in evidence:
            raises = wanted.get(record.id, {})
            result.by_evidence[record.id] = raised(base, record.label, raises)
            for name, value in sorted(raises.items()):
                result.raised.append(
                    {"exhibit": record.label, "limit": name, "default": value_of(base, name), "value": value}
                )
        result.refused = _refused(engine, {record.id: record.label for record, _ in evidence}, wanted)
        return result

    def limits_for(self, evidence_id: int) -> Limits:
        """The limits to walk an exhibit with."""
        return self.by_evidence.get(evidence_id, self.base)

    def redone(self) -> set[tuple[int, str]]:
        """(evidence id, path) of the items to examine again (no longer skipped as done)."""
        return {(refused.evidence_id, refused.path) for refused in self.refused}

    def options(self) -> dict[str, Any]:
        """What the scan's options record of raised limits (nothing when none was raised)."""
        if not self.raised:
            return {}
        noted: dict[str, Any] = {"raised_limits": self.raised}
        if self.refused:
            noted["refused_before"] = [
                {"evidence": refused.evidence, "path": refused.path, "error": refused.error}
                for refused in self.refused[:NOTED]
            ]
            noted["refused_before_count"] = len(self.refused)
        return noted

    def forget_refused(self, engine: Engine, *, actor: str, scan_id: int) -> None:
        """Forget the refused items (one transaction, recorded in the audit log) so the walk redoes them."""
        if not self.refused:
            return
        limits = ", ".join(f"{r['exhibit']}:{r['limit']}={r['value']}" for r in self.raised)
        with engine.begin() as connection:
            forget(
                connection,
                [refused.item_id for refused in self.refused],
                actor=actor,
                scan_id=scan_id,
                reason=f"a lower limit refused them; examined again with --raise-limit {limits}",
            )


def _exhibit(given: str, evidence: Sequence[tuple[EvidenceRecord, Path]]) -> EvidenceRecord:
    """The evidence a ``--raise-limit`` names: by its label, or by its path.

    Raises:
        UsageError: no exhibit of this scan is called that.
    """
    for record, _ in evidence:
        if given == record.label:
            return record
    resolved = Path(given).expanduser().resolve()
    for record, path in evidence:
        if resolved == path:
            return record
    labels = ", ".join(repr(record.label) for record, _ in evidence)
    raise UsageError(
        f"--raise-limit names {given!r}, which is not an exhibit of this scan (they are {labels})"
    )


def _refused(engine: Engine, labels: dict[int, str], wanted: dict[int, dict[str, int]]) -> list[Refused]:
    """Recorded items of these exhibits refused by a limit now raised above the value that refused them."""
    if not wanted:
        return []
    # An item an examiner has graded or split is left as it is (not among the errors read).
    found: dict[int, Refused] = {}
    for row in ungraded_errors_like(engine, wanted, "%(limit max_%"):
        refusal = refused_by(row.message)
        if refusal is None or row.item_id in found:
            continue
        name, value = refusal
        if name in RAISABLE and wanted[row.evidence_id].get(name, 0) > value:
            found[row.item_id] = Refused(
                row.evidence_id, labels[row.evidence_id], row.path, row.item_id, row.message
            )
    return list(found.values())

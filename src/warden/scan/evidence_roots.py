"""The evidence roots of a scan: registered in the case (each with a label), checked never to hold what the
scan writes, and surveyed for the progress display's totals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from warden.case.folder import Case, EvidenceRecord
from warden.errors import EvidenceError, UsageError
from warden.evidence.names import root_path, root_text
from warden.evidence.sources import source_for

__all__ = ["refuse_writing_into_evidence", "register_evidence", "survey"]


def register_evidence(case: Case, paths: Sequence[Path]) -> list[tuple[EvidenceRecord, Path]]:
    resolved = [given.resolve() for given in paths]
    # Stored as escaped text: a path may hold any bytes (see evidence.names); cases before format 4 stored
    # it plain, and are matched by that form too.
    known = {root_path(record.path): record.label for record in case.evidence()}
    labels = set(known.values())
    for path in resolved:
        if str(path) in known:
            continue
        name = root_text(path.name) if path.name else "root"
        label, suffix = name, 2
        while label in labels:
            label, suffix = f"{name}-{suffix}", suffix + 1
        labels.add(label)
        known[str(path)] = label
        source = source_for(path)
        try:
            size = path.stat().st_size if source.name == "file" and path.is_file() else None
        except OSError as error:
            raise EvidenceError(f"evidence {path} cannot be read: {error.strerror}") from error
        # A file's SHA-256 is its root item's, filled in when that item is hashed (one read, not two).
        case.add_evidence(label, root_text(str(path)), source.name, size, None)
    records = {root_path(record.path): record for record in case.evidence()}
    return [(records[str(path)], path) for path in resolved]


def refuse_writing_into_evidence(evidence: Sequence[Path], outputs: dict[str, Path]) -> None:
    """Evidence is read-only: nothing the scan writes may lie inside it.

    Raises:
        EvidenceError: an evidence path does not exist.
        UsageError: the case folder, the store or the spool is inside an evidence folder (or is one).
    """
    for given in evidence:
        if not given.exists() and not given.is_symlink():
            raise EvidenceError(f"evidence {given} does not exist")
        root = given.resolve()
        for what, output in outputs.items():
            place = output.resolve()
            if place == root or root in place.parents:
                raise UsageError(
                    f"the {what} {output} is inside the evidence {given}: a scan never writes into what it "
                    "scans; put it elsewhere"
                )


def survey(paths: Sequence[Path]) -> tuple[int, int | None]:
    """How many items the evidence roots hold at their top level, and their bytes: the display's totals."""
    count, size, sizes_known = 0, 0, True
    for path in paths:
        for item in source_for(path).items(path):
            count += 1
            if item.size is None:
                sizes_known = False
            else:
                size += item.size
    return count, size if sizes_known and count else None

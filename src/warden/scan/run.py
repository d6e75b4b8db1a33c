"""The scan: walk the evidence, hash what is not yet in the case, match it, record it, write the reports."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warden import settings
from warden.case.folder import Case, EvidenceRecord
from warden.case.items import done_keys, write_items
from warden.case.records import ItemError, ItemRecord
from warden.errors import EvidenceError, UsageError
from warden.evidence.base import Item, JsonScalar
from warden.evidence.containers import UNAVAILABLE, limits_from_settings, register_built_in
from warden.evidence.sources import source_for
from warden.evidence.walk import walk
from warden.hashsets.store import HashSetStore, OpenHashSet
from warden.report.case_report import write_reports
from warden.scan.matcher import Thresholds, match_item
from warden.scan.pool import HashingPool, WorkerFailure
from warden.scan.progress import Progress, SilentProgress
from warden.scan.recording import apply_hashes, compare_videos, record_for
from warden.scan.spool import Spool


@dataclass(slots=True)
class ScanOptions:
    """What ``warden scan`` was asked to do."""

    evidence: list[Path]
    hashsets: list[str]
    case_dir: Path
    workers: int = 0
    exact_pdq: bool = False
    db_url: str | None = None


@dataclass(slots=True)
class ScanResult:
    """What a finished scan hands back to its caller."""

    case: Case
    report: dict[str, Any]
    written: dict[str, Path] = field(default_factory=dict)
    hashed_now: int = 0
    resumed_from: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Task:
    """One item on its way through a worker."""

    evidence: EvidenceRecord
    record: ItemRecord
    spooled: Path | None
    is_root: bool


def _register_evidence(case: Case, paths: Sequence[Path]) -> list[tuple[EvidenceRecord, Path]]:
    resolved = [given.resolve() for given in paths]
    known = {record.path: record.label for record in case.evidence()}
    labels = set(known.values())
    for path in resolved:
        if str(path) in known:
            continue
        label = path.name or "root"
        suffix = 2
        while label in labels:
            label, suffix = f"{path.name}-{suffix}", suffix + 1
        labels.add(label)
        known[str(path)] = label
        source = source_for(path)
        size = path.stat().st_size if source.name == "file" and path.is_file() else None
        # A file's SHA-256 is its root item's, filled in when that item is hashed (one read, not two).
        case.add_evidence(label, str(path), source.name, size, None)
    records = {record.path: record for record in case.evidence()}
    return [(records[str(path)], path) for path in resolved]


def _refuse_writing_into_evidence(evidence: Sequence[Path], outputs: dict[str, Path]) -> None:
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


def run_scan(options: ScanOptions, store: HashSetStore, progress: Progress | None = None) -> ScanResult:
    """Scan the evidence into the case and write its reports; safe to run again to resume.

    Raises:
        EvidenceError: an evidence path does not exist.
        UsageError: the case folder, store or spool is inside the evidence.
        CaseMismatchError: the case was scanned against other hash sets.
        HashSetNotFoundError: a named hash set is neither in the store nor a file.
    """
    progress = progress or SilentProgress()
    spool_setting = settings.get_str(settings.SPOOL)
    spool_parent = Path(spool_setting) if spool_setting else None
    outputs = {"case folder": options.case_dir, "hash-set store": store.root}
    if spool_parent is not None:
        outputs["spool"] = spool_parent
    _refuse_writing_into_evidence(options.evidence, outputs)
    open_sets: list[OpenHashSet] = [store.open(store.resolve(name)) for name in options.hashsets]
    case = Case.open(options.case_dir, create=True, db_url=options.db_url)
    skip = done_keys(case.engine)
    already = len(skip)
    set_ids = case.set_hashsets([s.case_record() for s in open_sets], has_items=already > 0)
    evidence = _register_evidence(case, options.evidence)
    thresholds = Thresholds(
        pdq_distance=settings.get_int(settings.PDQ_THRESHOLD),
        pdq_min_quality=settings.get_int(settings.PDQ_MIN_QUALITY),
        vpdq_percent=float(settings.get_int(settings.VPDQ_MATCH_PERCENT)),
    )
    hash_options = {
        "exact_pdq": options.exact_pdq,
        "vpdq_seconds_per_hash": float(settings.get_str(settings.VPDQ_SECONDS_PER_HASH)),
        "vpdq_threads": 1,
        "max_image_pixels": settings.get_int(settings.MAX_IMAGE_PIXELS),
        "max_image_bytes": settings.get_int(settings.MAX_IMAGE_BYTES),
    }
    limits = limits_from_settings()
    register_built_in()
    warnings = [
        f"{module.rsplit('.', 1)[-1]} containers are not opened: {why}" for module, why in UNAVAILABLE.items()
    ]
    for warning in warnings:
        case.log(f"warning: {warning}")
    workers = options.workers or settings.get_int(settings.WORKERS) or _cpu_count()
    scan_id = case.start_scan(
        {
            "evidence": [str(path) for _, path in evidence],
            "hashsets": [s.name for s in open_sets],
            "workers": workers,
            **hash_options,
            **asdict(thresholds),
            "limits": asdict(limits),
        }
    )
    # Counting lists every evidence root once more before the walk: only a display of the total needs it.
    estimate = 0 if isinstance(progress, SilentProgress) else sum(_count(path) for _, path in evidence)
    progress.start(max(estimate, already), already)
    batch_size = settings.get_int(settings.BATCH_SIZE)
    batch: list[tuple[int, ItemRecord]] = []
    last_commit = time.monotonic()
    hashed = 0
    seen = 0
    status = "interrupted"

    def flush() -> None:
        nonlocal last_commit
        if batch:
            with case.engine.begin() as connection:
                write_items(connection, batch, scan_id=scan_id, hashset_ids=set_ids)
            batch.clear()
        last_commit = time.monotonic()

    def record(evidence_id: int, item: ItemRecord) -> None:
        batch.append((evidence_id, item))
        progress.advance()
        if len(batch) >= batch_size or time.monotonic() - last_commit > 2.0:
            flush()

    def tasks(spool: Spool) -> Iterator[tuple[_Task, str]]:
        nonlocal seen
        for record_, path in evidence:

            def describe(
                item: Item, details: dict[str, JsonScalar], _record: EvidenceRecord = record_
            ) -> None:
                # Verifying a whole image is done once per case, not again on every resume.
                if not _record.details:
                    case.set_evidence_details(_record.id, dict(details))

            source = source_for(path)
            for found in walk(source.items(path), limits, spool_dir=str(spool.folder), describe=describe):
                seen += 1
                if seen > estimate:
                    progress.found(seen)
                if (record_.id, found.item.path) in skip:
                    continue
                item_record = record_for(record_.label, found)
                is_root = found.depth == 0 and source.name == "file"
                if not found.item.readable:
                    record(record_.id, item_record)
                    continue
                if found.item.fs_path is not None:
                    yield _Task(record_, item_record, None, is_root), found.item.fs_path
                    continue
                try:
                    spooled = spool.put(found.item, limits.member_bytes)
                except OSError as error:
                    item_record.errors.append(ItemError("read", f"cannot be read: {error}"))
                    record(record_.id, item_record)
                    continue
                yield _Task(record_, item_record, spooled, is_root), str(spooled)

    try:
        with (
            Spool(spool_parent) as spool,
            HashingPool[_Task](
                workers,
                hash_options,
                timeout=float(settings.get_int(settings.ITEM_TIMEOUT)),
                memory_mb=settings.get_int(settings.WORKER_MEMORY_MB),
            ) as pool,
        ):
            for task, result in pool.map(tasks(spool)):
                if task.spooled is not None:
                    task.spooled.unlink(missing_ok=True)
                item_record = task.record
                if isinstance(result, WorkerFailure):
                    item_record.errors.append(ItemError("hash", str(result)))
                else:
                    hashes = apply_hashes(item_record, result, thresholds.pdq_min_quality)
                    item_record.matches = match_item(hashes, open_sets, thresholds, compare_videos)
                    if task.is_root and item_record.sha256:
                        case.set_evidence_hash(task.evidence.id, item_record.sha256)
                hashed += 1
                record(task.evidence.id, item_record)
        flush()
        status = "completed"
    finally:
        flush()
        case.finish_scan(scan_id, status, {"hashed": hashed, "items": seen})
        progress.finish()
    report, written = write_reports(case)
    case.log(f"scan {scan_id} completed: {hashed} items hashed, {seen} in all; reports in {case.path}")
    return ScanResult(
        case=case, report=report, written=written, hashed_now=hashed, resumed_from=already, warnings=warnings
    )


def _count(path: Path) -> int:
    """How many items an evidence root holds at its top level: the progress bar's first estimate."""
    return sum(1 for _ in source_for(path).items(path))


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1

"""The scan: list the evidence, hash what is not yet in the case, match it, record it, write the reports."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from warden import settings
from warden.case.folder import Case, EvidenceRecord
from warden.case.items import count_items, done_keys, write_items
from warden.case.records import ItemError, ItemRecord, Media
from warden.errors import EvidenceError, UsageError
from warden.evidence.base import ItemRef
from warden.evidence.sources import source_for
from warden.hashing.kinds import EXACT_KINDS, VideoHash, VpdqFrame
from warden.hashing.video_match import match_vpdq
from warden.hashsets.store import HashSetStore, OpenHashSet
from warden.report.case_report import write_reports
from warden.scan.matcher import ItemHashes, Thresholds, match_item
from warden.scan.pool import HashingPool, WorkerFailure
from warden.scan.progress import Progress, SilentProgress


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


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _register_evidence(case: Case, paths: Sequence[Path]) -> list[tuple[EvidenceRecord, Path]]:
    known = {record.path: record for record in case.evidence()}
    labels = {record.label for record in known.values()}
    registered = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise EvidenceError(f"evidence {given} does not exist")
        path = given.resolve()
        if str(path) not in known:
            label = path.name or "root"
            suffix = 2
            while label in labels:
                label, suffix = f"{path.name}-{suffix}", suffix + 1
            labels.add(label)
            source = source_for(path)
            is_file = source.name == "file" and path.is_file()
            case.add_evidence(
                label,
                str(path),
                source.name,
                path.stat().st_size if is_file else None,
                _sha256_file(path) if is_file else None,
            )
            known = {record.path: record for record in case.evidence()}
        registered.append((known[str(path)], path))
    return registered


def _refuse_writing_into_evidence(evidence: Sequence[Path], outputs: dict[str, Path]) -> None:
    """Evidence is read-only: nothing the scan writes may lie inside it.

    Raises:
        EvidenceError: an evidence path does not exist.
        UsageError: the case folder or the store is inside an evidence folder (or is one).
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


def _item_from_ref(label: str, ref: ItemRef) -> ItemRecord:
    record = ItemRecord(
        evidence=label, path=ref.path, size=ref.size, mtime=ref.mtime, ctime=ref.ctime, atime=ref.atime
    )
    if ref.problem:
        record.errors.append(ItemError("evidence", ref.problem))
    return record


def _apply_hashes(record: ItemRecord, result: dict[str, Any], min_quality: int) -> ItemHashes:
    """Fill ``record`` from a worker's result; returns what matching needs."""
    record.media = Media(result.get("media") or "other")
    record.format = result.get("format")
    record.md5, record.sha1, record.sha256 = result.get("md5"), result.get("sha1"), result.get("sha256")
    record.size = result.get("size", record.size)
    record.width, record.height = result.get("width"), result.get("height")
    record.pdq, record.pdq_quality = result.get("pdq"), result.get("pdq_quality")
    for error in result.get("errors") or []:
        record.errors.append(ItemError(error["stage"], error["message"]))
    frames = tuple(
        VpdqFrame(pdq=frame["pdq"], quality=int(frame["quality"]), timestamp=float(frame["timestamp"]))
        for frame in result.get("vpdq") or []
    )
    if frames:
        record.vpdq = " ".join(frame.to_text() for frame in frames)
    if record.pdq is not None and record.pdq_quality is not None and record.pdq_quality < min_quality:
        record.notes.append(
            f"pdq quality {record.pdq_quality} < {min_quality}: too little detail to match perceptually"
        )
    digests = {kind: result[kind.value] for kind in EXACT_KINDS if result.get(kind.value)}
    variants = [(v["variant"], v["pdq"], int(v["quality"])) for v in result.get("pdq_variants") or []]
    return ItemHashes(digests=digests, pdq_variants=variants, video=frames or None)


def compare_videos(query: VideoHash, listed: VideoHash) -> tuple[float, float]:
    """The reference vPDQ comparison, as the matcher wants it: (query %, listed %)."""
    result = match_vpdq(query, listed)
    return result.query_percent, result.compared_percent


def _listing(
    evidence: list[tuple[EvidenceRecord, Path]], skip: set[tuple[int, str]], progress: Progress
) -> tuple[list[tuple[int, ItemRecord, str | None]], int]:
    pending: list[tuple[int, ItemRecord, str | None]] = []
    total = 0
    for record, path in evidence:
        for ref in source_for(path).items(path):
            total += 1
            if total % 1000 == 0:
                progress.listing(total)
            if (record.id, ref.path) in skip:
                continue
            pending.append((record.id, _item_from_ref(record.label, ref), ref.fs_path))
    return pending, total


def run_scan(options: ScanOptions, store: HashSetStore, progress: Progress | None = None) -> ScanResult:
    """Scan the evidence into the case and write its reports; safe to run again to resume.

    Raises:
        EvidenceError: an evidence path does not exist.
        CaseMismatchError: the case was scanned against other hash sets.
        HashSetNotFoundError: a named hash set is neither in the store nor a file.
    """
    progress = progress or SilentProgress()
    _refuse_writing_into_evidence(
        options.evidence, {"case folder": options.case_dir, "hash-set store": store.root}
    )
    open_sets: list[OpenHashSet] = [store.open(store.resolve(name)) for name in options.hashsets]
    case = Case.open(options.case_dir, create=True, db_url=options.db_url)
    already = count_items(case.engine)
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
    workers = options.workers or settings.get_int(settings.WORKERS) or _cpu_count()
    scan_id = case.start_scan(
        {
            "evidence": [str(path) for _, path in evidence],
            "hashsets": [s.name for s in open_sets],
            "workers": workers,
            **hash_options,
            **asdict(thresholds),
        }
    )
    skip = done_keys(case.engine)
    pending, total = _listing(evidence, skip, progress)
    progress.start(total, total - len(pending))
    batch_size = settings.get_int(settings.BATCH_SIZE)
    batch: list[tuple[int, ItemRecord]] = []
    last_commit = time.monotonic()
    hashed = 0

    def flush() -> None:
        nonlocal last_commit
        if batch:
            with case.engine.begin() as connection:
                write_items(connection, batch, scan_id=scan_id, hashset_ids=set_ids)
            batch.clear()
        last_commit = time.monotonic()

    def readable() -> Iterator[tuple[tuple[int, ItemRecord], str]]:
        for evidence_id, record, fs_path in pending:
            if fs_path is None:
                batch.append((evidence_id, record))
                progress.advance()
                continue
            yield (evidence_id, record), fs_path

    status = "interrupted"
    try:
        with HashingPool[tuple[int, ItemRecord]](
            workers,
            hash_options,
            timeout=float(settings.get_int(settings.ITEM_TIMEOUT)),
            memory_mb=settings.get_int(settings.WORKER_MEMORY_MB),
        ) as pool:
            for (evidence_id, record), result in pool.map(readable()):
                if isinstance(result, WorkerFailure):
                    record.errors.append(ItemError("hash", str(result)))
                else:
                    hashes = _apply_hashes(record, result, thresholds.pdq_min_quality)
                    record.matches = match_item(hashes, open_sets, thresholds, compare_videos)
                hashed += 1
                batch.append((evidence_id, record))
                progress.advance()
                if len(batch) >= batch_size or time.monotonic() - last_commit > 2.0:
                    flush()
        flush()
        status = "completed"
    finally:
        flush()
        case.finish_scan(scan_id, status, {"hashed": hashed, "items": total})
        progress.finish()
    report, written = write_reports(case)
    case.log(f"scan {scan_id} completed: {hashed} items hashed, {total} in all; reports in {case.path}")
    return ScanResult(case=case, report=report, written=written, hashed_now=hashed, resumed_from=already)


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1

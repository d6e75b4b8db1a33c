"""The scan: walk the evidence, hash what is not yet in the case, match it and record it (the reports are
written from the case afterwards, by :mod:`warden.report`).

One scan of a case runs at a time (the case's scan lock). A failure of Warden's own disks, the spool's or
the case's, stops the scan cleanly with a documented error: what was recorded stays, the item that met the
failure is not recorded, and the same command run again resumes with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from warden import settings
from warden.case.folder import Case, EvidenceRecord, operator_name
from warden.case.items import done_keys, paths_recorded_differently, write_items
from warden.case.redo import forget, to_redo
from warden.case.storage_errors import as_warden_error, case_storage
from warden.conversations.readers import Limits as ReaderLimits
from warden.errors import CaseError, PsiError, UsageError, WardenError
from warden.evidence.base import EvidenceSource, Item, JsonScalar, Limits
from warden.evidence.containers import BUILT_IN as CONTAINER_BUILT_IN
from warden.evidence.containers import UNAVAILABLE, limits_from_settings, register_built_in
from warden.evidence.sources import source_for
from warden.evidence.walk import Found, walk
from warden.hashing import hash_types
from warden.hashing.digests import ListedPath
from warden.hashing.hash_types import ItemHashes
from warden.hashsets.store import HashSetStore, OpenHashSet
from warden.model.records import ItemError, ItemRecord
from warden.registry import PROBLEMS as PLUGIN_PROBLEMS
from warden.scan.conversations import ConversationPass
from warden.scan.evidence_roots import refuse_writing_into_evidence, register_evidence, survey
from warden.scan.mapped_exports import MappingRule, parse_rules
from warden.scan.matcher import match_item
from warden.scan.pool import HOLD, HashingPool, WorkerFailure, cpu_count
from warden.scan.private_match import PrivateList
from warden.scan.progress import LARGE_ITEM_BYTES, Progress, Reading, SilentProgress, copying
from warden.scan.raised import RaisedLimits
from warden.scan.ray_pool import RayHashingPool
from warden.scan.recording import apply_hashes, record_for, refused
from warden.scan.spool import NO_SPACE_ERRNOS, Spool, SpoolError, spool_failure
from warden.scan.unit_scan import ScanUnits, Unit
from warden.scan.units import WHOLE, Scope, resources_for
from warden.scan.worker import with_hash_types


@dataclass(slots=True)
class ScanOptions:
    """What ``warden scan`` was asked to do."""

    evidence: list[Path]
    hashsets: list[str]
    case_dir: Path
    workers: int = 0
    exact_pdq: bool = False
    db_url: str | None = None
    raise_limits: list[str] = field(default_factory=list)  # EXHIBIT:LIMIT=VALUE, see warden.scan.raised
    key_files: list[Path] = field(
        default_factory=list
    )  # secrets for encrypted volumes, see warden.evidence.keys
    ray: str | None = None  # a Ray cluster to hash on (see warden.scan.ray_pool); None: this machine
    conversations: bool | None = None  # read app databases for conversations; None: the setting decides
    conversation_mappings: list[str] = field(
        default_factory=list
    )  # PATTERN=MAPPING.json, see scan/mapped_exports
    device_zone: str | None = None  # IANA zone of local times in exports that write none
    psi_url: str | None = None  # a private-membership service matched instead of a local list (exact only)
    psi_token_file: Path | None = None  # its API key, see warden.psi.client.read_token_file


@dataclass(slots=True)
class ScanResult:
    """What a finished scan hands back to its caller."""

    case: Case
    where: str
    """The case's place, for messages about it."""
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
    counted: int = 0  # bytes of the scan's byte total this item stands for (items directly in the evidence)


def run_scan(options: ScanOptions, store: HashSetStore, progress: Progress | None = None) -> ScanResult:
    """Scan the evidence into the case; safe to run again to resume. The caller writes the reports.

    Raises:
        EvidenceError: an evidence path does not exist.
        UsageError: the case folder, store or spool is inside the evidence, or the spool cannot be written.
        CaseMismatchError: the case was scanned against other hash sets, or is in another database.
        CaseBusyError: another process is scanning this case now.
        NoSpaceError: the disk holding the spool or the case is full (the scan stopped; run it again).
        CaseError: the case folder or database failed (naming the item when recording it failed).
        HashSetNotFoundError: a named hash set is neither in the store nor a file.
        PsiError: with ``psi_url``, the service cannot be reached, refuses, or answers wrongly (the scan
            stops before the batch it was matching is recorded; run it again to resume).
    """
    if not options.hashsets and not options.psi_url:
        raise UsageError("give a hash set to match (--hashset) or a private-membership service (--psi)")
    progress = progress or SilentProgress()
    spool_setting = settings.get_str(settings.SPOOL)
    spool_parent = Path(spool_setting) if spool_setting else None
    outputs = {"case folder": options.case_dir, "hash-set store": store.root}
    if spool_parent is not None:
        outputs["spool"] = spool_parent
    refuse_writing_into_evidence(options.evidence, outputs)
    if options.ray or settings.get_str(settings.RAY_ADDRESS):
        try:  # told before the case is touched and before minutes of connecting to a cluster
            resources_for("/", settings.get_str(settings.RAY_EVIDENCE_RESOURCES))
        except ValueError as error:
            raise UsageError(str(error)) from None
    limits = limits_from_settings(
        options.key_files
    )  # a malformed key file: refused before the case is touched
    mappings = conversation_options(options)  # so are a bad mapping file and an unknown zone
    open_sets: list[OpenHashSet] = [store.open(store.resolve(name)) for name in options.hashsets]
    private = private_list(options, [s.name for s in open_sets])  # reached and checked before the case
    try:
        case = Case.open(options.case_dir, create=True, db_url=options.db_url)
        with case.scanning():
            return _Scan(case, options, open_sets, progress, limits, mappings, private).run(spool_parent)
    finally:
        if private is not None:
            private.client.close()


def private_list(options: ScanOptions, local: list[str]) -> PrivateList | None:
    """The ``--psi`` service's list, its manifest and filter fetched and checked; None without ``--psi``.

    Raises:
        UsageError: no token file, or the list has the name of a local set matched too.
        PsiError: the service cannot be reached or refuses, or its list cannot be used.
    """
    if not options.psi_url:
        if options.psi_token_file is not None:
            raise UsageError("--psi-token-file is the API key of a --psi service: give --psi URL too")
        return None
    if options.psi_token_file is None:
        raise UsageError("--psi needs --psi-token-file: the file holding an API key with the psi scope")
    from warden.psi.client import PsiClient, read_token_file

    client = PsiClient(options.psi_url, read_token_file(options.psi_token_file), wait_on_limit=60.0)
    try:
        private = PrivateList.connect(client)
        if private.name in local:
            raise UsageError(
                f"the list at {options.psi_url} is named {private.name!r}, as a hash set matched here too: "
                "match one or the other"
            )
    except BaseException:
        client.close()
        raise
    return private


def conversation_options(options: ScanOptions) -> list[MappingRule]:
    """The ``--conversation-mapping`` rules, their files read and checked, and ``--device-zone`` checked.

    Raises:
        UsageError: a rule or mapping file is not valid, the zone is not an IANA name, or mappings are given
            with ``--no-conversations``.
    """
    if options.conversation_mappings and options.conversations is False:
        raise UsageError("--conversation-mapping names exports to read, but --no-conversations reads none")
    if options.device_zone:
        try:
            ZoneInfo(options.device_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                f"--device-zone {options.device_zone!r}: not a known time zone (give an IANA name such as "
                "Europe/London)"
            ) from None
    return parse_rules(options.conversation_mappings)


class _Scan:
    """One run of the scan over an open, locked case."""

    def __init__(
        self,
        case: Case,
        options: ScanOptions,
        open_sets: list[OpenHashSet],
        progress: Progress,
        limits: Limits | None = None,
        mappings: list[MappingRule] | None = None,
        private: PrivateList | None = None,
    ) -> None:
        self.case = case
        self.options = options
        self.mappings = mappings or []
        self.open_sets = open_sets
        self.private = private
        self.pending: list[tuple[ItemRecord, ItemHashes]] = []  # the batch's hashes, for the private list
        self.private_failed: PsiError | None = None
        self.progress = progress
        self.where = case.where
        self.batch: list[tuple[int, ItemRecord]] = []
        self.last_commit = time.monotonic()
        self.hashed = 0
        self.seen = 0
        self.estimate = 0
        self.stopped: SpoolError | None = None
        with case_storage(self.where, "reading what is already recorded"):
            self.redo = to_redo(case.engine)
            self.skip = done_keys(case.engine) - set(self.redo)
        self.thresholds = hash_types.thresholds()  # read once: the scan records what it matched with
        self.hash_options = {
            "exact_pdq": options.exact_pdq,
            "vpdq_seconds_per_hash": float(settings.get_str(settings.VPDQ_SECONDS_PER_HASH)),
            "vpdq_threads": 1,
            "max_image_pixels": settings.get_int(settings.MAX_IMAGE_PIXELS),
            "max_image_bytes": settings.get_int(settings.MAX_IMAGE_BYTES),
        }
        self.limits: Limits = limits or limits_from_settings()
        self.workers = options.workers or settings.get_int(settings.WORKERS) or cpu_count()
        self.batch_size = settings.get_int(settings.BATCH_SIZE)
        self.units: ScanUnits | None = None  # work units on a Ray cluster, while hashing
        self.described: set[tuple[int, str]] = set()

    def run(self, spool_parent: Path | None) -> ScanResult:
        case, already = self.case, len(self.skip)
        with case_storage(self.where, "preparing the scan"):
            wanted = [s.case_record() for s in self.open_sets]
            if self.private is not None:
                wanted.append(self.private.case_record())
            self.set_ids = case.set_hashsets(wanted, has_items=already > 0)
            self.evidence = register_evidence(case, self.options.evidence)
            # Limits raised for one exhibit; what a lower limit refused before is examined again.
            self.raised = RaisedLimits.prepare(
                self.options.raise_limits, self.limits, self.evidence, case.engine
            )
            self.skip -= self.raised.redone()
            register_built_in()
            warnings = [
                f"{module.rsplit('.', 1)[-1]} containers are not opened: {why}"
                for module, why in UNAVAILABLE.items()
            ] + [
                f"the plug-in {problem.name} ({problem.group}) is installed but not used: {problem.reason}"
                for problem in PLUGIN_PROBLEMS
                if problem.name not in CONTAINER_BUILT_IN or not problem.reason.startswith("needs ")
            ]
            changed = paths_recorded_differently(case.engine) if already else 0
            if changed:
                warnings.append(
                    f"{changed} items recorded by a Warden before case format 4 have names it now records "
                    "under other paths (a backslash, a colon, or a zip name without the UTF-8 flag); those "
                    "this run finds again are recorded again and counted twice: to count this evidence "
                    "again, scan it into a new case"
                )
            for warning in warnings:
                case.log(f"warning: {warning}")
            self.scan_id = case.start_scan(
                {
                    "evidence": [record.path for record, _ in self.evidence],
                    "hashsets": [s.name for s in self.open_sets],
                    **({"psi": self.private.client.url} if self.private is not None else {}),
                    "workers": self.workers,
                    **self.hash_options,
                    **self.thresholds,
                    "limits": self.limits.to_json(),  # key files by path, never a secret
                    **self.raised.options(),
                }
            )
            self.raised.forget_refused(case.engine, actor=operator_name(), scan_id=self.scan_id)
        # Counting lists every evidence root once more before the walk: only a display of the total needs it.
        silent = isinstance(self.progress, SilentProgress)
        self.estimate, total_bytes = (0, None) if silent else survey([path for _, path in self.evidence])
        self.progress.start(max(self.estimate, already), already, total_bytes)
        try:
            self._hash_all(spool_parent, watch=not silent)
            if self.stopped is None and self._reads_conversations():
                self._conversations(spool_parent)
        except BaseException:
            self._finish("interrupted", quietly=True)
            raise
        else:
            self._finish("interrupted" if self.stopped else "completed", quietly=False)
        finally:
            self.progress.finish()
        if self.stopped is not None:
            raise spool_failure(self.stopped)
        with case_storage(self.where, "recording the scan"):
            case.log(f"scan {self.scan_id} completed: {self.hashed} items hashed, {self.seen} in all")
        return ScanResult(
            case=case,
            where=self.where,
            hashed_now=self.hashed,
            resumed_from=already,
            warnings=warnings,
        )

    def _hash_all(self, spool_parent: Path | None, *, watch: bool) -> None:
        try:
            spool = Spool(spool_parent)
        except SpoolError as error:
            raise spool_failure(error) from error
        with spool, self._pool() as pool:
            self.units = self._units(pool, spool_parent)
            on_wait = (lambda: self._show_reading(pool)) if watch else None
            again: list[Unit] | None = None
            try:
                # Work units run on the cluster meanwhile; one that failed there is walked here afterwards.
                while again is None or again:
                    for task, result in pool.map(self._tasks(spool, again), on_wait=on_wait):
                        if task.spooled is not None:
                            spool.release(task.spooled)
                        self.record_result(
                            task.evidence, task.record, result, is_root=task.is_root, counted=task.counted
                        )
                        if self.units is not None:
                            self.units.take()
                    again = self.units.finish() if self.units is not None and self.stopped is None else []
            finally:
                if self.units is not None:
                    self.units.close()
        self._flush()

    def _reads_conversations(self) -> bool:
        if self.options.conversations is not None:
            return self.options.conversations
        return settings.get_bool(settings.SCAN_CONVERSATIONS)

    def _conversations(self, spool_parent: Path | None) -> None:
        """Read the recorded app databases for conversations (see ``warden.scan.conversations``); a spool
        that cannot take a copy stops the scan as it does while hashing (a rerun reads what is missing)."""
        reader_limits = ReaderLimits(seconds=float(settings.get_int(settings.CONVERSATION_SECONDS)))
        found = ConversationPass(
            self.case,
            self.scan_id,
            self.evidence,
            self.raised.limits_for,
            reader_limits,
            self.log,
            self.mappings,
            self.options.device_zone,
        )
        try:
            with Spool(spool_parent) as spool:
                found.run(spool)
        except SpoolError as error:
            self.stopped = error

    def _units(
        self, pool: HashingPool[_Task] | RayHashingPool[_Task], spool_parent: Path | None
    ) -> ScanUnits | None:
        """The scan's work units, when it runs on a Ray cluster (see ``warden.scan.unit_scan``)."""
        if not isinstance(pool, RayHashingPool) or settings.get_int(settings.RAY_UNIT_BYTES) <= 0:
            return None
        timeout = float(settings.get_int(settings.ITEM_TIMEOUT))
        memory_mb = settings.get_int(settings.WORKER_MEMORY_MB)
        spool = str(spool_parent) if spool_parent is not None else ""
        return ScanUnits(self, spool, with_hash_types(self.hash_options), timeout, memory_mb)

    def record_result(
        self,
        evidence: EvidenceRecord,
        record: ItemRecord,
        result: dict[str, Any] | WorkerFailure | None,
        *,
        is_root: bool,
        counted: int,
    ) -> None:
        """Record an item with its hashes (matched here) or its hashing failure (None: none needed)."""
        if isinstance(result, WorkerFailure):
            record.errors.append(ItemError("hash", str(result)))
        elif result is not None:
            hashes = apply_hashes(record, result, int(self.thresholds["pdq_min_quality"]))
            record.matches = match_item(hashes, self.open_sets, self.thresholds)
            if self.private is not None:
                self.pending.append((record, hashes))  # matched through the service with its batch
            if is_root and record.sha256:
                with case_storage(self.where, "recording an evidence file's SHA-256"):
                    self.case.set_evidence_hash(evidence.id, record.sha256)
        if result is not None:
            self.hashed += 1
        self._record(evidence.id, record, counted)

    def describe_evidence(self, evidence: EvidenceRecord, path: str, details: dict[str, JsonScalar]) -> None:
        """Keep what an evidence file's format says of it as a whole (once per case, not on every resume;
        once per run for a container a work unit described, though a unit sent again describes it again)."""
        if not evidence.details and (evidence.id, path) not in self.described:
            self.described.add((evidence.id, path))
            with case_storage(self.where, "describing an evidence file"):
                self.case.set_evidence_details(evidence.id, dict(details))

    def log(self, message: str) -> None:
        """A line in the case's log about this scan run."""
        with case_storage(self.where, "writing the case log"):
            self.case.log(f"scan {self.scan_id}: {message}")

    def _pool(self) -> HashingPool[_Task] | RayHashingPool[_Task]:
        """The hashing processes of this machine, or Ray tasks on the cluster ``--ray`` names."""
        options = with_hash_types(self.hash_options)
        timeout = float(settings.get_int(settings.ITEM_TIMEOUT))
        memory_mb = settings.get_int(settings.WORKER_MEMORY_MB)
        address = self.options.ray or settings.get_str(settings.RAY_ADDRESS)
        if address:
            in_flight = self.options.workers or settings.get_int(settings.WORKERS)
            return RayHashingPool[_Task](address, in_flight, options, timeout=timeout, memory_mb=memory_mb)
        return HashingPool[_Task](self.workers, options, timeout=timeout, memory_mb=memory_mb)

    def _tasks(self, spool: Spool, again: list[Unit] | None = None) -> Iterator[tuple[_Task, str] | None]:
        """Every item to hash, with the path a worker reads; records at once what needs no hashing.

        Work units go to the cluster instead; ``again``: only these units' containers, walked here.
        """
        roots: Iterable[tuple[EvidenceRecord, str, Iterable[Item], Scope]] = (
            ((record_, source.name, source.items(path), WHOLE) for record_, path, source in self._sources())
            if again is None
            else ((record_, source, [item], scope) for record_, item, source, scope in again)
        )
        for record_, source, items, scope in roots:

            def describe(
                item: Item, details: dict[str, JsonScalar], _record: EvidenceRecord = record_
            ) -> None:
                self.describe_evidence(_record, item.path, details)  # verified once per case

            limits = self.raised.limits_for(record_.id)
            try:
                for top in items:
                    if self.stopped is not None:
                        return  # a unit's node could not write its spool
                    # Walked one top-level item at a time: the same items, in the same order, as one walk.
                    if again is None and self.units is not None:
                        if self.units.claim(record_, top, source, limits):
                            continue
                        self.units.take()
                    for found in walk(
                        [top], limits, spool_dir=str(spool.folder), describe=describe, select=scope.selects
                    ):
                        if not scope.holds(found.item.path):
                            continue  # another unit's part of the container
                        yield from self._task_for(found, record_, source, spool)
                        if self.stopped is not None:
                            return
            except OSError as error:
                if error.errno not in NO_SPACE_ERRNOS:
                    raise
                # A container spooling its members met a full disk: the walk stops; a rerun redoes it.
                self.stopped = SpoolError(spool.folder, error)
                return

    def _sources(self) -> Iterator[tuple[EvidenceRecord, Path, EvidenceSource]]:
        for record_, path in self.evidence:
            yield record_, path, source_for(path)

    def _task_for(
        self, found: Found, evidence: EvidenceRecord, source: str, spool: Spool
    ) -> Iterator[tuple[_Task, str] | None]:
        self.seen += 1
        if self.seen > self.estimate:
            self.progress.found(self.seen)
        counted = (found.item.size or 0) if found.depth == 0 else 0
        if (evidence.id, found.item.path) in self.skip:
            self.progress.advance(0, counted)
            return
        item_record = record_for(evidence.label, found)
        is_root = found.depth == 0 and source == "file"
        if not found.item.readable:
            self._record(evidence.id, item_record, counted)
            return
        if found.item.fs_path is not None:
            listed = ListedPath(found.item.fs_path, found.item.identity)  # the worker checks it is that file
            yield _Task(evidence, item_record, None, is_root, counted), listed
            return
        for attempt in (1, 2):
            try:
                limits = self.raised.limits_for(evidence.id)
                limits = limits if limits.exhibit else replace(limits, exhibit=evidence.label)
                spooled = spool.put(
                    found.item, limits, copying(self.progress, item_record.path, item_record.size)
                )
            except SpoolError as error:
                if attempt == 1 and spool.holding:
                    # Copies for the items in flight may be what fills the spool: let them finish, try again.
                    yield HOLD
                    continue
                self.stopped = error
                return
            except OSError as error:
                item_record.errors.append(ItemError("read", f"cannot be read: {error}"))
                self._record(evidence.id, item_record, counted)
                return
            finally:
                self.progress.reading([])
            yield _Task(evidence, item_record, spooled, is_root, counted), str(spooled)
            return

    def _show_reading(self, pool: HashingPool[_Task] | RayHashingPool[_Task]) -> None:
        self.progress.reading(
            [
                Reading(task.record.path, done, task.record.size, counted=task.counted > 0)
                for task, done in pool.reading()
                if done is not None and (task.record.size or 0) >= LARGE_ITEM_BYTES
            ]
        )

    def _record(self, evidence_id: int, item: ItemRecord, counted: int) -> None:
        self.batch.append((evidence_id, item))
        self.progress.advance(1, counted)
        if len(self.batch) >= self.batch_size or time.monotonic() - self.last_commit > 2.0:
            self._flush()

    def _flush(self) -> None:
        """Write the batch in one transaction (replacing items an earlier run must redo).

        Raises:
            NoSpaceError: the disk holding the case is full (the batch is not recorded; a rerun redoes it).
            CaseError: the database refused the batch, naming the item it refused.
        """
        if self.batch:
            if self.private is not None and self.pending:
                if self.private_failed is not None:  # not asked again on the way out (a hung service)
                    raise self.private_failed
                try:
                    self.private.match(self.pending, int(self.thresholds["pdq_min_quality"]))
                except PsiError as error:
                    self.private_failed = error
                    raise
                self.pending.clear()
            replaced = [
                self.redo.pop(key) for key in ((e, r.path) for e, r in self.batch) if key in self.redo
            ]
            try:
                with self.case.engine.begin() as connection:
                    forget(connection, replaced, actor=operator_name(), scan_id=self.scan_id)
                    write_items(connection, self.batch, scan_id=self.scan_id, hashset_ids=self.set_ids)
            except IntegrityError as error:
                labels = {record.id: record.label for record, _ in self.evidence}
                raise CaseError(refused(error.params, str(error.orig), labels, self.batch)) from error
            except (OSError, SQLAlchemyError) as error:
                raise as_warden_error(error, self.where, "recording items") from error
            self.batch.clear()
        self.last_commit = time.monotonic()

    def _finish(self, status: str, *, quietly: bool) -> None:
        """Record the batch and how the scan ended; ``quietly`` when an error is already on its way out
        (a scan whose end cannot be recorded stays ``running`` until the case is next opened)."""
        detail: dict[str, Any] = {"hashed": self.hashed, "items": self.seen}
        if self.stopped is not None:
            detail["reason"] = str(self.stopped)
        try:
            self._flush()
        except WardenError:
            if not quietly:
                raise
            self.batch.clear()  # what the database refused once, it refuses again: a rerun redoes it
        try:
            with case_storage(self.where, "recording the end of the scan"):
                self.case.finish_scan(self.scan_id, status, detail)
        except WardenError:
            if not quietly:
                raise

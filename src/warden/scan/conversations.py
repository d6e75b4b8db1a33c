"""The scan's last step: the app databases it recorded read for conversations, stored in the case, and the
messages' attachments linked to the items that are their files.

The candidates are the recorded items whose bytes are a SQLite database (format ``sqlite``) and that no run
has read for conversations yet, so a rerun reads only what is missing, as for items. Each is found again in
its evidence with one walk per exhibit that opens only the containers on the way to it, and copied with its
siblings (:data:`SIBLINGS`: the write-ahead log and shared memory beside it, WhatsApp's ``wa.db``) into the
scan's spool; the copy must give the SHA-256 the scan recorded. The readers (``warden.conversations``) open
only that copy, within :class:`~warden.conversations.readers.Limits`, and the copies are deleted straight
after. A source no reader recognises is recorded as read, holding nothing; one that cannot be read is an
error against its item, and the scan goes on.

App exports found in the evidence are read in the same pass: the items whose name is one an export uses
(:mod:`warden.scan.export_sources`) are copied with the files of the export their reader needs, in the same
walk, each copy checked against its recorded SHA-256, into a private folder of the spool that keeps the
export's layout; the reader that recognises the copy by its content reads it, and the folder is deleted. The
export is stored against the item that named it (``result.json``, ``messages/index.json``...), once. Items the
examiner named with ``--conversation-mapping`` (:mod:`warden.scan.mapped_exports`) are read the same way, as
one file each, with their mapping file; they take precedence over the reader an item's name would suggest.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warden.case import conversations as stored
from warden.case.folder import Case, EvidenceRecord
from warden.case.storage_errors import case_storage
from warden.conversations.builtin import reader_for
from warden.conversations.model import Conversations
from warden.conversations.readers import ConversationReader, Limits, Source, SourceError
from warden.conversations.sqlite_copy import open_database
from warden.evidence.base import SEPARATOR
from warden.evidence.base import Limits as ContainerLimits
from warden.evidence.sources import source_for
from warden.evidence.walk import walk
from warden.model.records import item_place
from warden.scan.attachment_links import path_links
from warden.scan.export_sources import ENDINGS, MOST_FILES, Export, export_of, needed, prefixes, single_file
from warden.scan.mapped_exports import MappingRule, rule_for
from warden.scan.spool import Spool, SpoolError

SIBLINGS: tuple[tuple[str, str], ...] = (
    ("wal", "{name}-wal"),
    ("shm", "{name}-shm"),
    ("contacts", "wa.db"),
)
"""Files read with a database, by role (``warden.conversations.readers.Source.siblings``): the name of each
beside it (``{name}``: the database's own). A reader uses the roles it knows (``contacts``: WhatsApp's
``wa.db``, for names)."""


@dataclass(slots=True)
class Outcome:
    """What one pass found: sources read, looked at and holding none, failed; messages stored."""

    read: int = 0
    not_conversations: int = 0
    failed: int = 0
    messages: int = 0
    linked: int = 0
    errors: list[str] = field(default_factory=list)


def sibling_paths(path: str) -> dict[str, str]:
    """The item paths of a database's siblings by role (beside it, at the same level of its evidence)."""
    folder, _, name = path.rpartition("/")
    if SEPARATOR in name:  # the database is a container's direct member: its siblings are too
        folder, _, name = path.rpartition(SEPARATOR)
        join = SEPARATOR
    else:
        join = "/"
    beside = f"{folder}{join}" if folder else ""
    return {role: beside + pattern.format(name=name) for role, pattern in SIBLINGS}


def _on_the_way(paths: set[str]) -> set[str]:
    """Every container path a walk must open to reach ``paths`` (each ``//`` level's prefix)."""
    prefixes: set[str] = set()
    for path in paths:
        levels = path.split(SEPARATOR)
        prefixes.update(SEPARATOR.join(levels[:depth]) for depth in range(1, len(levels)))
    return prefixes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


_Export = tuple[stored.Candidate, Export, MappingRule | None]
"""An item that is (or names) an export, how it is copied, and the mapping rule it is read with (if any)."""


class ConversationPass:
    """One pass over a case's unread app databases (see the module's description).

    Args:
        case: the open case, locked by its scan.
        scan_id: the scan run recording what it reads.
        evidence: the scan's exhibits with their paths.
        limits_for: the container limits of an exhibit (with what was raised for it).
        reader_limits: what one source may cost.
        log: a line in the case's log about this scan run.
        mappings: the examiner's ``--conversation-mapping`` rules: the items they name are read as mapped
            exports with their mapping file.
        zone: the IANA time zone the device kept local times in (``--device-zone``), for exports that write
            local times without one; None leaves such messages without UTC.
    """

    def __init__(
        self,
        case: Case,
        scan_id: int,
        evidence: list[tuple[EvidenceRecord, Path]],
        limits_for: Callable[[int], ContainerLimits],
        reader_limits: Limits,
        log: Callable[[str], None],
        mappings: list[MappingRule] | None = None,
        zone: str | None = None,
    ) -> None:
        self.case = case
        self.mappings = mappings or []
        self.zone = zone
        self.scan_id = scan_id
        self.evidence = evidence
        self.limits_for = limits_for
        self.reader_limits = reader_limits
        self.log = log

    def run(self, spool: Spool) -> Outcome:
        """Read every unread candidate, store what each gives, then link attachments to items.

        Raises:
            SpoolError: the spool cannot take a copy (its disk is full): what was stored stays.
            WardenError: the case cannot record a source (a full disk, a failed database).
        """
        outcome = Outcome()
        with case_storage(self.case.where, "finding app databases"):
            waiting = stored.candidates(self.case.engine)
            exports = self._exports()
        by_evidence: dict[int, list[stored.Candidate]] = {}
        for candidate in waiting:
            by_evidence.setdefault(candidate.evidence_id, []).append(candidate)
        exports_of: dict[int, list[_Export]] = {}
        for export in exports:
            exports_of.setdefault(export[0].evidence_id, []).append(export)
        for record, root in self.evidence:
            if record.id in by_evidence or record.id in exports_of:
                databases, named = by_evidence.get(record.id, []), exports_of.get(record.id, [])
                self._exhibit(record, root, databases, named, spool, outcome)
        with case_storage(self.case.where, "linking attachments to items"):
            outcome.linked = stored.link_by_sha256(self.case.engine)
            links = path_links(stored.unlinked_by_path(self.case.engine), self._item_paths)
            stored.set_links(self.case.engine, links)
            outcome.linked += len(links)
        used = sorted({rule for _, _, rule in exports if rule is not None}, key=self.mappings.index)
        for rule in used:
            self.log(
                f"conversations: items matching {rule.pattern!r} read as mapped exports with {rule.mapping} "
                f"(SHA-256 {rule.sha256})"
            )
        if self.zone and (waiting or exports):
            self.log(f"conversations: local times without a zone read in {self.zone} (--device-zone)")
        if waiting or exports:
            self.log(
                f"conversations: {outcome.read} app databases and exports read "
                f"({outcome.messages} messages), "
                f"{outcome.not_conversations} holding none Warden reads, {outcome.failed} unreadable; "
                f"{outcome.linked} attachments linked to items"
            )
        return outcome

    def _exports(self) -> list[_Export]:
        """The unread items that are (or name) an export: those a mapping rule names, read with its mapping,
        then those whose name is an export's."""
        chosen: dict[int, _Export] = {}
        if self.mappings:
            endings = sorted({rule.ending for rule in self.mappings})
            for candidate in stored.named_candidates(self.case.engine, endings):
                rule = rule_for(candidate.path, self.mappings)
                if rule is not None:
                    chosen[candidate.item_id] = (candidate, single_file(candidate.path), rule)
        for candidate in stored.named_candidates(self.case.engine, ENDINGS):
            if candidate.item_id not in chosen and (export := export_of(candidate.path)) is not None:
                chosen[candidate.item_id] = (candidate, export, None)
        return sorted(chosen.values(), key=lambda found: (found[0].evidence_id, found[0].path))

    def _item_paths(self, evidence_id: int) -> list[tuple[int, str]]:
        return stored.item_paths(self.case.engine, evidence_id)

    def _exhibit(
        self,
        record: EvidenceRecord,
        root: Path,
        candidates: list[stored.Candidate],
        exports: list[_Export],
        spool: Spool,
        outcome: Outcome,
    ) -> None:
        copies: dict[str, Path] = {}
        folders: list[Path] = []
        try:
            wanted = {c.path for c in candidates}
            wanted.update(path for c in candidates for path in sibling_paths(c.path).values())
            plans = [(c, export, rule, self._plan(record.id, export)) for c, export, rule in exports]
            wanted.update(row[0] for *_, plan in plans if isinstance(plan, list) for row in plan)
            failures = self._copy(record, root, wanted, spool, copies)
            for candidate in candidates:
                label = item_place(record.label, candidate.path)
                copy = copies.get(candidate.path)
                error = failures.get(candidate.path)
                if copy is None or error is not None:
                    self._store(candidate, None, None, error or "not found again in the evidence", outcome)
                    continue
                if candidate.sha256 and _sha256(copy) != candidate.sha256:
                    error = "the evidence no longer gives the bytes recorded for this item: not read"
                    self._store(candidate, None, None, error, outcome)
                    continue
                siblings = {
                    role: copies[path]
                    for role, path in sibling_paths(candidate.path).items()
                    if path in copies
                }
                self._read(candidate, Source(copy, label, siblings, self.zone), outcome)
            for candidate, export, rule, plan in plans:
                if isinstance(plan, str):
                    self._store(candidate, None, None, plan, outcome)
                    continue
                folder = self._laid_out(export, plan, copies, failures, spool, folders)
                if isinstance(folder, str):
                    self._store(candidate, None, None, folder, outcome)
                    continue
                place = item_place(record.label, export.place) if export.place else record.label
                given = folder / export.source if export.source else folder
                mapping = {"mapping": rule.mapping} if rule is not None else {}
                self._read(candidate, Source(given, place, mapping, self.zone), outcome, database=False)
        finally:
            for copy in copies.values():
                spool.release(copy)
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)

    def _plan(self, evidence_id: int, export: Export) -> list[tuple[str, str, int]] | str:
        """The files (path, SHA-256, size) to copy for an export, or why it is not read (past the bounds)."""
        rows: list[tuple[str, str, int]] = []
        with case_storage(self.case.where, "finding the files of an app export"):
            for start in prefixes(export):
                rows += stored.items_under(self.case.engine, evidence_id, start, MOST_FILES + 1)
        files = needed(export, rows)
        if len(files) > MOST_FILES:
            return f"the export has more than {MOST_FILES} files to read: not read"
        total = sum(size for _, _, size in files)
        if total > self.reader_limits.bytes:
            return (
                f"the export's files hold {total} bytes, more than the {self.reader_limits.bytes} one source "
                "may: not read"
            )
        return files

    def _laid_out(
        self,
        export: Export,
        files: list[tuple[str, str, int]],
        copies: dict[str, Path],
        failures: dict[str, str],
        spool: Spool,
        folders: list[Path],
    ) -> Path | str:
        """A private folder of the spool holding the export's copied files in their layout, or why not.

        Raises:
            SpoolError: the spool cannot be written.
        """
        for path, sha256, _ in files:
            copy = copies.get(path)
            if copy is None or path in failures:
                return f"{path}: {failures.get(path, 'not found again in the evidence')}"
            if _sha256(copy) != sha256:
                return f"the evidence no longer gives the bytes recorded for {path}: not read"
        try:
            folder = Path(tempfile.mkdtemp(prefix="export-", dir=spool.folder))
            folders.append(folder)
            for path, _, _ in files:
                target = folder / path[len(export.folder) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(copies[path], target)
        except OSError as error:
            raise SpoolError(spool.folder, error) from error
        return folder

    def _copy(
        self, record: EvidenceRecord, root: Path, wanted: set[str], spool: Spool, copies: dict[str, Path]
    ) -> dict[str, str]:
        """Copy the wanted items of one exhibit into the spool (into ``copies``); why each that failed did.

        Raises:
            SpoolError: the spool cannot be written.
        """
        failures: dict[str, str] = {}
        containers = _on_the_way(wanted)
        limits = self.limits_for(record.id)
        for found in walk(
            source_for(root).items(root),
            limits,
            spool_dir=str(spool.folder),
            select=lambda item: item.path in wanted or item.path in containers,
        ):
            path = found.item.path
            if path not in wanted or path in copies:
                continue
            if not found.item.readable:
                failures[path] = f"cannot be read again: {found.item.problem or 'no content'}"
                continue
            try:
                copies[path] = spool.put(found.item, limits)  # a SpoolError (a full disk) stops the pass
            except OSError as error:
                failures[path] = f"cannot be copied from the evidence: {error}"
        return failures

    def _read(
        self, candidate: stored.Candidate, source: Source, outcome: Outcome, *, database: bool = True
    ) -> None:
        reader: ConversationReader | None = None
        try:
            if database:  # a database SQLite cannot open is this item's error, not "holding no conversations"
                open_database(source, self.reader_limits).close()
            reader = reader_for(source)
            if reader is None:
                self._store(candidate, None, None, None, outcome)
                return
            found = reader.read(source, self.reader_limits)
        except SourceError as error:
            where = f"read as {reader.name}" if reader is not None else "opened as a SQLite database"
            self._store(candidate, reader, None, f"cannot be {where}: {error}", outcome)
            return
        except Exception as error:  # a reader's fault on a hostile database costs this item, never the scan
            name = reader.name if reader is not None else "conversation"
            why = f"{name} reader failed on it ({type(error).__name__}: {error})"
            self._store(candidate, reader, None, why, outcome)
            return
        self._store(candidate, reader, found, None, outcome)

    def _store(
        self,
        candidate: stored.Candidate,
        reader: ConversationReader | None,
        found: Conversations | None,
        error: str | None,
        outcome: Outcome,
    ) -> None:
        if error is not None:
            outcome.failed += 1
            outcome.errors.append(f"{candidate.path}: {error}")
        elif reader is None:
            outcome.not_conversations += 1
        else:
            outcome.read += 1
            outcome.messages += len(found.messages) if found else 0
        with case_storage(self.case.where, f"recording the conversations of {candidate.path}"):
            stored.store_source(
                self.case.engine,
                candidate.item_id,
                self.scan_id,
                reader=reader.name if reader is not None else None,
                found=found,
                error=error,
            )

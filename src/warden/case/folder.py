"""A case is one folder: ``case.db``, the reports and ``warden.log``. This module creates and opens it."""

from __future__ import annotations

import getpass
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update

from warden import __version__
from warden.case import audit, location, schema
from warden.case.database import make_engine, migrate, read_meta, sqlite_url
from warden.case.lock import ScanLock
from warden.case.storage_errors import as_warden_error, case_storage
from warden.clock import utc_now
from warden.errors import CaseError, CaseMismatchError
from warden.private import create_private_file, make_private_dir

DB_NAME = "case.db"
LOG_NAME = "warden.log"


def operator_name() -> str:
    """Who is running Warden, for the audit log: ``WARDEN_OPERATOR`` if set, else the login name."""
    return os.environ.get("WARDEN_OPERATOR") or getpass.getuser()


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """An evidence root as the case recorded it."""

    id: int
    label: str
    path: str
    kind: str
    size: int | None
    sha256: str | None
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HashSetRecord:
    """A hash set as used by the case: enough to say exactly which list was matched."""

    id: int
    name: str
    format: str
    profile: str | None
    entries: int
    sha256: str
    source: str


class Case:
    """An open case folder.

    Attributes:
        path: the case folder.
        engine: the case database.
    """

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        meta = read_meta(engine)
        self.id = meta["case_id"]
        self.created = meta["created"]
        self.where = f"the case folder {path}"
        """The case's place, as error messages name it (the database too, when it is elsewhere)."""
        if engine.dialect.name != "sqlite":
            self.where += f" (database {location.public(engine.url)})"

    @classmethod
    def open(cls, path: Path, *, create: bool = False, db_url: str | None = None) -> Case:
        """Open the case in ``path``, creating folder and database when ``create`` and absent.

        An older case database is upgraded to the current format (and the upgrade is logged).

        Raises:
            CaseError: the folder is not a case and ``create`` is false, or it cannot be created or read.
        """
        db_path = path / DB_NAME
        url = location.choose(path, db_url, sqlite_exists=db_path.exists())
        if url is None and not db_path.exists() and not create:
            raise CaseError(f"{path} is not a case folder (no {DB_NAME}); run a scan to create it")
        try:
            if not path.exists():
                make_private_dir(path)
            path.mkdir(parents=True, exist_ok=True)
            if url is None:
                create_private_file(db_path)  # 0600 before SQLite opens it; its -wal and -shm follow it
        except OSError as exc:
            raise as_warden_error(exc, f"the case folder {path}", "creating it") from exc
        named = f"the case database {location.public(url)}" if url else f"the case folder {path}"
        engine = make_engine(url or sqlite_url(db_path))
        try:
            with case_storage(named, "opening the case"):
                before, after = migrate(engine)
        except CaseError as exc:
            if url is not None and db_url is None:
                raise CaseError(
                    f"{exc.message} (this case is in {location.public(url)}, as "
                    f"{path / location.RECORD_NAME} records; a password comes from PGPASSWORD or ~/.pgpass, "
                    "or from a --db URL)"
                ) from exc
            raise
        with case_storage(named, "opening the case"):
            cls._identify(engine, before, after)
            if db_url is not None and location.recorded(path) is None:
                location.record(path, db_url)
            case = cls(path, engine)
        case.recover_interrupted()
        return case

    @staticmethod
    def _identify(engine: Engine, before: str | None, after: str) -> None:
        """Give a new case its id, and log its creation or upgrade."""
        with engine.begin() as connection:
            meta = {
                key: value
                for key, value in connection.execute(
                    select(schema.case_meta.c.key, schema.case_meta.c.value)
                ).all()
            }
            if "case_id" not in meta:
                created = utc_now()
                connection.execute(
                    schema.case_meta.insert(),
                    [
                        {"key": "case_id", "value": str(uuid.uuid4())},
                        {"key": "created", "value": created},
                        {"key": "tool_version", "value": __version__},
                    ],
                )
                audit.append(connection, operator_name(), "case.create", {"tool_version": __version__})
            elif before != after:
                audit.append(connection, operator_name(), "case.upgrade", {"from": before, "to": after})

    @property
    def log_path(self) -> Path:
        """The case's text log."""
        return self.path / LOG_NAME

    def log(self, message: str) -> None:
        """Append a line to the case's text log.

        Raises:
            NoSpaceError: the disk holding the case folder is full.
            CaseError: the log cannot be written.
        """
        with (
            case_storage(f"the case folder {self.path}", f"writing {LOG_NAME}"),
            self.log_path.open("a", encoding="utf-8") as stream,
        ):
            stream.write(f"{utc_now()} {message}\n")

    def check_audit_key(self) -> None:
        """Raise :class:`~warden.errors.KeyFileError` now if an audit entry could not be keyed later."""
        with self.engine.connect() as connection:
            audit.check_key(connection)

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        """Append an entry to the audit log as the current operator."""
        with self.engine.begin() as connection:
            audit.append(connection, operator_name(), action, detail)

    def evidence(self) -> list[EvidenceRecord]:
        """Every evidence root of the case, in the order added."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(schema.evidence).order_by(schema.evidence.c.id)).mappings()
            return [
                EvidenceRecord(
                    r["id"],
                    r["label"],
                    r["path"],
                    r["kind"],
                    r["size"],
                    r["sha256"],
                    json.loads(r["details"]) if r["details"] else {},
                )
                for r in rows
            ]

    def add_evidence(self, label: str, path: str, kind: str, size: int | None, sha256: str | None) -> int:
        """Record an evidence root (once); returns its id.

        Raises:
            CaseMismatchError: the label is already used for another path.
        """
        with self.engine.begin() as connection:
            known = connection.execute(
                select(schema.evidence.c.id, schema.evidence.c.path).where(schema.evidence.c.label == label)
            ).first()
            if known is not None:
                if known.path != path:
                    raise CaseMismatchError(
                        f"evidence label {label!r} already names {known.path} in this case, not {path}"
                    )
                return int(known.id)
            result = connection.execute(
                schema.evidence.insert().values(
                    label=label, path=path, kind=kind, size=size, sha256=sha256, added_at=utc_now()
                )
            )
            audit.append(
                connection, operator_name(), "evidence.add", {"label": label, "path": path, "sha256": sha256}
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def set_evidence_hash(self, evidence_id: int, sha256: str) -> None:
        """Record the SHA-256 of an evidence file (taken from its root item's digests)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(schema.evidence).where(schema.evidence.c.id == evidence_id).values(sha256=sha256)
            )

    def set_evidence_details(self, evidence_id: int, details: dict[str, Any]) -> None:
        """Record what the evidence file is as a whole (image format, segments, stored and computed MD5)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(schema.evidence)
                .where(schema.evidence.c.id == evidence_id)
                .values(details=json.dumps(details, sort_keys=True))
            )
            audit.append(
                connection, operator_name(), "evidence.describe", {"evidence": evidence_id, **details}
            )

    def hashsets(self) -> list[HashSetRecord]:
        """The hash sets this case is matched against."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(schema.hashsets).order_by(schema.hashsets.c.id)).mappings()
            return [
                HashSetRecord(
                    r["id"], r["name"], r["format"], r["profile"], r["entries"], r["sha256"], r["source"]
                )
                for r in rows
            ]

    def set_hashsets(self, wanted: list[dict[str, Any]], *, has_items: bool) -> dict[str, int]:
        """Record the hash sets of the case, or check a resumed scan uses the same ones.

        Args:
            wanted: dicts with name, format, profile, entries, sha256, source.
            has_items: whether items were already matched (then the sets may not change).

        Returns:
            Hash-set id by name.

        Raises:
            CaseMismatchError: items were matched against other hash sets (or other versions of them).
        """
        current = self.hashsets()
        if current and has_items:
            old = sorted((r.name, r.sha256) for r in current)
            new = sorted((w["name"], w["sha256"]) for w in wanted)
            if old != new:
                raise CaseMismatchError(
                    "this case was scanned against other hash sets "
                    f"({', '.join(n for n, _ in old)}); scan into a new case folder, or use the same sets"
                )
            return {r.name: r.id for r in current}
        with self.engine.begin() as connection:
            connection.execute(schema.hashsets.delete())
            for record in wanted:
                connection.execute(schema.hashsets.insert().values(**record))
            audit.append(
                connection,
                operator_name(),
                "hashsets.select",
                {"hashsets": [{"name": w["name"], "sha256": w["sha256"]} for w in wanted]},
            )
        return {r.name: r.id for r in self.hashsets()}

    def start_scan(self, options: dict[str, Any]) -> int:
        """Record the start of a scan run; returns its id."""
        with self.engine.begin() as connection:
            result = connection.execute(
                schema.scans.insert().values(
                    started_at=utc_now(),
                    status="running",
                    options=json.dumps(options, sort_keys=True),
                    operator=operator_name(),
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            scan_id = int(key[0])
            audit.append(connection, operator_name(), "scan.start", {"scan": scan_id, **options})
        return scan_id

    def finish_scan(self, scan_id: int, status: str, detail: dict[str, Any]) -> None:
        """Record how a scan run ended."""
        with self.engine.begin() as connection:
            connection.execute(
                update(schema.scans)
                .where(schema.scans.c.id == scan_id)
                .values(finished_at=utc_now(), status=status)
            )
            audit.append(connection, operator_name(), f"scan.{status}", {"scan": scan_id, **detail})

    @contextmanager
    def scanning(self) -> Iterator[None]:
        """Hold the case's scan lock while the body runs; scans a dead process left ``running`` are marked
        interrupted first.

        Raises:
            CaseBusyError: another process is scanning this case now.
            NoSpaceError, CaseError: the lock file cannot be written in the case folder.
        """
        lock = ScanLock(self.path, self.engine)
        with case_storage(f"the case folder {self.path}", "locking it for the scan"):
            lock.acquire(operator_name())
        try:
            self._mark_interrupted()
            yield
        finally:
            lock.release()

    def recover_interrupted(self) -> list[int]:
        """Mark as interrupted the scans left ``running`` by a process that is gone; returns their ids.

        A scan that is running now holds the case's lock, so its own ``running`` is left alone; so is
        everything when the case folder cannot be written (a read-only copy of a case).
        """
        if not self._running_scans():
            return []
        lock = ScanLock(self.path, self.engine)
        try:
            if not lock.try_acquire(operator_name()):
                return []
        except OSError:
            return []
        try:
            return self._mark_interrupted()
        finally:
            lock.release()

    def _running_scans(self) -> list[int]:
        with case_storage(f"the case folder {self.path}", "reading its scans"), self.engine.connect() as c:
            rows = c.execute(select(schema.scans.c.id).where(schema.scans.c.status == "running")).all()
        return [int(row.id) for row in rows]

    def _mark_interrupted(self) -> list[int]:
        """Mark every ``running`` scan interrupted; only for a holder of the case's lock."""
        running = self._running_scans()
        if not running:
            return []
        with (
            case_storage(f"the case folder {self.path}", "marking an interrupted scan"),
            self.engine.begin() as connection,
        ):
            for scan_id in running:
                recorded = connection.execute(
                    select(func.count()).select_from(schema.items).where(schema.items.c.scan_id == scan_id)
                ).scalar_one()
                connection.execute(
                    update(schema.scans)
                    .where(schema.scans.c.id == scan_id, schema.scans.c.status == "running")
                    .values(status="interrupted")
                )
                audit.append(
                    connection,
                    operator_name(),
                    "scan.interrupted",
                    {
                        "scan": scan_id,
                        "hashed": int(recorded),
                        "reason": "its process had stopped (found when the case was next opened)",
                    },
                )
        return running

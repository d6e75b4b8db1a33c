"""A case is one folder: ``case.db``, the reports and ``warden.log``. This module creates and opens it."""

from __future__ import annotations

import getpass
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from warden import __version__
from warden.case import audit, schema
from warden.case.database import make_engine, migrate, read_meta, sqlite_url
from warden.clock import utc_now
from warden.errors import CaseError, CaseMismatchError

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

    @classmethod
    def open(cls, path: Path, *, create: bool = False, db_url: str | None = None) -> Case:
        """Open the case in ``path``, creating folder and database when ``create`` and absent.

        An older case database is upgraded to the current format (and the upgrade is logged).

        Raises:
            CaseError: the folder is not a case and ``create`` is false, or it cannot be created or read.
        """
        db_path = path / DB_NAME
        exists = db_path.exists() or db_url is not None
        if not exists and not create:
            raise CaseError(f"{path} is not a case folder (no {DB_NAME}); run a scan to create it")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CaseError(f"cannot create the case folder {path}: {exc.strerror}") from exc
        engine = make_engine(db_url or sqlite_url(db_path))
        before, after = migrate(engine)
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
        return cls(path, engine)

    @property
    def log_path(self) -> Path:
        """The case's text log."""
        return self.path / LOG_NAME

    def log(self, message: str) -> None:
        """Append a line to the case's text log."""
        with self.log_path.open("a", encoding="utf-8") as stream:
            stream.write(f"{utc_now()} {message}\n")

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

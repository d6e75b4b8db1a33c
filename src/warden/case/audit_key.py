"""The audit key: kept outside every case (setting ``audit_key_file``), it keys each case's audit chain.

With a plain hash chain anyone who can write to ``case.db`` can alter a row and compute the chain again.
Keyed with HMAC-SHA-256, the chain can only be extended by someone holding this key, so rewriting the log
(or the rows it covers) shows. The key is read once per process and file; its public fingerprint (``id``)
is kept in the case so that "another key" is told apart from "altered".
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from warden import settings
from warden.errors import KeyFileError
from warden.private import read_key_file

WHAT = "audit key"
_CACHE: dict[tuple[str, int, int], AuditKey] = {}


@dataclass(frozen=True, slots=True)
class AuditKey:
    """Sub-keys of one audit key file, one per use, and its public fingerprint.

    Attributes:
        path: the key file.
        id: 16 hex digits that name the key without revealing it.
    """

    path: Path
    id: str
    _entry: bytes
    _head: bytes

    @classmethod
    def from_bytes(cls, path: Path, key: bytes) -> AuditKey:
        """Derive the sub-keys of ``key`` (read from ``path``)."""

        def derive(label: str) -> bytes:
            return hmac.digest(key, label.encode("ascii"), "sha256")

        fingerprint = derive("warden audit key id v1").hex()[:16]
        return cls(path, fingerprint, derive("warden audit entry v1"), derive("warden audit head v1"))

    def entry_mac(self, message: bytes) -> str:
        """HMAC-SHA-256 of one entry's fields, as hex."""
        return hmac.new(self._entry, message, hashlib.sha256).hexdigest()

    def head_mac(self, message: bytes) -> str:
        """HMAC-SHA-256 of the head record, as hex."""
        return hmac.new(self._head, message, hashlib.sha256).hexdigest()


def key_path() -> Path:
    """Where the audit key is, from the ``audit_key_file`` setting."""
    return settings.get_path(settings.AUDIT_KEY_FILE)


def load_audit_key(*, create: bool) -> AuditKey | None:
    """The audit key, or None when its file does not exist and ``create`` is false.

    Raises:
        KeyFileError: the file can be read by other users, is not a key, or cannot be created.
    """
    path = key_path()
    try:
        status = path.stat()
    except FileNotFoundError:
        if not create:
            return None
    except OSError as exc:
        raise KeyFileError(f"the {WHAT} {path} cannot be read: {exc.strerror or exc}") from exc
    else:
        cached = _CACHE.get((str(path), status.st_ino, status.st_ctime_ns))
        if cached is not None:
            return cached
    key, _ = read_key_file(path, WHAT, create=True)
    status = path.stat()
    loaded = AuditKey.from_bytes(path, key)
    _CACHE[(str(path), status.st_ino, status.st_ctime_ns)] = loaded
    return loaded


def wrong_key(path: Path, case_key_id: str, key_id: str | None) -> KeyFileError:
    """The error for a case keyed with another key than the one at ``path`` (None: no key is there)."""
    found = f"the key at {path} is {key_id}" if key_id else f"there is no key at {path}"
    return KeyFileError(
        f"this case's audit log is keyed with audit key {case_key_id}, but {found}: "
        "set WARDEN_AUDIT_KEY_FILE to the key the case was made with (copy it from the machine that made "
        "the case; never into the case folder)"
    )

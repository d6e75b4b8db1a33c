"""Secrets that open encrypted evidence (BitLocker, LUKS, FileVault 2, encrypted iOS backups), from key files.

A key file holds one secret per line, ``kind: value``::

    # exhibit 3, from the suspect's notebook
    password: correct horse battery staple
    recovery-key: 123456-123456-123456-123456-123456-123456-123456-123456
    key: 0f1e2d3c...   (a raw volume or master key, as hex)

Blank lines and lines starting with ``#`` are skipped; anything else refuses the whole file, naming its line,
before a case is touched. A secret's value never leaves this module's objects: its ``repr`` hides it, and
what the record keeps of it is ``source`` ("keys.txt line 3"), the line that held it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warden import settings
from warden.errors import EvidenceKeyFileError

KINDS = ("password", "recovery-key", "key")
"""The kinds of secret a key file may hold: a password or passphrase, a recovery key (BitLocker's 48-digit
recovery password, a FileVault recovery key) and a raw volume or master key (hex)."""

MAX_KEY_FILE_BYTES = 1 << 20
"""Largest key file read; a larger one is not a key file."""

_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


@dataclass(frozen=True, slots=True)
class Secret:
    """One secret to try on encrypted evidence.

    Attributes:
        kind: ``password``, ``recovery-key`` or ``key`` (a raw volume or master key; ``value`` is its hex).
        value: the secret itself: never printed, logged, stored in the case, the report, the audit log or a
            work unit's spec.
        source: where it came from, for the record: ``keys.txt line 3``.
    """

    kind: str
    value: str = field(repr=False)
    source: str

    def key_bytes(self) -> bytes:
        """A ``key`` secret's bytes (its hex decoded); any other kind's value as UTF-8."""
        return bytes.fromhex(self.value) if self.kind == "key" else self.value.encode()


@dataclass(frozen=True, slots=True)
class Keys:
    """Every secret given for a scan, in the order given (key files in command-line order, then by line).

    Attributes:
        secrets: the secrets.
        files: the key files they were read from: all that a work unit's spec carries, so a node reads the
            secrets from the file itself (never from the spec).
    """

    secrets: tuple[Secret, ...] = ()
    files: tuple[str, ...] = ()

    def of_kind(self, *kinds: str) -> tuple[Secret, ...]:
        """The secrets of these kinds, in the order given."""
        return tuple(secret for secret in self.secrets if secret.kind in kinds)

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __add__(self, other: Keys) -> Keys:
        return Keys(self.secrets + other.secrets, self.files + other.files)


def load_keys(path: Path) -> Keys:
    """The secrets of one key file.

    Raises:
        EvidenceKeyFileError: the file cannot be read, or a line is not ``kind: value`` of a known kind (the
            message names the file and line, never a value); exit 2.
    """
    try:
        with path.open("rb") as file:
            data = file.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise EvidenceKeyFileError(f"the key file {path} cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_KEY_FILE_BYTES:
        raise EvidenceKeyFileError(f"the key file {path} is over {MAX_KEY_FILE_BYTES} bytes: not a key file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceKeyFileError(f"the key file {path} is not UTF-8 text") from exc
    secrets = []
    for number, line in enumerate(text.splitlines(), start=1):
        secret = _parse_line(line, f"{path.name} line {number}", f"{path} line {number}")
        if secret is not None:
            secrets.append(secret)
    return Keys(tuple(secrets), (str(path),))


def load_key_files(paths: Iterable[Path]) -> Keys:
    """The secrets of several key files, in order (each refused whole as :func:`load_keys` says)."""
    keys = Keys()
    for path in paths:
        keys = keys + load_keys(path)
    return keys


def keys_from_settings(more: Iterable[Path] = ()) -> Keys:
    """The secrets of the key files ``WARDEN_EVIDENCE_KEY_FILES`` names, then of ``more`` (``--key-file``).

    Raises:
        EvidenceKeyFileError: as :func:`load_keys`.
    """
    named = [Path(part) for part in settings.get_str(settings.EVIDENCE_KEY_FILES).split(os.pathsep) if part]
    return load_key_files([*named, *more])


def _parse_line(line: str, source: str, where: str) -> Secret | None:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    kind, colon, value = stripped.partition(":")
    kind = kind.strip().lower()
    value = value.strip()
    if not colon or kind not in KINDS:
        # The text before the colon is not shown: it may be a secret written without its kind.
        what = "an unknown kind" if colon else "not 'kind: value'"
        raise EvidenceKeyFileError(f"{where}: {what}; a line is one of {', '.join(k + ':' for k in KINDS)}")
    if not value:
        raise EvidenceKeyFileError(f"{where}: the {kind} is empty")
    if kind == "key":
        value = value.replace(" ", "").replace(":", "").replace("-", "")
        if value.startswith(("0x", "0X")):
            value = value[2:]
        if not _HEX.fullmatch(value):
            raise EvidenceKeyFileError(f"{where}: a key is an even number of hex digits")
    if kind == "recovery-key" and not _recovery_key_shape(value):
        raise EvidenceKeyFileError(
            f"{where}: a recovery key is 8 groups of 6 digits (BitLocker) or 6 groups of 4 letters and digits"
            " (FileVault), separated by dashes"
        )
    return Secret(kind=kind, value=value, source=source)


def _recovery_key_shape(value: str) -> bool:
    """BitLocker: eight groups of six digits; FileVault: six groups of four letters or digits."""
    return bool(
        re.fullmatch(r"\d{6}(?:-\d{6}){7}", value)
        or re.fullmatch(r"[0-9A-Za-z]{4}(?:-[0-9A-Za-z]{4}){5}", value)
    )

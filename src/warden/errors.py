"""Every error a user can act on, one type each, with the exit code the command line returns for it.

The exit codes are documented in ``docs/errors.md``; a test keeps the two in step.
"""

from __future__ import annotations


class WardenError(Exception):
    """Base of every error Warden reports to a user instead of a traceback."""

    exit_code: int = 1
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(WardenError):
    """The command was called with arguments that cannot work together."""

    exit_code = 2
    code = "usage"


class HashSetFormatError(WardenError):
    """A hash-set file is malformed; nothing of it was imported.

    Attributes:
        location: where the first problem is, e.g. ``line 12`` or ``record 3 (MediaID 17)``.
    """

    exit_code = 3
    code = "hashset_format"

    def __init__(self, message: str, location: str | None = None, source: str | None = None) -> None:
        where = ", ".join(part for part in (source, location) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.location = location
        self.source = source


class HashSetNotFoundError(WardenError):
    """No hash set of that name is in the store and no file has that path."""

    exit_code = 4
    code = "hashset_not_found"


class HashSetExistsError(WardenError):
    """A hash set of that name is already in the store."""

    exit_code = 4
    code = "hashset_exists"


class HashSetKeyError(WardenError):
    """The hash-set key is missing, unreadable or does not open the store."""

    exit_code = 5
    code = "hashset_key"


class EvidenceError(WardenError):
    """An evidence path given on the command line does not exist or cannot be read at all."""

    exit_code = 6
    code = "evidence"


class CaseError(WardenError):
    """The case folder or database cannot be created, opened or upgraded."""

    exit_code = 7
    code = "case"


class CaseMismatchError(CaseError):
    """A scan was resumed with different evidence or hash sets than the case was started with."""

    code = "case_mismatch"


class IndexDamagedError(WardenError):
    """An on-disk index is missing, of an unknown version, or damaged."""

    exit_code = 8
    code = "index"


class DependencyMissingError(WardenError):
    """An optional dependency is needed for this and is not installed."""

    exit_code = 9
    code = "dependency_missing"

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs {package}: install it with  pip install 'warden[{extra}]'")
        self.package = package
        self.extra = extra


class AuditBrokenError(WardenError):
    """The case's audit log has an altered, missing or out-of-order entry, or rows it covers were changed."""

    exit_code = 10
    code = "audit_broken"


class ValidationFailedError(WardenError):
    """A check of ``warden validate`` did not pass: the tool is not fit for casework as installed."""

    exit_code = 11
    code = "validation_failed"


class CaseBusyError(CaseError):
    """Another Warden process is scanning this case now; a second scan of one case is refused."""

    exit_code = 12
    code = "case_busy"


class NoSpaceError(WardenError):
    """The disk holding the case folder or the spool is full; nothing recorded is lost."""

    exit_code = 13
    code = "no_space"


class KeyFileError(WardenError):
    """A key file (hash-set or audit key) is readable by other users, is not a key, or cannot be created
    safely; or the audit key at hand is missing or not the one the case's audit log is keyed with."""

    exit_code = 14
    code = "key_file"


EXIT_CODES: dict[int, str] = {
    0: "success (a scan that recorded per-item errors still succeeds)",
    1: "unexpected internal error",
    2: "usage: bad arguments or options",
    3: "a hash-set file is malformed; nothing was imported",
    4: "hash set not found, or a set of that name already exists",
    5: "the hash-set key is missing or wrong",
    6: "an evidence path does not exist or cannot be read",
    7: "the case cannot be created, opened, upgraded or resumed as asked",
    8: "an index is missing or damaged",
    9: "an optional dependency is not installed",
    10: "the audit log has an altered, missing or out-of-order entry, or rows it covers were changed",
    11: "a check of warden validate did not pass",
    12: "another process is scanning this case now",
    13: "no space left on the disk holding the case or the spool; rerun when there is room",
    14: "a key file is readable by other users, cannot be made safely, or is not the case's audit key",
    130: "interrupted (Ctrl-C); a scan resumes when run again",
}

"""What a failure of the disk or database under a case means to its user: a documented error, not a traceback.

A full disk (``ENOSPC``, a quota, SQLite's ``SQLITE_FULL``, PostgreSQL's ``disk_full``) becomes
:class:`~warden.errors.NoSpaceError`: what was committed before stays, and the same command run again
resumes. Any other failure of the case folder or its database becomes :class:`~warden.errors.CaseError`,
saying what could not be done and where.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from warden.errors import CaseError, NoSpaceError, WardenError

NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
"""``OSError.errno`` values that mean the disk (or the user's quota on it) is full."""

_POSTGRES_NO_SPACE = frozenset({"53100"})  # disk_full
_POSTGRES_NO_ROOM = frozenset({"53000", "53200", "53300"})  # insufficient resources, out of memory, too many


def is_no_space(error: BaseException) -> bool:
    """True when ``error`` says a disk is full, whether it comes from the OS, SQLite or PostgreSQL."""
    if isinstance(error, OSError):
        return error.errno in NO_SPACE_ERRNOS
    if isinstance(error, DBAPIError):
        original = error.orig
        if isinstance(original, sqlite3.Error):
            return getattr(original, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        return getattr(original, "sqlstate", None) in _POSTGRES_NO_SPACE
    return False


def _reason(error: BaseException) -> str:
    if isinstance(error, DBAPIError):
        return (
            str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error.orig).__name__
        )
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def no_space(where: str, error: BaseException) -> NoSpaceError:
    """The error for a full disk under ``where`` (a phrase: ``the case folder /x``, ``the spool /y``)."""
    return NoSpaceError(
        f"no space left on the disk holding {where} ({_reason(error)}): nothing recorded before is lost; "
        "free some space (or move it to a larger disk) and run the same command again to resume"
    )


def as_warden_error(error: BaseException, where: str, doing: str) -> WardenError:
    """The documented error for an OS or database failure while ``doing`` something in ``where``.

    Args:
        error: what was raised.
        where: the place, as a phrase (``the case folder /cases/x``).
        doing: what was being done, as a phrase (``recording items``).
    """
    if isinstance(error, WardenError):
        return error
    if is_no_space(error):
        return no_space(where, error)
    if isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in _POSTGRES_NO_ROOM:
        return CaseError(f"the database of {where} ran out of resources while {doing}: {_reason(error)}")
    if isinstance(error, IntegrityError):
        return CaseError(f"the database of {where} refused a record while {doing}: {_reason(error)}")
    if isinstance(error, SQLAlchemyError):
        return CaseError(f"the database of {where} failed while {doing}: {_reason(error)}")
    if isinstance(error, OSError):
        name = f" {error.filename}" if error.filename else ""
        return CaseError(f"cannot use{name} in {where} while {doing}: {_reason(error)}")
    return CaseError(f"{where} failed while {doing}: {_reason(error)}")


@contextmanager
def case_storage(where: str, doing: str) -> Iterator[None]:
    """Turn OS and database errors raised inside into :func:`as_warden_error`'s documented errors."""
    try:
        yield
    except (OSError, SQLAlchemyError) as error:
        raise as_warden_error(error, where, doing) from error

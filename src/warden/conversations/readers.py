"""The conversation readers: one per source (an app's database, an export), registered by name.

A reader is given a :class:`Source`, a local copy of what it reads (a database copied to the spool with its
``-wal`` and ``-shm`` files, or an export's file or folder), and says whether it recognises it from its
content (tables, keys, first lines), never from a file name alone. It returns
:class:`~warden.conversations.model.Conversations`, with the rows it could not read as problems; it raises
:class:`SourceError` only when the source cannot be read at all (not a database, no table it knows), which
the caller records against the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from warden.conversations.model import Conversations
from warden.registry import Registry


class SourceError(Exception):
    """A source cannot be read at all; the message says why, for the source's error record.

    Internal: recorded against the source by the caller, never raised to a user.
    """


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one source may cost: hostile databases and exports end as problems, not hangs.

    Attributes:
        messages: most messages read from one source; the rest are one problem.
        text_chars: longest message text kept (longer ones are cut, with a problem naming the row).
        bytes: largest export file read (JSON is parsed whole).
        seconds: most seconds one source may take; past it, what was read is kept, with a problem.
    """

    messages: int = 5_000_000
    text_chars: int = 100_000
    bytes: int = 2 << 30
    seconds: float = 600.0


@dataclass(frozen=True, slots=True)
class Source:
    """What a reader reads: a local copy, never the evidence in place.

    Attributes:
        path: the database file, the export file, or the export's folder (on local disk, in the spool).
        label: the source's place in the evidence, the prefix of every provenance
            (``phone.E01//p3//data/data/com.whatsapp/databases/msgstore.db``).
        siblings: related files by role, copied beside it (``wal``, ``shm``, ``contacts`` for WhatsApp's
            ``wa.db``...); a reader uses the roles it knows.
        zone: the IANA time zone (``Europe/London``) the device kept local times in, where the examiner knows
            it: exports that write local times without a zone (WhatsApp ``.txt``, a mapped CSV) give UTC only
            with it; None keeps such messages' ``utc`` None (never guessed).
    """

    path: Path
    label: str
    siblings: Mapping[str, Path] = field(default_factory=dict)
    zone: str | None = None


@runtime_checkable
class ConversationReader(Protocol):
    """Reads one kind of source."""

    name: str

    def recognises(self, source: Source) -> bool:
        """Whether ``source`` is of this kind, from its content (never raises)."""

    def read(self, source: Source, limits: Limits) -> Conversations:
        """Every conversation and message in ``source``.

        Raises:
            SourceError: it cannot be read at all.
        """


READERS: Registry[ConversationReader] = Registry("conversation reader")
"""Every conversation reader, tried in registration order; the first that recognises a source reads it."""

"""Which recorded items the examiner asked to be read as a mapped CSV or JSON-lines export (pure, but for
checking the mapping files once when the scan starts).

``warden scan --conversation-mapping 'PATTERN=MAPPING.json'`` names the items of a chat export Warden has no
reader of its own for: PATTERN is a shell-style pattern over an item's path in its evidence (``*`` also
crosses ``/`` and ``//``, so ``*.csv`` is every CSV file at any depth, in any container), and MAPPING.json
says which column holds what (:mod:`warden.conversations.mapped`). The first rule whose pattern an item's
path matches is the one it is read with; such an item is read with that mapping even where another reader
would recognise it, since the examiner chose it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from warden.conversations.mapped import load_mapping
from warden.conversations.readers import SourceError
from warden.errors import UsageError

_WILD = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class MappingRule:
    """One ``--conversation-mapping``: the items it applies to, and the mapping file they are read with.

    Attributes:
        pattern: the shell-style pattern over item paths.
        mapping: the mapping file (the examiner's, outside the evidence).
        sha256: the mapping file's SHA-256 when the scan started, for the case's log.
    """

    pattern: str
    mapping: Path
    sha256: str

    @property
    def ending(self) -> str:
        """The literal text every matching path ends with (after the pattern's last wildcard): what the
        case is asked for before the pattern is tried on each path."""
        return _WILD.split(self.pattern)[-1]

    def applies_to(self, path: str) -> bool:
        """Whether an item at ``path`` (in its evidence) is read with this rule's mapping."""
        return fnmatchcase(path, self.pattern)


def parse_rules(given: list[str]) -> list[MappingRule]:
    """The rules ``--conversation-mapping`` gave, each mapping file read and checked now.

    Raises:
        UsageError: a rule is not PATTERN=FILE, or its mapping file cannot be read or is not a valid
            mapping (the message says which key is wrong); nothing is scanned.
    """
    rules: list[MappingRule] = []
    for text in given:
        pattern, equals, file = text.rpartition("=")
        if not equals or not pattern or not file:
            raise UsageError(
                f"--conversation-mapping {text!r}: give PATTERN=MAPPING.json, e.g. '*.csv=chats-mapping.json'"
            )
        path = Path(file)
        try:
            load_mapping(path)
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except SourceError as error:
            raise UsageError(f"--conversation-mapping {text!r}: {error}") from None
        except OSError as error:
            raise UsageError(
                f"--conversation-mapping {text!r}: {file} cannot be read: {error.strerror or error}"
            ) from None
        rules.append(MappingRule(pattern, path, sha256))
    return rules


def rule_for(path: str, rules: list[MappingRule]) -> MappingRule | None:
    """The first rule that applies to an item at ``path``, or None."""
    return next((rule for rule in rules if rule.applies_to(path)), None)

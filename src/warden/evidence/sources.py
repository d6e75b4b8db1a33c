"""Finding the evidence source for a path: the built-in sources, registered in the order they are tried."""

from __future__ import annotations

from pathlib import Path

from warden.evidence import folder
from warden.evidence.base import SOURCES, EvidenceSource

BUILT_IN = (folder.FolderSource, folder.FileSource)


def source_for(path: Path) -> EvidenceSource:
    """The first registered source that claims ``path``.

    Raises:
        LookupError: none does.
    """
    for source in SOURCES:
        if source.claims(path):
            return source
    raise LookupError(f"no evidence source reads {path}")

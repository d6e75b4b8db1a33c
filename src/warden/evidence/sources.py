"""Finding the evidence source for a path: the built-in sources, registered in the order they are tried."""

from __future__ import annotations

from pathlib import Path

from warden.evidence.base import SOURCES, EvidenceSource
from warden.evidence.folder import FileSource, FolderSource

# Built-in sources register through the same door as a plug-in's; the order is the order they are tried.
for _source in (FolderSource(), FileSource()):
    SOURCES.register(_source.name, _source)


def source_for(path: Path) -> EvidenceSource:
    """The first registered source that claims ``path``.

    Raises:
        LookupError: none does.
    """
    for source in SOURCES:
        if source.claims(path):
            return source
    raise LookupError(f"no evidence source reads {path}")

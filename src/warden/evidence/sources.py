"""Finding the evidence source for a path: the built-in sources, registered in the order they are tried."""

from __future__ import annotations

from pathlib import Path

from warden.evidence.base import SOURCES, EvidenceSource
from warden.registry import instance_of

# Built-in sources register through the same door as a plug-in's (entry points ``warden.sources``); the order
# is the order they are tried.
SOURCES.load_entry_points("warden.sources", instance_of(EvidenceSource), first=("folder", "file"))


def source_for(path: Path) -> EvidenceSource:
    """The first registered source that claims ``path``.

    Raises:
        LookupError: none does.
    """
    for source in SOURCES:
        if source.claims(path):
            return source
    raise LookupError(f"no evidence source reads {path}")

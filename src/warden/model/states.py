"""Where an item's bytes were found: the states the counts keep apart."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where an item's bytes were found, which the counts keep apart."""

    LIVE = "live"
    """An allocated file (or a member of one)."""
    DELETED = "deleted"
    """A deleted file whose content a file system still gives back (or a member of one)."""
    CARVED = "carved"
    """Recovered by its signature from unallocated space or slack, with its byte offset."""
    THUMBNAIL = "thumbnail"
    """A thumbnail: embedded in a photo's EXIF data, or kept in a Windows thumbnail cache."""

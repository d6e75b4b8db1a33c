"""ThreatExchange signal text: ``<signal_type> <signal>`` per line, as ``threatexchange dataset -P -S`` prints
and the local-file exchange reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import HashSetFormat, ReadOptions, complete_lines, content_lines
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile
from warden.hashsets.threatexchange_signals import (
    SIGNAL_KINDS,
    UNMATCHABLE_SIGNALS,
    opinion_category,
    plug_in_signal,
    profile_or_default,
    signal_entry,
)
from warden.model.hashes import HashKind


class ThreatExchangeTextFormat(HashSetFormat):
    """One signal per line: its type name, one space, the signal. ``#`` comments and blank lines are skipped.

    A ``video_vpdq`` signal is the rest of the line (a JSON list). A registered plug-in hash type's name is a
    signal type too, its signal read through the type. The text form carries no opinion, so every
    entry gets the profile's ``null`` category (uncategorised with the built-in ``threatexchange`` profile).
    Anything after a hash is refused, since ``dataset -P`` without ``-S`` appends metadata that is not a
    stable format: export with ``-S`` or ``--csv``.
    """

    name = "threatexchange-text"
    description = "ThreatExchange signals, '<signal_type> <signal>' per line (threatexchange dataset -P -S)"
    uses_profile = True

    def sniff(self, head: bytes) -> bool:
        lines = complete_lines(head, limit=1)
        if not lines:
            return False
        parts = lines[0].split(None, 1)
        name = parts[0].lower()
        return len(parts) == 2 and (name in SIGNAL_KINDS.keys() | UNMATCHABLE_SIGNALS or plug_in_signal(name))

    def resolve_profile(self, path: Path, head: bytes, options: ReadOptions) -> CategoryProfile | None:
        return profile_or_default(options)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        try:
            category = opinion_category(profile_or_default(options), None, [])
        except ValueError as exc:
            raise HashSetFormatError(str(exc), None, source) from None
        for number, text in content_lines(path):
            where = f"line {number}"
            parts = text.split(None, 1)
            if len(parts) != 2:
                raise HashSetFormatError("a line is '<signal_type> <signal>'", where, source)
            signal_type, signal = parts[0], parts[1].strip()
            kind = SIGNAL_KINDS.get(signal_type.lower())
            if kind is not None and kind is not HashKind.VPDQ and len(signal.split()) > 1:
                raise HashSetFormatError(
                    "text after the signal; export with 'threatexchange dataset -P -S' or use the CSV form",
                    where,
                    source,
                )
            try:
                yield signal_entry(signal_type, signal, category, None)
            except ValueError as exc:
                raise HashSetFormatError(str(exc), where, source) from None

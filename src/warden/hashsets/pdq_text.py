"""Bare PDQ lists: one 64-digit PDQ hex per line, like ThreatExchange's ``needles.txt``/``haystack.txt``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import HashSetFormat, ReadOptions, complete_lines, content_lines, parse_hex
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import HashKind

_PDQ_LINE = re.compile(r"[0-9a-fA-F]{64}")


class PdqTextFormat(HashSetFormat):
    """One PDQ hash (64 hex digits) per line; ``#`` comments and blank lines are skipped.

    Bare 64-digit lines could as well be SHA-256 (``hashsum``), so this format's sniff and ``hashsum``'s
    both accept such a file and the import must say ``--format pdq-text`` or ``--format hashsum``: guessing
    wrong would import a list that never matches anything, without a word.
    """

    name = "pdq-text"
    description = "bare PDQ hashes, 64 hex digits per line (needles.txt style); needs --format"
    uses_default_category = True

    def sniff(self, head: bytes) -> bool:
        lines = complete_lines(head)
        return bool(lines) and all(_PDQ_LINE.fullmatch(line) for line in lines)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        category = options.default_category or Category.UNCATEGORISED
        for number, text in content_lines(path):
            try:
                yield Entry(pdq=parse_hex(HashKind.PDQ, text), category=category)
            except ValueError as exc:
                raise HashSetFormatError(
                    f"{exc}; a PDQ list has one hash per line", f"line {number}", source
                ) from None

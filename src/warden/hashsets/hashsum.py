"""md5sum / sha1sum / sha256sum output (GNU and BSD styles) and bare hex lists, the kind told by length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from warden.errors import HashSetFormatError
from warden.hashsets.formats import (
    HashSetFormat,
    ReadOptions,
    complete_lines,
    content_lines,
    parse_hex,
    parse_source_id,
)
from warden.hashsets.model import Entry
from warden.model.categories import Category
from warden.model.hashes import HashKind, preview

KIND_BY_LENGTH: dict[int, HashKind] = {32: HashKind.MD5, 40: HashKind.SHA1, 64: HashKind.SHA256}
"""How many hex digits each kind has: a bare 64-digit line is read as SHA-256 by this format."""

_BSD = re.compile(r"(?P<algo>MD5|SHA-?1|SHA-?256) ?\((?P<name>.*)\) ?= ?(?P<hex>\S+)", re.IGNORECASE)
_BSD_KIND = {"md5": HashKind.MD5, "sha1": HashKind.SHA1, "sha256": HashKind.SHA256}
_HEX = re.compile(r"\\?(?:0x)?[0-9a-fA-F]+")


class HashsumFormat(HashSetFormat):
    """``<hex>  <name>``, ``<hex> *<name>`` (GNU), ``SHA256 (<name>) = <hex>`` (BSD) or a bare ``<hex>``,
    one per line; ``#`` comments and blank lines are skipped.

    The kind comes from the length (32 MD5, 40 SHA-1, 64 SHA-256), so one file may mix kinds. The list has
    no categories: every entry gets the import's ``default_category`` (uncategorised when none is given).
    The file name on a line becomes the entry's ``source_id``.

    A file of bare 64-digit lines is also what PDQ lists look like; detection then reports both this format
    and ``pdq-text`` and asks for ``--format``.
    """

    name = "hashsum"
    description = "md5sum/sha1sum/sha256sum output or bare hex per line (kind by length; 64 digits = SHA-256)"
    uses_default_category = True

    def sniff(self, head: bytes) -> bool:
        lines = complete_lines(head)
        return bool(lines) and all(_looks_like_hash_line(line) for line in lines)

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        category = options.default_category or Category.UNCATEGORISED
        for number, text in content_lines(path):
            try:
                kind, value, path_text = _parse_line(text)
                name = parse_source_id(path_text)
            except ValueError as exc:
                raise HashSetFormatError(str(exc), f"line {number}", source) from None
            if kind is HashKind.MD5:
                yield Entry(md5=value, category=category, source_id=name)
            elif kind is HashKind.SHA1:
                yield Entry(sha1=value, category=category, source_id=name)
            else:
                yield Entry(sha256=value, category=category, source_id=name)


def _looks_like_hash_line(line: str) -> bool:
    token = line.split(None, 1)[0]
    if _HEX.fullmatch(token):
        return len(token.lstrip("\\").removeprefix("0x")) in KIND_BY_LENGTH
    return _BSD.fullmatch(line) is not None


def _parse_line(text: str) -> tuple[HashKind, str, str | None]:
    """Kind, lower-case hex and file name (or None) of one hash line.

    Raises:
        ValueError: not a hash line, or a hash of no known length.
    """
    parts = text.split(None, 1)
    token = parts[0].removeprefix("\\")  # GNU tools mark an escaped file name with a leading backslash
    kind = KIND_BY_LENGTH.get(len(token.removeprefix("0x")))
    name = parts[1].removeprefix("*").strip() if len(parts) > 1 else None
    if kind is None:
        match = _BSD.fullmatch(text)
        if match is None:
            if _HEX.fullmatch(token):
                raise ValueError(
                    f"a hash of {len(token)} hex digits is none of MD5 (32), SHA-1 (40) or SHA-256 (64)"
                )
            raise ValueError(f"not a hash line: expected '<hex>  <name>' or bare hex, got {preview(text)}")
        kind = _BSD_KIND[match["algo"].replace("-", "").lower()]
        token, name = match["hex"], match["name"]
    return kind, parse_hex(kind, token), name or None

"""Names as item paths: one reversible escaping for any bytes a file system or archive allows.

An item's path joins names (``/`` between the folders of one level, ``//`` between levels), so a name must
become text that is unique and can be turned back into the name's bytes. The rule, the same everywhere a
name becomes part of a path (folders, file systems, archive members, thumbnails):

- valid UTF-8 is kept as it is, so ordinary names read as they always did;
- a byte that is not part of valid UTF-8 is ``\\xNN`` (two lower-case hex digits), and so is a character
  that would cut the name short: ``/`` inside one name (``\\x2f``), ``:`` in an NTFS name (where it would
  read as a data stream's separator);
- the escape character itself, ``\\``, is ``\\\\``;
- where control and invisible formatting characters are shown escaped (archive members: a right-to-left
  override can disguise a name), a C0 control or DEL is ``\\xNN``, any other such character ``\\uNNNN`` or
  ``\\UNNNNNNNN`` (its code point);
- an empty name is ``\\e``; a name repeated in one folder of a corrupt file system gets ``\\#2``, ``\\#3``...
  after it, which tells the copies apart and is not part of the name.

Since ``\\`` is always escaped, a backslash in a path always starts one of these sequences, so two different
names never give the same text, and :func:`unescape` gives back the exact bytes. Names from UTF-16 sources
(NTFS through The Sleuth Kit, Thumbs.db catalogs) are their UTF-8 form; a lone UTF-16 surrogate comes back in
the WTF-8 form (three bytes ``ED xx xx``).
"""

from __future__ import annotations

import re
import unicodedata

ESCAPE = "\\"
"""Starts every escape sequence; itself written twice."""

EMPTY = ESCAPE + "e"
"""An empty name (a corrupt file system may hold one)."""

_HIDDEN = frozenset({"Cc", "Cf"})
_SEQUENCE = re.compile(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8})|(\\)|(e)|#([0-9]+))")


def name_bytes(name: str) -> bytes:
    """The bytes of a name as Python gives it: undecodable bytes (``surrogateescape``, as ``os.scandir`` and
    ``tarfile`` give them) become those bytes again, other lone surrogates their WTF-8 form."""
    try:
        return name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for char in name:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += char.encode("utf-8", "surrogatepass")
    return bytes(out)


def escape(raw: bytes, *, reserved: str = "/", visible: bool = False) -> str:
    """One name (one folder or file name, one member path component) as item-path text.

    Args:
        raw: the name's bytes.
        reserved: ASCII characters written ``\\xNN`` even though they are valid UTF-8 (``/`` by default:
            a name holding one would otherwise read as two).
        visible: write control and invisible formatting characters as escapes too.
    """
    if not raw:
        return EMPTY
    text = raw.decode("utf-8", "surrogateescape")
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char == ESCAPE:
            out.append(ESCAPE * 2)
        elif char in reserved or (visible and code < 0x80 and unicodedata.category(char) == "Cc"):
            out.append(f"\\x{code:02x}")
        elif visible and unicodedata.category(char) in _HIDDEN:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def escape_text(name: str, *, reserved: str = "/", visible: bool = False) -> str:
    """:func:`escape` for a name Python gives as text (see :func:`name_bytes`)."""
    return escape(name_bytes(name), reserved=reserved, visible=visible)


def has_hidden(name: str) -> bool:
    """Whether a name holds control or invisible formatting characters (which can disguise it)."""
    return any(unicodedata.category(char) in _HIDDEN for char in name if not 0xD800 <= ord(char) <= 0xDFFF)


def repeated(name: str, copy: int) -> str:
    """The path text of the ``copy``-th name (2, 3...) that reads the same as ``name`` in one folder."""
    return f"{name}{ESCAPE}#{copy}"


def unescape(text: str) -> bytes:
    """The bytes of the name (or ``/``-separated names) that :func:`escape` turned into ``text``.

    A repeat marker (``\\#2``) is dropped: it is not part of the name.

    Raises:
        ValueError: ``text`` holds a backslash that starts no escape sequence: no name escapes to it.
    """
    out = bytearray()
    position = 0
    for match in _SEQUENCE.finditer(text):
        plain = text[position : match.start()]
        if ESCAPE in plain:
            raise ValueError(f"not an escaped name: stray backslash at {position + plain.index(ESCAPE)}")
        out += plain.encode("utf-8", "surrogatepass")
        byte, short, long, backslash, _empty, _copy = match.groups()
        if byte is not None:
            out.append(int(byte, 16))
        elif short is not None or long is not None:
            out += chr(int(short or long, 16)).encode("utf-8", "surrogatepass")
        elif backslash is not None:
            out += b"\\"
        position = match.end()
    rest = text[position:]
    if ESCAPE in rest:
        raise ValueError(f"not an escaped name: stray backslash at {position + rest.index(ESCAPE)}")
    out += rest.encode("utf-8", "surrogatepass")
    return bytes(out)


def levels(path: str) -> list[list[bytes]]:
    """An item's path as its levels (split at ``//``), each as the bytes of its ``/``-separated names.

    Raises:
        ValueError: a name in it is not escaped text.
    """
    return [[unescape(name) for name in level.split("/")] for level in path.split("//")]


def zip_name(filename: str, flag_bits: int) -> tuple[str, dict[str, str]]:
    """A zip member's name as its bytes, and the step detail that shows how DOS would read it.

    ``zipfile`` reads a name without the UTF-8 flag (bit 11) as code page 437. Such a name is bytes in an
    encoding the archive does not say: UTF-8 (as most tools now write) where the bytes are valid UTF-8,
    otherwise bytes the path shows escaped, with the code page 437 reading kept as ``name_cp437``.
    """
    if flag_bits & 0x800 or filename.isascii():
        return filename, {}
    try:
        raw = filename.encode("cp437")
    except UnicodeEncodeError:
        return filename, {}
    try:
        return raw.decode("utf-8"), {}
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape"), {"name_cp437": filename}


def name_text(text: str) -> str:
    """A name already in path text (a container's own name, say) as Python text of its bytes again, ready
    to be escaped once more as part of another name; text that is no escaped name is kept as it is."""
    try:
        return unescape(text).decode("utf-8", "surrogateescape")
    except ValueError:
        return text


def root_text(path: str) -> str:
    """An evidence root's path (as the operating system gives it) as text a case can store: undecodable
    bytes escaped, ``/`` kept as the separator (see :func:`root_path`)."""
    return escape_text(path, reserved="")


def root_path(text: str) -> str:
    """The operating-system path a case stored with :func:`root_text`; a path stored before case format 4
    (plain text, which may hold a stray backslash) is returned as it is."""
    try:
        return unescape(text).decode("utf-8", "surrogateescape")
    except ValueError:
        return text

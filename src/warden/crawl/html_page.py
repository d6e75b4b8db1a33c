"""One fetched HTML page, decoded and parsed within bounds, for the pure readers of what a page shows.

Hostile pages are expected: the body is cut at a size before parsing, the parser stops at a number of
elements, and libxml2's own depth limit (about 256 levels) ends a page that nests deeper. None of it raises:
the page carries what could be read and a note of what could not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from w3lib.encoding import html_to_unicode

MAX_BYTES = 8 * 1024 * 1024
"""Bytes of a body parsed at most; the rest is not read, and the page says so."""
MAX_ELEMENTS = 200_000
"""Elements parsed at most; the parser stops there, and the page says so."""
_LIBXML2_DEPTH = 255  # libxml2 stops reading at this nesting depth unless told to read huge documents
_CHUNK = 65_536


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """A parsed page.

    Attributes:
        url: the page's address (links on it are resolved against it).
        root: the document's root element, or None when nothing could be read.
        encoding: the character encoding the body was read in (as browsers choose it: BOM, then the
            Content-Type charset, then the page's own declaration, then a guess).
        problems: what could not be read, in words.
    """

    url: str
    root: Any  # lxml's _Element, or None; Any because lxml's element type is private
    encoding: str
    problems: tuple[str, ...] = ()

    def text(self, max_chars: int = 4_000_000) -> str:
        """The page's text as a reader sees it (no script or style), at most ``max_chars`` characters."""
        if self.root is None:
            return ""
        pieces: list[str] = []
        size = 0
        for piece in self.root.xpath("//text()[not(ancestor::script or ancestor::style)]"):
            pieces.append(str(piece))
            size += len(piece)
            if size >= max_chars:
                break
        return " ".join(pieces)[:max_chars]


def parse_page(
    body: bytes,
    url: str,
    charset: str | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    max_elements: int = MAX_ELEMENTS,
) -> HtmlPage:
    """Decode and parse ``body`` as HTML, never raising for what the bytes are.

    Args:
        body: the response body as fetched (after content decoding).
        url: the page's address.
        charset: the charset of the response's Content-Type, when it gave one.
        max_bytes: bytes parsed at most.
        max_elements: elements parsed at most.
    """
    problems: list[str] = []
    if len(body) > max_bytes:
        problems.append(f"the page is {len(body):,} bytes; only the first {max_bytes:,} were read")
        body = body[:max_bytes]
    content_type = f"text/html; charset={charset}" if charset else None
    try:
        encoding, text = html_to_unicode(content_type, body)
    except (LookupError, ValueError) as error:  # an unknown charset name is the one way this fails
        problems.append(f"the page's encoding could not be used ({error}); read as UTF-8")
        encoding, text = "utf-8", body.decode("utf-8", "replace")
    if "\ufffd" in text and "\ufffd".encode(encoding, "ignore") not in body:
        problems.append(f"some bytes are not valid {encoding} and were read as \ufffd")
    root, parse_problems = _parse(text, max_elements)
    return HtmlPage(url, root, encoding, tuple(problems + parse_problems))


def _parse(text: str, max_elements: int) -> tuple[Any, list[str]]:
    problems: list[str] = []
    parser = etree.HTMLPullParser(
        events=("start", "end"), recover=True, no_network=True, remove_comments=True
    )
    elements = depth = deepest = 0
    try:
        for start in range(0, len(text), _CHUNK):
            parser.feed(text[start : start + _CHUNK])
            for event, _element in parser.read_events():
                if event == "start":
                    elements += 1
                    depth += 1
                    deepest = max(deepest, depth)
                else:
                    depth -= 1
            if elements >= max_elements:
                problems.append(f"the page has more than {max_elements:,} elements; the rest was not read")
                break
        root = parser.close()
    except (etree.LxmlError, ValueError) as error:
        return None, [*problems, f"the page could not be parsed as HTML ({error})"]
    if deepest >= _LIBXML2_DEPTH:
        problems.append(f"the page nests elements more than {_LIBXML2_DEPTH} deep; what follows was not read")
    if root is None:
        problems.append("the page has no HTML content")
    return root, problems

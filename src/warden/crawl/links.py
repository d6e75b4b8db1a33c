"""The URLs a page or a style sheet leads to, as pure functions of its text: links to follow, and what it
embeds (images, ``srcset`` candidates, video and audio sources, posters, style sheets, CSS ``url()`` and
``@import``), so that every image a page shows is fetched and matched.

This is the crawl's own reading of a page, for its frontier; what a page says about the site (boards,
users, roles) is :mod:`warden.crawl.structure`'s.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from warden.crawl.scope import EMBED, LINK

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)

_EMBED_ATTRIBUTES = {
    "img": ("src", "data-src", "lowsrc"),
    "image": ("href", "xlink:href"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "input": ("src",),
    "object": ("data",),
    "script": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "body": ("background",),
    "table": ("background",),
    "td": ("background",),
}
_LINK_ATTRIBUTES = {"a": ("href",), "area": ("href",)}
_STYLE_LINKS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "image_src"}


def css_urls(text: str) -> list[str]:
    """``url(...)`` and ``@import`` targets of a style sheet or a ``style`` attribute, in order."""
    found = [next(g for g in match.groups() if g is not None) for match in _CSS_URL.finditer(text)]
    found += [next(g for g in match.groups() if g is not None) for match in _CSS_IMPORT.finditer(text)]
    return [url for url in found if url and not url.startswith("data:")]


def srcset_urls(value: str) -> list[str]:
    """The candidate URLs of a ``srcset`` (``a.jpg 1x, b.jpg 2x``)."""
    urls = []
    for candidate in value.split(","):
        parts = candidate.strip().split()
        if parts:
            urls.append(parts[0])
    return urls


class _Links(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.base: str | None = None
        self.limit = limit
        self._in_style = False

    def _add(self, url: str | None, kind: str) -> None:
        if url and len(self.found) < self.limit:
            url = url.strip()
            if url and not url.startswith(("data:", "javascript:", "mailto:", "#")):
                self.found.append((url, kind))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        for name in _LINK_ATTRIBUTES.get(tag, ()):
            self._add(values.get(name), LINK)
        for name in _EMBED_ATTRIBUTES.get(tag, ()):
            self._add(values.get(name), EMBED)
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            self._add(values.get("href"), EMBED if rels & _STYLE_LINKS else LINK)
        for name in ("srcset", "data-srcset", "imagesrcset"):
            for url in srcset_urls(values.get(name, "")):
                self._add(url, EMBED)
        for url in css_urls(values.get("style", "")):
            self._add(url, EMBED)
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in css_urls(data):
                self._add(url, EMBED)


def page_links(html: str, *, limit: int = 10_000) -> tuple[str | None, list[tuple[str, str]]]:
    """The page's ``<base href>`` (or None) and its (URL as written, kind) pairs, in document order, at
    most ``limit`` of them (a link farm's page is not read past it)."""
    parser = _Links(limit)
    parser.feed(html)
    parser.close()
    return parser.base, parser.found


def sheet_links(css: str, *, limit: int = 10_000) -> list[tuple[str, str]]:
    """A style sheet's (URL as written, kind) pairs: everything a sheet names is embedded."""
    return [(url, EMBED) for url in css_urls(css)[:limit]]

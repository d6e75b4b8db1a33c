"""What a crawl may fetch, as pure rules: URLs normalised so each is fetched once, and the scope (hosts, path
prefixes, depth) a found URL must fall in.

Normalisation follows RFC 3986 section 6.2.2 and no further: scheme and host lower case (an international
host in its ASCII form), the scheme's default port dropped, dot segments removed, percent-escapes in upper
case and unreserved characters unescaped, characters that must be escaped escaped, an empty path made
``/``, the fragment dropped. The query keeps its order: ``?b=1&a=2`` and ``?a=2&b=1`` may be different pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

SCHEMES = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000
"""Longer URLs are not followed (a link farm's trap, and more than a database index holds)."""

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"

LINK = "link"
"""A page's link to another page or file (``<a href>``): one level deeper."""
EMBED = "embed"
"""What a page shows or needs (images, ``srcset``, video sources, style sheets, CSS backgrounds): fetched
at the page's own depth and outside ``--prefix``, as a browser would."""
REDIRECT = "redirect"
SEED = "seed"
ROBOTS = "robots"


def _escapes(text: str, safe: str) -> str:
    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    text = _ESCAPE.sub(one, text)
    # Escape what must be (spaces, non-ASCII as UTF-8), and a '%' that starts no escape.
    text = re.sub(r"%(?![0-9A-F]{2})", "%25", text)
    return quote(text, safe=safe)


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    trailing = path.endswith(("/.", "/.."))
    return "/" + "/".join(output) + ("/" if trailing and output else "")


def normalise(url: str, base: str | None = None) -> str | None:
    """The absolute, normalised form of ``url`` (resolved against ``base``), or None when it is not an
    http(s) URL a crawl can fetch (``mailto:``, ``javascript:``, a malformed host or port, too long)."""
    text = url.strip()
    try:
        parts = urlsplit(urljoin(base, text) if base else text)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == SCHEMES[scheme] else f"{host}:{port}"
    if parts.username is not None:
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@{netloc}"
    path = _escapes(_remove_dot_segments(parts.path or "/"), _PATH_SAFE) if parts.path else "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _escapes(parts.query, _QUERY_SAFE)
    result = urlunsplit((scheme, netloc, path, query, ""))
    return result if len(result) <= MAX_URL_LENGTH else None


def host_of(url: str) -> str:
    """The host name of a normalised URL (without port)."""
    return urlsplit(url).hostname or ""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a normalised URL: what robots.txt and the politeness delay apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a crawl may go.

    Attributes:
        hosts: host names that may be fetched (the seeds' hosts and ``--allow-host``), any port or scheme.
        prefixes: path prefixes a linked page's path must start with (empty: any path).
        max_depth: links followed from a seed (a seed is depth 0).
    """

    hosts: frozenset[str]
    prefixes: tuple[str, ...] = ()
    max_depth: int = 5
    seeds: tuple[str, ...] = field(default=())

    @classmethod
    def around(cls, seeds: list[str], allow_hosts: list[str], prefixes: list[str], max_depth: int) -> Scope:
        """The scope of a crawl of ``seeds`` (normalised), with more hosts and path prefixes."""
        hosts = {host_of(seed) for seed in seeds}
        hosts |= {host.strip().lower().rstrip(".") for host in allow_hosts if host.strip()}
        paths = []
        for prefix in prefixes:
            given = normalise(prefix) if "://" in prefix else normalise(prefix, "http://host/")
            if given is not None:
                paths.append(urlsplit(given).path)
        return cls(frozenset(hosts), tuple(paths), max_depth, tuple(seeds))

    def refusal(self, url: str, depth: int, kind: str) -> str | None:
        """Why a found URL is not to be fetched (``out-of-scope: ...``, ``depth: ...``), or None."""
        host = host_of(url)
        if host not in self.hosts:
            return f"out-of-scope: the host {host} is not one of the crawl's hosts"
        if kind in (EMBED, ROBOTS) or url in self.seeds:
            return None
        if depth > self.max_depth:
            return f"depth: {depth} links from a seed, beyond --depth {self.max_depth}"
        path = urlsplit(url).path
        if kind == LINK and self.prefixes and not any(path.startswith(p) for p in self.prefixes):
            return f"out-of-scope: the path is under none of the prefixes {', '.join(self.prefixes)}"
        return None

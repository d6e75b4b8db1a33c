"""The local test site for the crawler's tests: a small phpBB-like forum served on loopback, built from the
benign ``../shared/media``, with hostile endpoints, an optional TLS server whose certificate nobody trusts,
and an optional HTTP/2 server; and the facts a test asserts against.

Use::

    with Site() as site:                      # Site(hostile=False, tls=True, http2=True) for the other parts
        hash_set = site.hash_set_csv(tmp_path)    # the listed photos, categories A/B/C (made up)
        run_the_crawl(site.url, ...)
        assert site.listed_urls.keys() <= matched_urls
        assert site.fetched_twice() == {}

Every server stops (and every thread it started is joined) when the ``with`` block ends.
"""

from __future__ import annotations

import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType

from tests.crawl import forum, forum_pages, traps
from tests.crawl.forum import Listed, User
from tests.crawl.forum_pages import Resource, Served
from tests.crawl.secure import Certificate, Http2Server, make_certificate
from tests.crawl.servers import LoopbackServer

SERVER_HEADER = "nginx/1.24.0"
"""What the site's HTTP/1.1 servers say in ``Server:``."""
POWERED_BY = "PHP/8.2.7"
"""What they say in ``X-Powered-By:`` on pages."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request the site answered: the absolute URL on the server that got it, the method, the ``Host``
    header as sent (``forum.onion`` through the proxy) and the HTTP version (``HTTP/1.1``, ``2``)."""

    url: str
    method: str
    host: str
    version: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = SERVER_HEADER
    sys_version = ""
    timeout = 10.0
    server: _SiteServer

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        site = self.server.site
        site._record(
            self.server.origin, self.command, self.path, self.headers.get("Host", ""), self.request_version
        )
        if self.path.startswith("/trap/") and site.hostile:
            if head:
                self._send(Resource("text/plain", b"", 405), head)
            elif traps.serve(self, self.server.stopping):
                return
        self._send(
            site.resources.get(self.path) or Resource("text/plain; charset=utf-8", b"not found", 404), head
        )

    def _send(self, resource: Resource, head: bool) -> None:
        self.send_response(resource.status)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        if resource.content_type.startswith("text/html"):
            self.send_header("X-Powered-By", POWERED_BY)
        for name, value in resource.headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(resource.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _SiteServer(LoopbackServer):
    def __init__(self, site: Site, scheme: str, certificate: Certificate | None = None) -> None:
        context = certificate.server_context() if certificate else None
        super().__init__(_Handler, ssl_context=context)
        self.site = site
        self.origin = f"{scheme}://127.0.0.1:{self.port}"


class Site:
    """The forum on loopback, its servers and the facts a crawl of it should find.

    Args:
        hostile: serve the traps (:mod:`tests.crawl.traps`) and link them from every page's menu, through the
            links page; False leaves a forum a crawl can finish quickly.
        tls: also serve the site over HTTPS with a certificate from a CA no client trusts (:attr:`tls_url`,
            :attr:`certificate`), linked from the links page.
        http2: also serve the site's pages and media over HTTP/2 (:attr:`http2_url` with TLS and ALPN ``h2``,
            :attr:`http2_cleartext_url` for h2c with prior knowledge), linked from the links page. Needs TLS's
            certificate, so it makes one even when ``tls`` is False.
    """

    def __init__(self, *, hostile: bool = True, tls: bool = False, http2: bool = False) -> None:
        self.hostile = hostile
        built = forum_pages.built(hostile)
        self.resources: dict[str, Resource] = dict(built.resources)
        self._pages = set(built.pages)
        self._media = dict(built.media)
        self._log: list[Request] = []
        self._stopped = False
        self._lock = threading.Lock()
        self._folder = tempfile.TemporaryDirectory(prefix="warden-site-")
        self.certificate: Certificate | None = None
        if tls or http2:
            self.certificate = make_certificate(Path(self._folder.name))
        self._http = _SiteServer(self, "http")
        self._tls = _SiteServer(self, "https", self.certificate) if tls and self.certificate else None
        self._http2 = (
            Http2Server(self.resources, self.certificate, self._record)
            if http2 and self.certificate
            else None
        )
        self.port = self._http.port
        """The HTTP port on 127.0.0.1 (what a proxy maps a name such as ``forum.onion`` to)."""
        self.url = f"{self._http.origin}/"
        """The home page, ``http://127.0.0.1:PORT/``."""
        self.tls_url = f"{self._tls.origin}/" if self._tls else None
        self.http2_url: str | None = None
        self.http2_cleartext_url: str | None = None

    def __enter__(self) -> Site:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start every server (called by ``with``)."""
        extra: dict[str, str] = {}
        if self._tls is not None:
            extra["invalid_tls"] = f"{self._tls.origin}/"
        if self._http2 is not None:
            self._http2.start()
            self.http2_url = f"{self._http2.url}/"
            self.http2_cleartext_url = f"{self._http2.cleartext_url}/"
            extra["http2"] = self.http2_url
        if self.hostile:
            self.resources[forum_pages.LINKS] = forum_pages.links_page(traps.links(extra))
            self._pages.add(forum_pages.LINKS)
        for server in self._servers():
            server.start()

    def stop(self) -> None:
        """Stop every server and join every thread they started; the certificate files are deleted. A site
        is started once: stopping it again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        for server in self._servers():
            server.stop()
        if self._http2 is not None:
            self._http2.stop()
        self._folder.cleanup()

    def live_threads(self) -> list[threading.Thread]:
        """Connection threads still running (none once stopped)."""
        return [thread for server in self._servers() for thread in server.threads()]

    def _servers(self) -> list[_SiteServer]:
        return [server for server in (self._http, self._tls) if server is not None]

    # -- the request log

    def _record(self, origin: str, method: str, path: str, host: str, version: str) -> None:
        with self._lock:
            self._log.append(Request(origin + path, method, host, version))

    @property
    def log(self) -> list[Request]:
        """Every request answered so far, in order (a copy)."""
        with self._lock:
            return list(self._log)

    @property
    def requests(self) -> Counter[str]:
        """GET requests so far, counted by absolute URL."""
        return Counter(request.url for request in self.log if request.method == "GET")

    def fetched_twice(self) -> dict[str, int]:
        """The URLs fetched (GET) more than once, with their counts: ``{}`` when nothing was."""
        return {url: count for url, count in self.requests.items() if count > 1}

    # -- the facts

    def at(self, path: str) -> str:
        """The absolute URL of a path of the site (``/robots.txt``...)."""
        return self._http.origin + path

    @property
    def page_urls(self) -> frozenset[str]:
        """Every HTML page the forum links (the links page too when hostile; no trap)."""
        return frozenset(self.at(path) for path in self._pages)

    @property
    def media(self) -> dict[str, Served]:
        """Every image and video the pages and the stylesheet refer to (the robots-disallowed photo too), by
        URL, with the shared file it comes from and how (``original``, ``thumbnail``, ``reencoded``...)."""
        return {self.at(path): served for path, served in self._media.items()}

    @property
    def stylesheet_url(self) -> str:
        """The stylesheet every page links; it sets a listed photo as a background."""
        return self.at(forum_pages.STYLESHEET)

    @property
    def listed(self) -> tuple[Listed, ...]:
        """The photos of the test hash set (:meth:`hash_set_csv`), with made-up categories."""
        return forum.LISTED

    @property
    def listed_urls(self) -> dict[str, str]:
        """The URL of each listed photo's original bytes, to its category."""
        return {self.at(forum.full(listed.photo)): listed.category for listed in forum.LISTED}

    @property
    def copy_urls(self) -> dict[str, tuple[str, str]]:
        """The URL of each re-encoded (JPEG quality 50) or mirrored copy of a listed photo, to (the URL of the
        original, ``reencoded`` or ``mirrored``)."""
        return {
            self.at(path): (self.at(forum.full(listed.photo)), kind)
            for listed in forum.LISTED
            if listed.copies
            for kind, path in forum.copy_paths(listed.photo).items()
        }

    def category_of(self, url: str) -> str | None:
        """The made-up category an original or a copy of a listed photo should match as; None for others."""
        original = self.copy_urls.get(url, (url, ""))[0]
        return self.listed_urls.get(original)

    def hash_set_csv(self, folder: Path) -> Path:
        """Write the listed photos' hash set as a canonical Warden CSV in ``folder``; return its path."""
        return forum.write_hash_set(folder)

    @property
    def users(self) -> tuple[User, ...]:
        """The members, with the role their pages show (``administrator``, ``moderator``, ``member``)."""
        return forum.USERS

    @property
    def roles(self) -> dict[str, str]:
        """User name to role."""
        return {user.name: user.role for user in forum.USERS}

    @property
    def board_urls(self) -> dict[str, str]:
        """Board URL (first page) to title."""
        return {self.at(board.path): board.title for board in forum.BOARDS}

    @property
    def thread_urls(self) -> dict[str, str]:
        """Thread URL (first page) to title."""
        return {self.at(thread.path): thread.title for thread in forum.threads()}

    @property
    def rules_url(self) -> str:
        """The board rules page."""
        return self.at(forum_pages.RULES)

    @property
    def register_url(self) -> str:
        """Registration: the invitation, the fee and the Bitcoin and Monero addresses."""
        return self.at(forum_pages.REGISTER)

    @property
    def team_url(self) -> str:
        """The team page: administrators and moderators."""
        return self.at(forum_pages.TEAM)

    @property
    def links_url(self) -> str:
        """The page linking every trap (and the TLS and HTTP/2 servers); served only when hostile."""
        return self.at(forum_pages.LINKS)

    @property
    def robots_url(self) -> str:
        """``robots.txt``: it disallows ``/private/`` for every agent."""
        return self.at("/robots.txt")

    @property
    def robots_disallowed_url(self) -> str:
        """The photo under the disallowed path: a crawl honouring robots.txt never fetches it."""
        return self.at(forum.ROBOTS_DISALLOWED + forum.ROBOTS_PHOTO)

    bitcoin = forum.BITCOIN
    monero = forum.MONERO
    invitation = forum.INVITATION

    @property
    def traps(self) -> dict[str, str]:
        """Trap name to its URL as the links page links it (empty unless ``hostile``); see
        :data:`tests.crawl.traps.TRAPS` for what each does."""
        return {trap.name: self.at(trap.path) for trap in traps.TRAPS} if self.hostile else {}

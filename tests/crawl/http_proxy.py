"""A forwarding HTTP proxy on loopback for the crawl's tests: a client sends it absolute-form requests
(``GET http://forum.example/page HTTP/1.1``), as clients do through an ``http://`` proxy, and it fetches them
itself, mapping made-up host names to local ports. Bounded: loopback targets only, one request per
connection, answers read with a timeout, threads joined on stop."""

from __future__ import annotations

import http.client
import socketserver
from types import TracebackType
from urllib.parse import urlsplit

from tests.crawl.servers import LoopbackServer

TIMEOUT_S = 30.0
MAX_BODY = 64 << 20


class _Forward(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        line = self.rfile.readline(8192).decode("latin-1").strip()
        headers: dict[str, str] = {}
        while (header := self.rfile.readline(8192).decode("latin-1").strip()) and len(headers) < 100:
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, target, _version = [*line.split(" "), "", "", ""][:3]
        parts = urlsplit(target)
        port = self.server.names.get(parts.hostname or "")
        self.server.requested.append(target)
        if method != "GET" or parts.scheme != "http" or port is None:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        try:
            path = parts.path or "/"
            upstream.request(
                "GET", path + (f"?{parts.query}" if parts.query else ""), headers={"Host": parts.netloc}
            )
            answer = upstream.getresponse()
            body = answer.read(MAX_BODY)
        finally:
            upstream.close()
        head = f"HTTP/1.1 {answer.status} {answer.reason}\r\n"
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                head += f"{name}: {value}\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        self.wfile.write(head.encode("latin-1") + body)


class _ProxyServer(LoopbackServer):
    names: dict[str, int]
    requested: list[str]


class HttpProxy:
    """``with HttpProxy({"forum.example": site.port}) as proxy:`` then ``--proxy proxy.url``; ``requested``
    holds the absolute URLs clients asked for."""

    def __init__(self, names: dict[str, int]) -> None:
        self._server = _ProxyServer(_Forward)
        self._server.names = dict(names)
        self._server.requested = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def requested(self) -> list[str]:
        return list(self._server.requested)

    def __enter__(self) -> HttpProxy:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.stop()

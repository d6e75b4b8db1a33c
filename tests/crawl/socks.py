"""A minimal SOCKS5 proxy on loopback for the crawler's tests (RFC 1928: CONNECT, no authentication).

Names are resolved here, at the proxy, from a map given by the test (``forum.onion`` to the site's port), as
Tor resolves ``.onion`` names: a client using ``socks5h://`` sends the name, and
:attr:`Socks5Proxy.requested` shows it arrived unresolved. The proxy connects only to loopback: a name it
has no entry for, or an address off this machine, is refused with the SOCKS reply for it, and no DNS lookup is
ever made.

Use::

    with Site(hostile=False) as site, Socks5Proxy({"forum.onion": site.port}) as proxy:
        crawl("http://forum.onion/", proxy=proxy.url)       # socks5h://127.0.0.1:PORT
        assert ("forum.onion", 80) in proxy.requested
"""

from __future__ import annotations

import ipaddress
import select
import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

from tests.crawl.servers import LoopbackServer

RELAY_SECONDS = 120.0
"""The longest one proxied connection lasts, whatever the two ends do."""
_SUCCEEDED, _NOT_ALLOWED, _HOST_UNREACHABLE, _REFUSED, _COMMAND, _ADDRESS_TYPE = 0, 2, 4, 5, 7, 8


@dataclass(frozen=True, slots=True)
class Refusal:
    """A CONNECT the proxy refused: the target as requested and the SOCKS reply code it got."""

    host: str
    port: int
    reply: int


class _Closed(Exception):
    """The client closed or broke the SOCKS handshake."""


class _Handler(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        client: socket.socket = self.request
        try:
            target = self._handshake(client)
        except (_Closed, OSError):
            return
        if target is None:
            return
        with target:
            self._relay(client, target)

    def _read(self, client: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            piece = client.recv(size - len(data))
            if not piece:
                raise _Closed
            data += piece
        return data

    def _handshake(self, client: socket.socket) -> socket.socket | None:
        version, count = self._read(client, 2)
        methods = self._read(client, count)
        if version != 5 or 0 not in methods:
            client.sendall(b"\x05\xff")
            return None
        client.sendall(b"\x05\x00")
        version, command, _, kind = self._read(client, 4)
        if kind == 1:
            host = socket.inet_ntop(socket.AF_INET, self._read(client, 4))
        elif kind == 4:
            host = socket.inet_ntop(socket.AF_INET6, self._read(client, 16))
        elif kind == 3:
            host = self._read(client, self._read(client, 1)[0]).decode("idna")
        else:
            self._reply(client, _ADDRESS_TYPE)
            return None
        port = int.from_bytes(self._read(client, 2), "big")
        proxy = self.server.proxy
        proxy._note(host, port)
        if command != 1:
            self._refuse(client, host, port, _COMMAND)
            return None
        where = proxy._where(host, port)
        if isinstance(where, int):
            self._refuse(client, host, port, where)
            return None
        try:
            target = socket.create_connection(where, timeout=self.server.idle_seconds)
        except OSError:
            self._refuse(client, host, port, _REFUSED)
            return None
        client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + where[1].to_bytes(2, "big"))
        return target

    def _refuse(self, client: socket.socket, host: str, port: int, reply: int) -> None:
        self.server.proxy._refused(Refusal(host, port, reply))
        self._reply(client, reply)

    def _reply(self, client: socket.socket, reply: int) -> None:
        client.sendall(bytes((5, reply, 0, 1, 0, 0, 0, 0, 0, 0)))

    def _relay(self, client: socket.socket, target: socket.socket) -> None:
        deadline = time.monotonic() + RELAY_SECONDS
        idle_since = time.monotonic()
        ends = {client: target, target: client}
        while not self.server.stopping.is_set() and time.monotonic() < deadline:
            if time.monotonic() - idle_since > self.server.idle_seconds:
                return
            try:
                ready, _, _ = select.select(list(ends), [], [], 0.2)
                for end in ready:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)
                    idle_since = time.monotonic()
            except OSError:
                return


class _ProxyServer(LoopbackServer):
    def __init__(self, proxy: Socks5Proxy, max_connections: int, idle_seconds: float) -> None:
        super().__init__(_Handler, max_connections=max_connections, idle_seconds=idle_seconds)
        self.proxy = proxy


class Socks5Proxy:
    """The proxy, threaded and bounded: at most ``max_connections`` at once, each ending after
    ``idle_seconds`` without traffic or :data:`RELAY_SECONDS` in all, and all of them when it stops.

    Args:
        hosts: names the proxy resolves, each to a port on 127.0.0.1 (``{"forum.onion": site.port}``).
        max_connections: connections open at once; more are closed at once.
        idle_seconds: how long a connection may carry nothing.

    Attributes:
        url: ``socks5h://127.0.0.1:PORT``.
        requested: every CONNECT target as the client sent it (a name stays a name), in order.
        refusals: the CONNECTs refused, with their SOCKS reply codes (2 not allowed: off loopback;
            4 host unreachable: a name not in ``hosts``; 5 connection refused; 7 not a CONNECT).
    """

    def __init__(
        self, hosts: Mapping[str, int] | None = None, *, max_connections: int = 32, idle_seconds: float = 30.0
    ) -> None:
        self.hosts = {name.lower(): port for name, port in (hosts or {}).items()}
        self.requested: list[tuple[str, int]] = []
        self.refusals: list[Refusal] = []
        self._lock = threading.Lock()
        self._server = _ProxyServer(self, max_connections, idle_seconds)
        self.url = f"socks5h://127.0.0.1:{self._server.port}"

    @property
    def connections(self) -> int:
        """TCP connections the proxy accepted so far."""
        return self._server.connections

    def live_threads(self) -> list[threading.Thread]:
        """Connection threads still running (none once stopped)."""
        return self._server.threads()

    def __enter__(self) -> Socks5Proxy:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.stop()

    def _note(self, host: str, port: int) -> None:
        with self._lock:
            self.requested.append((host, port))

    def _refused(self, refusal: Refusal) -> None:
        with self._lock:
            self.refusals.append(refusal)

    def _where(self, host: str, port: int) -> tuple[str, int] | int:
        """Where to connect for a requested target, or the SOCKS reply refusing it."""
        if host.lower() in self.hosts:
            return "127.0.0.1", self.hosts[host.lower()]
        if host.lower() == "localhost":
            return "127.0.0.1", port
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return _HOST_UNREACHABLE  # a name we do not know: never looked up
        return (str(address), port) if address.is_loopback else _NOT_ALLOWED

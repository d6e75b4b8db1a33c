"""A loopback TCP server for the crawl fixtures: a thread per connection, bounded, all joined on stop."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
from typing import Any

STOP_SECONDS = 5.0
"""How long :meth:`LoopbackServer.stop` waits for each thread; the threads it ends stop well within it."""


class LoopbackServer(socketserver.TCPServer):
    """A threaded server on 127.0.0.1 (a free port) that a test can start and stop many times without leaks.

    Unlike :class:`socketserver.ThreadingMixIn`, it keeps every open connection, so :meth:`stop` can shut
    each socket down (a handler blocked on a slow or idle client wakes at once) and join its thread.
    Errors a hostile or impatient client causes in a handler are kept in :attr:`failures`, never printed.

    Attributes:
        stopping: set by :meth:`stop`; handlers with loops of their own (a drip-feed) watch it.
        connections: connections accepted so far.
        refused: connections closed at once because ``max_connections`` were open.
        failures: what went wrong in handlers (a client that hung up, a failed TLS handshake), as text.
    """

    allow_reuse_address = True

    def __init__(
        self,
        handler: type[socketserver.BaseRequestHandler],
        *,
        max_connections: int = 64,
        idle_seconds: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self.ssl_context = ssl_context
        self.stopping = threading.Event()
        self.connections = 0
        self.refused = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._open: dict[threading.Thread, socket.socket] = {}
        self._serving: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.server_address[1])

    def start(self) -> None:
        """Serve from a thread of its own until :meth:`stop`."""
        self._serving = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=f"loopback-{self.port}"
        )
        self._serving.start()

    def stop(self) -> None:
        """Stop accepting, end every open connection and join every thread this server started."""
        self.stopping.set()
        if self._serving is not None:
            self.shutdown()
            self._serving.join(STOP_SECONDS)
        with self._lock:
            open_now = dict(self._open)
        for connection in open_now.values():
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in open_now:
            thread.join(STOP_SECONDS)
        self.server_close()

    def threads(self) -> list[threading.Thread]:
        """The connection threads still running."""
        with self._lock:
            return [thread for thread in self._open if thread.is_alive()]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            if self.stopping.is_set() or len(self._open) >= self.max_connections:
                self.refused += 1
                self.shutdown_request(request)
                return
            self.connections += 1
            thread = threading.Thread(
                target=self._serve_connection,
                args=(request, client_address),
                name=f"loopback-{self.port}-conn",
            )
            self._open[thread] = request
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        try:
            request.settimeout(self.idle_seconds)
            # Headers and body go out as separate writes: without this each keep-alive answer waits for
            # the client's delayed acknowledgement.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                request = self.ssl_context.wrap_socket(request, server_side=True)
                with self._lock:
                    self._open[threading.current_thread()] = request
            self.finish_request(request, client_address)
        except Exception as error:  # a hostile client's doing: kept, the server goes on
            self.failures.append(f"{type(error).__name__}: {error}")
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._open.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never print a traceback: handler errors are caught in :meth:`_serve_connection`."""

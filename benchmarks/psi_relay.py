"""A loopback TCP relay that counts the bytes each way, HTTP headers included: what a query costs on the
wire. Used by ``bench_psi.py``; it stops when its ``with`` block ends."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit


class CountingRelay:
    """Relays every connection to ``upstream`` (``http://127.0.0.1:PORT``) and counts the bytes.

    Attributes:
        url: the relay's own base URL, to give a client instead of the upstream's.
        sent: bytes from clients to the upstream since the last :meth:`reset`.
        received: bytes from the upstream to clients since then.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.sent = 0
        self.received = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.sent = self.received = 0

    def __enter__(self) -> CountingRelay:
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stop.set()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self._upstream, timeout=60)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(None)
            self._sockets += [client, upstream]
            for source, sink, counter in ((client, upstream, "sent"), (upstream, client, "received")):
                pipe = threading.Thread(target=self._pipe, args=(source, sink, counter), daemon=True)
                pipe.start()
                self._threads.append(pipe)

    def _pipe(self, source: socket.socket, sink: socket.socket, counter: str) -> None:
        try:
            while not self._stop.is_set():
                data = source.recv(1 << 16)
                if not data:
                    break
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

"""The processes of ``warden serve``: gunicorn's pre-forking master with uvicorn workers (uvicorn-worker).

The master builds the app once (:func:`~warden.serve.app.app_from_settings`: every module imported, the
database opened and upgraded, the routers made), then forks the workers. What the master built is shared
by them, page for page, until one writes to it, so each added worker costs only what it allocates itself
(about a quarter of a worker that imports everything afresh, as uvicorn's own ``--workers`` does). The
master freezes its objects out of the garbage collector's reach (``gc.freeze``) before forking: a worker's
collector would otherwise write to every shared object it visits and so copy its page (measured: 55 MB of
private memory per worker after load without it, about 30 with it); the
banks' indexes are memory-mapped files, shared by every process through the page cache. Each worker runs
the app's lifespan (its index, threads and hashing processes start there, never in the master), and the
master restarts a worker that dies. gunicorn's access log stays off: the app logs each request itself,
without query strings (they may hold hashes).
"""

from __future__ import annotations

import errno
import gc
import socket
from typing import Any

from gunicorn.app.base import BaseApplication

from warden.errors import UsageError

WORKER_CLASS = "uvicorn_worker.UvicornWorker"
"""uvicorn in a gunicorn worker: its own event loop and HTTP parser (uvloop and httptools when installed)."""

GRACEFUL_SECONDS = 30
"""How long a stopping worker may take to finish the requests it holds."""

BOOT_SECONDS = 300
"""How long a worker may go without telling the master it lives (its start included) before it is
restarted."""


class _Service(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            if name in self.cfg.settings:  # control_socket_disable is newer than gunicorn 23
                self.cfg.set(name, value)

    def load(self) -> Any:
        from warden.serve.app import app_from_settings

        app = app_from_settings()
        gc.collect()
        gc.freeze()
        return app


def check_free(host: str, port: int) -> None:
    """Refuse a port something else listens on, before anything starts.

    Raises:
        UsageError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(f"port {port} on {host} is in use; choose another with --port") from error
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from error


def run(host: str, port: int, workers: int) -> None:
    """Serve on ``host:port`` with ``workers`` processes until the master is stopped (Ctrl-C, SIGTERM).

    Raises:
        UsageError: the address cannot be listened on.
    """
    check_free(host, port)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Service(
        {
            "bind": [address],
            "workers": workers,
            "worker_class": WORKER_CLASS,
            "preload_app": True,
            "timeout": BOOT_SECONDS,
            "graceful_timeout": GRACEFUL_SECONDS,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "warden-serve",
            # gunicorn's runtime control socket would be made in the user's home folder: nothing of the
            # service's is written there, and stopping is Ctrl-C or SIGTERM.
            "control_socket_disable": True,
        }
    ).run()

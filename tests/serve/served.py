"""The service served by uvicorn on a loopback socket in a thread, and keys made straight in its database."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from tests.waiting import wait_until
from warden.serve.app import create_app
from warden.serve.config import ServeConfig
from warden.serve.state import ServeState
from warden.servicedb.database import open_service_db
from warden.servicedb.keys import check_scopes, create_key


@dataclass(frozen=True)
class Service:
    """A running service: its address, configuration and state (its readiness...)."""

    url: str
    config: ServeConfig
    state: ServeState

    def client(self, key: str | None = None) -> httpx.Client:
        """A client of the service, sending ``key`` as a bearer token when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def key(self, name: str, *scopes: str, rate: int = 1000) -> str:
        """Make a key in the service's database; returns the key itself."""
        engine = open_service_db(self.config.db_url)
        try:
            with engine.begin() as connection:
                key, _ = create_key(connection, name, check_scopes(scopes), rate, time.time())
        finally:
            engine.dispose()
        return key


@contextmanager
def serving(config: ServeConfig, *, ready: bool = True) -> Iterator[Service]:
    """The service for ``config`` on a free loopback port; stopped on leaving. With ``ready``, once it is
    ready (its index loaded: /status 200), else as soon as it answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()

    def started() -> bool:
        assert thread.is_alive(), "the service failed to start"
        return bool(server.started)

    wait_until(started, "the service starts")
    state: ServeState = app.state.serve
    try:
        if ready:
            wait_until(lambda: state.readiness.is_ready, "the service gets ready")
        yield Service(f"http://127.0.0.1:{port}", config, state)
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def command_serving(args: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """``warden ARGS --port P`` as a user starts it, on a free loopback port, its output in ``log``; yields
    its URL once ``/status`` answers 200, and stops it (terminate, then kill) on leaving."""
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "warden.cli", *args, "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:

        def answering() -> bool:
            assert process.poll() is None, log.read_text()
            try:
                return httpx.get(f"{url}/status", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answering, f"warden {args[0]} starts", pause=0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

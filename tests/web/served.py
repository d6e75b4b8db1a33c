"""The review app served by uvicorn on a loopback socket in a thread, for the browser and proxy tests."""

from __future__ import annotations

import socket
import threading

import uvicorn

from tests.waiting import wait_until
from warden.case.folder import Case
from warden.web.app import create_app
from warden.web.config import ReviewConfig


def serve(
    case: Case, config: ReviewConfig, listener: socket.socket
) -> tuple[uvicorn.Server, threading.Thread]:
    """Start the app on ``listener``; returns once it accepts connections (at most 15 s)."""
    server = uvicorn.Server(uvicorn.Config(create_app(case, config), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the app starts")
    return server, thread

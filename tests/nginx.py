"""Debian's nginx run by a test in its own folder, on loopback, in the foreground: a real reverse proxy in
front of the review app or the matching service, configured with the blocks their docs give."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.waiting import wait_until

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

_MAIN = """
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{http}
}}
"""


@contextmanager
def nginx(root: Path, port: int, http: str) -> Iterator[None]:
    """nginx with ``http`` (its ``http`` block's contents: upstreams and servers) until the block ends;
    skipped when nginx is not installed. ``root`` holds its files; it listens on ``port`` of 127.0.0.1."""
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed (apt-get install nginx)")
    root.mkdir(parents=True, exist_ok=True)
    (root / "nginx.conf").write_text(_MAIN.format(root=root, http=http), encoding="utf-8")
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def listening() -> bool:
        assert process.poll() is None, process.stderr.read() if process.stderr else "nginx stopped"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_until(listening, "nginx starts", pause=0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)

"""Two `warden serve` replicas, as on two machines (each its own WARDEN_HOME, the same PostgreSQL database and
key), behind Debian's nginx configured with the very blocks of docs/serve.md: a list filled through the proxy
is matched by both; one replica killed, the proxy goes on answering; a third replica added with an empty home
copies the index and matches too."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.media import media
from tests.nginx import nginx
from tests.serve.bank_service import PHOTOS, photo_csv
from tests.waiting import wait_until
from warden.hashing.item import hash_file
from warden.hashsets.sealed import load_key

pytestmark = pytest.mark.slow  # PostgreSQL, nginx, three services


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def documented_blocks(ports: list[int]) -> tuple[str, str]:
    """The ``upstream`` block of docs/serve.md pointed at ``ports``, and its server's body but for TLS."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "serve.md").read_text(encoding="utf-8")
    config = text.split("## Replicas", 1)[1].split("```nginx", 1)[1].split("```", 1)[0]
    upstream, server = config.split("server {\n", 1)
    documented = [line for line in upstream.splitlines() if "server 10.0.0." in line]
    assert len(documented) == 2
    options = documented[0].split(":8787", 1)[1]
    servers = "\n".join(f"    server 127.0.0.1:{port}{options}" for port in ports)
    upstream = upstream.replace(documented[0], servers).replace(documented[1] + "\n", "")
    body = "\n".join(
        line
        for line in server.rsplit("}", 1)[0].splitlines()
        if not line.strip().startswith(("listen", "ssl_"))
    )
    return upstream, body


@contextmanager
def proxy_for(root: Path, ports: list[int]) -> Iterator[str]:
    """nginx on a free loopback port, configured as docs/serve.md says, in front of ``ports``; its URL."""
    port = _free_port()
    upstream, body = documented_blocks(ports)
    with nginx(root, port, f"{upstream}\n    server {{\n        listen 127.0.0.1:{port};\n{body}\n    }}"):
        yield f"http://127.0.0.1:{port}"


class Replica:
    """One `warden serve` process as on a machine of its own: its home, its key file (a copy), one worker."""

    def __init__(self, root: Path, db_url: str, key: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (root / "keys").mkdir(parents=True, mode=0o700)
        shutil.copy2(key, root / "keys" / "store.key")
        self.env = {
            **os.environ,
            "WARDEN_HOME": str(root / "home"),
            "WARDEN_KEY_FILE": str(root / "keys" / "store.key"),
            "WARDEN_SERVE_SPOOL": str(root / "spool"),
            "WARDEN_SERVE_DB": db_url,
            "WARDEN_SERVE_POLL_SECONDS": "1",
        }
        self.log = root / "serve.log"
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "warden.cli", "serve", "--workers", "1", "--port", str(self.port)],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/status", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """As a machine dies: every process of it at once, nothing shut down cleanly."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def replicas(root: Path, db_url: str, key: Path, count: int) -> Iterator[list[Replica]]:
    started = [Replica(root / f"machine-{n}", db_url, key) for n in range(count)]
    try:
        for replica in started:
            wait_until(replica.ready, "a replica starts", pause=0.2)
        yield started
    finally:
        for replica in started:
            replica.stop()


def _matches(url: str, key: str, digest: str) -> list[str]:
    answer = httpx.post(
        f"{url}/v1/lookup",
        json={"hashes": [{"kind": "md5", "value": digest}]},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return sorted(m["content_id"] for m in answer.json()["results"][0]["matches"])


def test_two_replicas_behind_nginx_share_one_index_and_survive_one_killed(
    tmp_path: Path, postgres_url: str
) -> None:
    load_key(tmp_path / "keys" / "store.key", create=True)
    key_file = tmp_path / "keys" / "store.key"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "warden.cli",
            "apikey",
            "create",
            "ops",
            "--scope",
            "admin",
            "--rate",
            "100000",
        ],
        env={**os.environ, "WARDEN_HOME": str(tmp_path / "ops"), "WARDEN_SERVE_DB": postgres_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    headers = {"Authorization": f"Bearer {key}"}
    digest = hash_file(media("photos", PHOTOS[1])).md5 or ""
    with (
        replicas(tmp_path, postgres_url, key_file, 2) as (first, second),
        proxy_for(tmp_path / "nginx", [first.port, second.port]) as proxy,
    ):
        assert httpx.post(f"{proxy}/v1/banks", json={"name": "SHARED"}, headers=headers).status_code == 201
        with photo_csv(tmp_path).open("rb") as listing:
            filled = httpx.post(
                f"{proxy}/v1/banks/SHARED/list", files={"file": listing}, headers=headers, timeout=120
            )
        assert filled.status_code == 200, filled.text
        for replica in (first, second):  # each asked directly, not through the proxy
            wait_until(lambda r=replica: _matches(r.url, key, digest) == ["photo-1"], "a replica matches")
        homes = [
            sorted(p.name for p in (r.root / "home" / "hashsets").iterdir() if p.name.startswith("bank."))
            for r in (first, second)
        ]
        assert homes[0] == homes[1] and len(homes[0]) == 1, "the same index on both machines' disks"

        first.kill()
        answers = [_matches(proxy, key, digest) for _ in range(10)]
        assert answers == [["photo-1"]] * 10, "the proxy answers from the replica that is left"

        with replicas(tmp_path / "later", postgres_url, key_file, 1) as (third,):
            copied = [
                p.name for p in (third.root / "home" / "hashsets").iterdir() if p.name.startswith("bank.")
            ]
            assert copied == homes[0]
            assert _matches(third.url, key, digest) == ["photo-1"], "a new replica copied the index"

"""`warden serve --workers 2` as a user starts it, and `warden apikey` as a user runs it: two worker
processes share one rate count, and a photo is hashed through the running service."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.media import media
from tests.serve.served import command_serving


def _warden(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warden.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WARDEN_HOME": str(tmp_path / "home"),
        "WARDEN_SERVE_SPOOL": str(tmp_path / "spool"),
        "WARDEN_SERVE_DB": "",
    }


@pytest.fixture
def running(environment: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`warden serve --workers 2` on a free loopback port; its URL and log file. Stopped at the end."""
    log = tmp_path / "serve.log"
    with command_serving(["serve", "--workers", "2"], environment, log) as url:
        yield url, log


def _answering_pids(log: Path, key: str) -> set[str]:
    return set(re.findall(rf"^\S+ \S+ (\d+) INFO GET /v1/key \d+ key={key} ", log.read_text(), re.M))


@pytest.mark.slow
def test_two_worker_processes_share_one_rate_limit(
    running: tuple[str, Path], environment: dict[str, str]
) -> None:
    url, log = running
    made = _warden(environment, "apikey", "create", "shared", "--scope", "match", "--rate", "10")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert "not shown again" in made.stderr
    minute = int(time.time() // 60)
    statuses: list[int] = []
    for _ in range(300):  # fresh connections, until both workers have answered more than the rate
        answer = httpx.get(f"{url}/v1/key", headers={"Authorization": f"Bearer {key}"}, timeout=30)
        statuses.append(answer.status_code)
        if len(statuses) > 12 and len(_answering_pids(log, "shared")) == 2:
            break
    assert len(_answering_pids(log, "shared")) == 2, "one worker answered every request"
    assert set(statuses) == {200, 429}
    if int(time.time() // 60) == minute:
        # Counted apart, each worker would admit up to 10 and more than 10 would pass.
        assert statuses.count(200) == 10
    listed = _warden(environment, "apikey", "list")
    assert listed.returncode == 0 and "shared" in listed.stdout and key not in listed.stdout


@pytest.mark.slow
def test_a_new_user_hashes_a_photo_and_revokes_the_key(
    running: tuple[str, Path], environment: dict[str, str]
) -> None:
    url, log = running
    key = _warden(environment, "apikey", "create", "laptop", "--scope", "hash").stdout.strip()
    photo = media("photos", "n01440764_tench.jpg")
    headers = {"Authorization": f"Bearer {key}"}
    with photo.open("rb") as stream:
        hashed = httpx.post(f"{url}/v1/hash", headers=headers, files={"file": stream}, timeout=60)
    assert hashed.status_code == 200 and len(hashed.json()["pdq"]) == 64
    assert hashed.json()["sha256"] not in log.read_text()  # hashes stay out of the log by default
    assert _warden(environment, "apikey", "revoke", "laptop").returncode == 0
    for _ in range(300):  # every worker reads the key again within WARDEN_SERVE_POLL_SECONDS
        refused = httpx.post(f"{url}/v1/hash", headers=headers, content=b"x", timeout=30)
        if refused.status_code == 401:
            break
        time.sleep(0.1)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "api_key"
    assert "revoked" in _warden(environment, "apikey", "list", "--json").stdout
    assert (Path(environment["WARDEN_HOME"]) / "serve" / "service.db").is_file()

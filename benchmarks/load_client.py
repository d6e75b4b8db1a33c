"""A lean HTTP/1.1 load client for the service benchmarks: one keep-alive connection per lane, requests
written as bytes and answers read by their Content-Length (or chunks), on uvloop when it is installed.

A general client (httpx) spends about 2 ms of CPU per request in Python; on a machine whose cores the
services share with their client, that CPU is taken from the services and caps what any of them can show.
This one spends a small fraction of that, the same for every service measured, so the services, not the
client, set the numbers. It speaks only what the benchmarks need (GET and POST, JSON, keep-alive) and
stops by itself: a fixed number of requests, each with a timeout.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

T = TypeVar("T")

TIMEOUT_S = 120.0
MAX_HEAD = 64 * 1024
MAX_BODY = 256 * 1024 * 1024


class ClientError(Exception):
    """The connection failed, timed out or the answer was not HTTP."""


class Answer:
    """One answer: its status and body."""

    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to ``url``, sending ``headers`` with every request."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._fixed = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path + ("?" + urlencode(params) if params else ""), None)

    async def post(self, path: str, json_body: Any) -> Answer:
        return await self.request("POST", path, json.dumps(json_body, separators=(",", ":")).encode())

    async def request(self, method: str, target: str, body: bytes | None) -> Answer:
        try:
            return await asyncio.wait_for(self._exchange(method, target, body), TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            await self.close()
            raise ClientError(f"{method} {target[:60]}: {error!r}") from error

    async def _exchange(self, method: str, target: str, body: bytes | None) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._fixed}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write((head + "\r\n").encode("latin-1") + (body or b""))
        raw = await self._reader.readuntil(b"\r\n\r\n")
        if len(raw) > MAX_HEAD:
            raise ValueError("answer head too long")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            length = int(fields["content-length"])
            if length > MAX_BODY:
                raise ValueError("answer too long")
            payload = await self._reader.readexactly(length)
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            payload = await self._chunks()
        else:
            payload = await self._reader.read(MAX_BODY)
            await self.close()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, payload)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        out = bytearray()
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return bytes(out)
            if len(out) + size > MAX_BODY:
                raise ValueError("answer too long")
            out += await self._reader.readexactly(size)
            await self._reader.readexactly(2)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._reader = None


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``main()`` to completion on uvloop when it is installed, else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main())


Send = Callable[[Connection, int], Awaitable[tuple[bool, bool]]]
"""One request of a test: (the connection, its number) -> (answered 200, answered as expected)."""

"""Hostile endpoints of the local test site: each answers the way a hostile or broken server would, bounded.

Every loop here ends by itself: after :data:`TRAP_SECONDS`, when the site stops, or when the client hangs up.
Bombs are generated while they are sent, never held in memory: a compressed block of a MiB of zeros, repeated.
"""

from __future__ import annotations

import functools
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from threading import Event
from urllib.parse import parse_qs, urlsplit

from tests.crawl import forum
from tests.media import media

TRAP_SECONDS = 120.0
"""The longest any trap goes on sending, whatever the client does."""
BOMB_INFLATED = 10 * 2**30
"""What a bomb inflates to: 10 GiB of zeros, in a body of about 10 MiB."""
OVERSIZED = 4 * 2**30
"""The length an oversized body declares (and sends, if the client reads that far within the time)."""
_CHUNK = bytes(2**20)
Handler = BaseHTTPRequestHandler
Query = dict[str, list[str]]
Answer = Callable[[Handler, Query, Event], None]
_SEND = bytes(2**16)


@dataclass(frozen=True, slots=True)
class Trap:
    """A hostile endpoint: its name, the path a page links to, how it is linked and what it does."""

    name: str
    path: str
    linked_as: str
    what: str


TRAPS: tuple[Trap, ...] = (
    Trap("redirect_loop", "/trap/redirect-a", "a", "302 to /trap/redirect-b, which redirects back"),
    Trap("redirect_chain", "/trap/redirect-chain?n=0", "a", "302 to ?n=N+1, without end"),
    Trap("link_farm", "/trap/farm/1", "a", "each page links to two new ones (/trap/farm/2N and 2N+1)"),
    Trap("calendar", "/trap/calendar.php?month=1", "a", "each month links to the next, without end"),
    Trap("slow_body", "/trap/slow", "a", "headers at once, then one byte a second"),
    Trap("slow_headers", "/trap/slow-headers", "a", "accepts, then sends nothing"),
    Trap("gzip_bomb", "/trap/bomb-gzip.html", "a", "Content-Encoding gzip, ~10 MiB inflating to 10 GiB"),
    Trap("deflate_bomb", "/trap/bomb-deflate.html", "a", "Content-Encoding deflate (zlib), likewise"),
    Trap("oversized_declared", "/trap/huge-declared.jpg", "img", "image/jpeg, Content-Length 4 GiB"),
    Trap("oversized_undeclared", "/trap/huge-undeclared.jpg", "img", "image/jpeg without a length, endless"),
    Trap("image_as_html", "/trap/photo.php?id=1", "img", "a photo's JPEG bytes served as text/html"),
    Trap("html_as_image", "/trap/page.jpg", "a", "an HTML page served as image/jpeg"),
    Trap("truncated", "/trap/truncated.jpg", "img", "declares the whole photo's length, sends half, closes"),
)
"""Every trap, by name; the site's links page links each one as ``<a href>`` or ``<img src>``."""


def links(extra: dict[str, str]) -> str:
    """The ``<li>`` items of the links page: every trap, then ``extra`` (name to absolute URL)."""
    items = [
        f'<li><img src="{trap.path}" alt="{trap.name}"></li>'
        if trap.linked_as == "img"
        else f'<li><a href="{trap.path.replace("&", "&amp;")}">{trap.name}</a></li>'
        for trap in TRAPS
    ]
    items += [f'<li><a href="{url}">{name}</a></li>' for name, url in extra.items()]
    return "".join(items)


@functools.cache
def _zero_blocks() -> tuple[bytes, bytes]:
    """A raw-deflate block that inflates to :data:`_CHUNK`, and the stream's end; after a full flush the
    compressor's state is reset, so the same block may follow itself any number of times."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(_CHUNK) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block, compressor.flush(zlib.Z_FINISH)


def bomb_length(inflated: int = BOMB_INFLATED) -> int:
    """The body length of a gzip bomb (a deflate bomb is 10 bytes shorter)."""
    block, end = _zero_blocks()
    return 10 + (inflated // len(_CHUNK)) * len(block) + len(end) + 8


def bomb_body(kind: str, inflated: int = BOMB_INFLATED) -> Callable[[], bytes | None]:
    """The bomb's body piece by piece (None after the last): ``gzip`` or ``deflate`` (RFC 1950 zlib)."""
    block, end = _zero_blocks()
    blocks = inflated // len(_CHUNK)
    state = {"sent": -1, "check": 0 if kind == "gzip" else 1}
    update = zlib.crc32 if kind == "gzip" else zlib.adler32

    def piece() -> bytes | None:
        sent = state["sent"]
        state["sent"] = sent + 1
        if sent == -1:
            return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" if kind == "gzip" else b"\x78\xda"
        if sent < blocks:
            state["check"] = update(_CHUNK, state["check"])
            return block
        if sent == blocks:
            if kind == "gzip":
                size = (blocks * len(_CHUNK)) % 2**32
                return end + state["check"].to_bytes(4, "little") + size.to_bytes(4, "little")
            return end + state["check"].to_bytes(4, "big")
        return None

    return piece


def serve(handler: Handler, stopping: Event) -> bool:
    """Answer the request if its path is a trap's; False when it is not. A client that hangs up ends it."""
    parts = urlsplit(handler.path)
    query = parse_qs(parts.query)
    answer = _ROUTES.get(parts.path)
    if answer is None and parts.path.startswith("/trap/farm/") and parts.path[11:].isdigit():
        answer = _farm
    if answer is None:
        return False
    try:
        answer(handler, query, stopping)
    except OSError:  # the client gave up, as it should
        handler.close_connection = True
    return True


def _start(handler: Handler, status: int, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if "Content-Length" not in headers:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()


def _html(handler: Handler, body: str, content_type: str = "text/html; charset=utf-8") -> None:
    data = f"<!DOCTYPE html><html><body>{body}</body></html>".encode()
    _start(handler, 200, {"Content-Type": content_type, "Content-Length": str(len(data))})
    handler.wfile.write(data)


def _redirect(to: str) -> Answer:
    def answer(handler: Handler, query: Query, stopping: Event) -> None:
        _start(handler, 302, {"Location": to, "Content-Length": "0"})

    return answer


def _chain(handler: Handler, query: Query, stopping: Event) -> None:
    raw = query.get("n", ["0"])[0]
    number = int(raw) if raw.isdigit() else 0
    _start(handler, 302, {"Location": f"/trap/redirect-chain?n={number + 1}", "Content-Length": "0"})


def _farm(handler: Handler, query: Query, stopping: Event) -> None:
    number = int(urlsplit(handler.path).path[11:])
    _html(
        handler, f'<a href="/trap/farm/{2 * number}">left</a> <a href="/trap/farm/{2 * number + 1}">right</a>'
    )


def _calendar(handler: Handler, query: Query, stopping: Event) -> None:
    raw = query.get("month", ["1"])[0]
    month = int(raw) if raw.lstrip("-").isdigit() else 1
    _html(
        handler,
        f'<h1>Events, month {month}</h1><a href="?month={month - 1}">previous</a> '
        f'<a href="?month={month + 1}">next</a>',
    )


def _send_until(handler: Handler, stopping: Event, piece: Callable[[], bytes | None]) -> None:
    deadline = time.monotonic() + TRAP_SECONDS
    while not stopping.is_set() and time.monotonic() < deadline:
        data = piece()
        if data is None:
            return
        handler.wfile.write(data)


def _slow(handler: Handler, query: Query, stopping: Event) -> None:
    _start(handler, 200, {"Content-Type": "text/html; charset=utf-8"})
    deadline = time.monotonic() + TRAP_SECONDS
    handler.wfile.write(b"<")
    while time.monotonic() < deadline and not stopping.wait(1.0):
        handler.wfile.write(b" ")


def _slow_headers(handler: Handler, query: Query, stopping: Event) -> None:
    stopping.wait(TRAP_SECONDS)
    handler.close_connection = True


def _bomb(kind: str) -> Answer:
    def answer(handler: Handler, query: Query, stopping: Event) -> None:
        length = bomb_length() - (0 if kind == "gzip" else 10)
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Encoding": kind,
            "Content-Length": str(length),
        }
        _start(handler, 200, headers)
        _send_until(handler, stopping, bomb_body(kind))

    return answer


def _huge(declared: bool) -> Answer:
    def answer(handler: Handler, query: Query, stopping: Event) -> None:
        headers = {"Content-Type": "image/jpeg"}
        if declared:
            headers["Content-Length"] = str(OVERSIZED)
        _start(handler, 200, headers)
        remaining = [OVERSIZED]

        def piece() -> bytes | None:
            if remaining[0] <= 0:
                return None
            data = b"\xff\xd8\xff\xe0" + _SEND[4:] if remaining[0] == OVERSIZED else _SEND
            remaining[0] -= len(data)
            return data

        _send_until(handler, stopping, piece)
        handler.close_connection = True

    return answer


def _image_as_html(handler: Handler, query: Query, stopping: Event) -> None:
    data = media("photos", forum.WRONG_TYPE_PHOTO).read_bytes()
    _start(handler, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(data))})
    handler.wfile.write(data)


def _html_as_image(handler: Handler, query: Query, stopping: Event) -> None:
    _html(handler, "<h1>Not a picture</h1><p>This page says it is a JPEG.</p>", "image/jpeg")


def _truncated(handler: Handler, query: Query, stopping: Event) -> None:
    data = media("photos", forum.TRUNCATED_PHOTO).read_bytes()
    _start(handler, 200, {"Content-Type": "image/jpeg", "Content-Length": str(len(data))})
    handler.wfile.write(data[: len(data) // 2])
    handler.close_connection = True


_ROUTES: dict[str, Answer] = {
    "/trap/redirect-a": _redirect("/trap/redirect-b"),
    "/trap/redirect-b": _redirect("/trap/redirect-a"),
    "/trap/redirect-chain": _chain,
    "/trap/calendar.php": _calendar,
    "/trap/slow": _slow,
    "/trap/slow-headers": _slow_headers,
    "/trap/bomb-gzip.html": _bomb("gzip"),
    "/trap/bomb-deflate.html": _bomb("deflate"),
    "/trap/huge-declared.jpg": _huge(declared=True),
    "/trap/huge-undeclared.jpg": _huge(declared=False),
    "/trap/photo.php": _image_as_html,
    "/trap/page.jpg": _html_as_image,
    "/trap/truncated.jpg": _truncated,
}

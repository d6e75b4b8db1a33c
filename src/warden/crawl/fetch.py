"""Fetching one URL, bounded, with the bytes as they came off the wire: the request and response heads and
the body still content-encoded (what the WARC keeps), its SHA-256, and the decoded start of a page for the
crawl to read.

Every failure is a reason on the result, never an exception: ``timeout``, ``too-large``, ``bomb``, ``tls``,
``refused``, ``dns``, ``proxy``, ``protocol``, ``encoding``, ``network``, ``onion``. A response whose body
was cut short (too large, too slow, a bomb, a dropped connection) is kept as far as it came, and says how
it was cut (``truncated``, WARC's ``WARC-Truncated``). Redirects are not followed here: the crawl queues
the target as a URL of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from warden.crawl.decode import DECODED, BodyDecoder, BodyProblem
from warden.crawl.scope import host_of

CHUNK = 64 * 1024
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/css", "text/plain")
"""Bodies the crawl reads (pages, style sheets, robots.txt); every other body is only preserved."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How a crawl fetches (from the settings and its options)."""

    user_agent: str
    connect_timeout: float
    read_timeout: float
    response_seconds: float
    max_response_bytes: int
    max_ratio: int
    max_text_bytes: int
    concurrency: int = 4
    proxy: str | None = None
    insecure: bool = False


@dataclass(slots=True)
class Fetched:
    """One fetch: what was sent, what came back as far as it came, and what went wrong."""

    url: str
    request_line: str = ""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int | None = None
    http_version: str = "HTTP/1.1"
    reason_phrase: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: IO[bytes] | None = None
    size: int = 0
    sha256: str | None = None
    text: bytes | None = None
    error: str | None = None
    truncated: str | None = None
    ip: str | None = None
    started: float = 0.0
    certificate: bytes | None = None
    addresses: tuple[str, ...] | None = None
    addresses_problem: str | None = None

    def header(self, name: str) -> str | None:
        """The first response header of that name (case-insensitive)."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def content_type(self) -> str | None:
        """The media type the server declared, without parameters."""
        value = self.header("content-type")
        return value.split(";")[0].strip().lower() if value else None

    def close(self) -> None:
        """Delete the body's temporary copy."""
        if self.body is not None:
            self.body.close()
            self.body = None


def make_client(settings: FetchSettings) -> httpx.AsyncClient:
    """The crawl's HTTP client: HTTP/1.1 and HTTP/2, no redirects followed, no proxy or certificate
    settings taken from the environment, certificates verified unless ``insecure``.

    Raises:
        ValueError: the proxy URL is not one httpx can use (the caller says so as a CrawlError).
    """
    timeout = httpx.Timeout(
        connect=settings.connect_timeout, read=settings.read_timeout, write=settings.read_timeout, pool=None
    )
    return httpx.AsyncClient(
        http1=True,
        http2=True,
        verify=not settings.insecure,
        proxy=settings.proxy,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": settings.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": ", ".join(sorted(DECODED - {"x-gzip"})),
        },
        limits=httpx.Limits(max_connections=max(settings.concurrency, 1) * 2),
    )


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def reason_for(error: BaseException, settings: FetchSettings, url: str) -> str:
    """The per-URL reason for an exception met while fetching."""
    chain = _chain(error)
    text = str(error) or type(error).__name__
    if isinstance(error, httpx.ConnectTimeout):
        return f"timeout: no connection within {settings.connect_timeout:g} s"
    if isinstance(error, httpx.TimeoutException):
        return f"timeout: the server sent nothing for {settings.read_timeout:g} s"
    if isinstance(error, TimeoutError):
        return f"timeout: the answer took over {settings.response_seconds:g} s in all"
    if isinstance(error, httpx.ProxyError):
        return f"proxy: the proxy refused or failed the connection ({text})"
    tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
    if tls is not None or "SSL" in text or "CERTIFICATE" in text:
        detail = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or text
        return f"tls: {detail} (--insecure fetches it anyway, and says so)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text.lower():
        return "refused: the server refused the connection"
    if any(isinstance(e, socket.gaierror) for e in chain) or "Name or service not known" in text:
        return f"dns: the name {host_of(url)} does not resolve"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"protocol: {text}"
    if isinstance(error, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"url: {text}"
    return f"network: {text}"


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    settings: FetchSettings,
    spool: Path,
    *,
    read_text: bool = False,
    resolve: bool = False,
) -> Fetched:
    """Fetch ``url`` once, within ``settings``' bounds; never raises for anything the network does.

    Args:
        read_text: keep the decoded start of the body whatever its type (robots.txt).
        resolve: also resolve the host's name to its addresses once it has answered (for the hosting
            facts; never through a proxy, where names resolve at the proxy).
    """
    result = Fetched(url, started=time.monotonic())
    if host_of(url).endswith(".onion") and not (settings.proxy or "").startswith("socks5h://"):
        result.error = (
            "onion: an .onion address is reached only through Tor: give --proxy socks5h://HOST:PORT"
        )
        return result
    try:
        request = client.build_request("GET", url)
    except (httpx.HTTPError, ValueError) as error:
        result.error = f"url: {error}"
        return result
    target = request.url.raw_path.decode("ascii", "replace")
    result.request_line = f"GET {target} HTTP/1.1"
    result.request_headers = [(_text(k), _text(v)) for k, v in request.headers.raw]
    try:
        async with asyncio.timeout(settings.response_seconds):
            response = await client.send(request, stream=True)
            try:
                await _read(response, result, settings, spool, read_text)
            finally:
                await response.aclose()
    except (httpx.HTTPError, OSError, TimeoutError, ssl.SSLError, ValueError) as error:
        if result.status is not None and result.error is None:
            result.truncated = (
                "time" if isinstance(error, (TimeoutError, httpx.TimeoutException)) else ("disconnect")
            )
        if result.error is None:
            result.error = reason_for(error, settings, url)
    if resolve and result.status is not None and not settings.proxy:
        await _resolve(result, settings)
    _finish(result)
    return result


async def _read(
    response: httpx.Response, result: Fetched, settings: FetchSettings, spool: Path, read_text: bool
) -> None:
    result.status = response.status_code
    result.http_version = response.http_version
    result.reason_phrase = response.reason_phrase
    result.headers = [(_text(k), _text(v)) for k, v in response.headers.raw]
    if not settings.proxy:
        result.ip = _server_address(response)
    result.certificate = _peer_certificate(response)
    result.body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, dir=str(spool))  # noqa: SIM115
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_response_bytes:
        result.error = f"too-large: it declares {declared} bytes, over {settings.max_response_bytes}"
        result.truncated = "length"
        return
    keep = settings.max_text_bytes if read_text or result.content_type in TEXT_TYPES else 0
    decoder = BodyDecoder(
        result.header("content-encoding") or "",
        keep=keep,
        max_bytes=settings.max_response_bytes,
        max_ratio=settings.max_ratio,
    )
    digest = hashlib.sha256()
    async for chunk in response.aiter_raw(CHUNK):
        room = settings.max_response_bytes - result.size
        piece = chunk[:room]
        result.body.write(piece)
        digest.update(piece)
        result.size += len(piece)
        result.sha256 = digest.hexdigest()
        try:
            decoder.feed(piece)
        except BodyProblem as problem:
            result.error, result.truncated = str(problem), "length"
            return
        if len(chunk) > room:
            result.error = f"too-large: the body is over {settings.max_response_bytes} bytes"
            result.truncated = "length"
            return
    try:
        decoder.finish()
    except BodyProblem as problem:
        result.error = str(problem)
        return
    if decoder.unknown is not None and keep:
        result.error = f"encoding: {decoder.unknown} is not decoded, so the page's links were not read"
    if keep and (decoder.decodes or not decoder.encodings):
        result.text = bytes(decoder.kept)


def _finish(result: Fetched) -> None:
    if result.body is not None:
        if result.sha256 is None:
            result.sha256 = hashlib.sha256(b"").hexdigest()
        result.body.seek(0)


def _server_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        address = stream.get_extra_info("server_addr") if stream is not None else None
    except Exception:  # an extra a transport does not give is no fault of the fetch
        return None
    return str(address[0]) if isinstance(address, tuple) and address else None


def _peer_certificate(response: httpx.Response) -> bytes | None:
    """The server's TLS certificate (DER) as presented, verified or not; None over plain HTTP."""
    stream = response.extensions.get("network_stream")
    try:
        tls = stream.get_extra_info("ssl_object") if stream is not None else None
        der = tls.getpeercert(binary_form=True) if isinstance(tls, (ssl.SSLObject, ssl.SSLSocket)) else None
    except Exception:  # an extra a transport does not give is no fault of the fetch
        return None
    return bytes(der) if der else None


async def _resolve(result: Fetched, settings: FetchSettings) -> None:
    """The addresses the URL's host name resolves to here, within the connect timeout; a failure is said."""
    host = host_of(result.url)
    try:
        async with asyncio.timeout(settings.connect_timeout):
            found = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError) as error:
        result.addresses = ()
        result.addresses_problem = f"{host} did not resolve here ({error or type(error).__name__})"
        return
    result.addresses = tuple(dict.fromkeys(str(info[4][0]) for info in found))

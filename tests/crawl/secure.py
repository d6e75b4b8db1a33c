"""TLS and HTTP/2 for the local test site: a certificate no client trusts (made by ``trustme`` in the test),
and the site's pages served over HTTP/2 by ``hypercorn`` from a thread of its own."""

from __future__ import annotations

import asyncio
import datetime
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypercorn.asyncio import serve
from hypercorn.config import Config

from tests.crawl.forum_pages import Resource

STOP_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Certificate:
    """The certificate a TLS endpoint of the site shows, as the crawl's hosting facts should report it.

    Attributes:
        ca_file: the PEM of the CA that issued it; no client trusts it unless told to (``verify=ca_file``).
        cert_file, key_file: the server's certificate chain and key, PEM.
        subject, issuer: RFC 4514 strings (``cryptography``'s ``rfc4514_string()``).
        not_before, not_after: validity, UTC.
        sha256: the fingerprint of the server certificate (DER), hex.
    """

    ca_file: Path
    cert_file: Path
    key_file: Path
    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    sha256: str

    def server_context(self, alpn: tuple[str, ...] = ("http/1.1",)) -> ssl.SSLContext:
        """A server-side context with this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        context.set_alpn_protocols(list(alpn))
        return context


def make_certificate(folder: Path) -> Certificate:
    """A CA nobody trusts and a certificate it issued for ``127.0.0.1`` and ``localhost``, written into
    ``folder``."""
    ca = trustme.CA(organization_name="Owl Hollow test CA")
    leaf = ca.issue_cert(
        "127.0.0.1", "localhost", common_name="owl-hollow.test", organization_name="Owl Hollow"
    )
    paths = {name: folder / f"{name}.pem" for name in ("ca", "cert", "key")}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    leaf.private_key_pem.write_to_path(str(paths["key"]))
    for number, blob in enumerate(leaf.cert_chain_pems):
        blob.write_to_path(str(paths["cert"]), append=number > 0)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    return Certificate(
        ca_file=paths["ca"],
        cert_file=paths["cert"],
        key_file=paths["key"],
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


class Http2Server:
    """The site's pages and media over HTTP/2: ``url`` with TLS (ALPN ``h2``, the certificate above) and
    ``cleartext_url`` (h2c with prior knowledge), through hypercorn on its own event loop and thread.

    Args:
        resources: path (with query) to what to answer; anything else is a 404.
        certificate: the TLS certificate.
        record: called with (origin, method, path, host, http version) for each request.
    """

    def __init__(
        self,
        resources: Mapping[str, Resource],
        certificate: Certificate,
        record: Callable[[str, str, str, str, str], None],
    ) -> None:
        self._resources = resources
        self._record = record
        self._certificate = certificate
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.url = ""
        self.cleartext_url = ""

    def start(self) -> None:
        """Bind two loopback ports and serve from a new thread until :meth:`stop`."""
        secure, plain = (socket.create_server(("127.0.0.1", 0)) for _ in range(2))
        self.url = f"https://127.0.0.1:{secure.getsockname()[1]}"
        self.cleartext_url = f"http://127.0.0.1:{plain.getsockname()[1]}"
        config = Config()
        config.bind = [f"fd://{secure.detach()}"]
        config.insecure_bind = [f"fd://{plain.detach()}"]
        config.certfile = str(self._certificate.cert_file)
        config.keyfile = str(self._certificate.key_file)
        config.graceful_timeout = 1.0
        config.accesslog = None
        config.errorlog = None
        self._thread = threading.Thread(target=self._run, args=(config,), name="http2-site")
        self._thread.start()
        self._ready.wait(STOP_SECONDS)

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(STOP_SECONDS)

    def _run(self, config: Config) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await serve(self._app, config, shutdown_trigger=self._stop.wait, mode="asgi")  # type: ignore[arg-type]

        asyncio.run(main())

    async def _app(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope["raw_path"].decode("latin-1")
        if scope["query_string"]:
            path += "?" + scope["query_string"].decode("latin-1")
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        origin = f"{scope['scheme']}://127.0.0.1:{scope['server'][1]}"
        self._record(origin, scope["method"], path, host, scope["http_version"])
        resource = self._resources.get(path) or Resource("text/plain; charset=utf-8", b"not found", 404)
        headers = [
            (b"content-type", resource.content_type.encode()),
            (b"content-length", str(len(resource.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": resource.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else resource.body}
        )

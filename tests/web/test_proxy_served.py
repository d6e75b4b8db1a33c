"""The proxy setup of docs/review.md end to end: the app served by uvicorn on loopback, behind a real TLS
proxy on loopback (Debian's nginx with the documented configuration, and a small proxy written here with the
standard library), reached over HTTPS the way a browser does."""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.nginx import nginx
from tests.web.conftest import csrf_of
from tests.web.served import serve
from tests.web.small_case import PASSWORDS, VIDEO, SmallCase, copy_case, item_ids
from warden.case.folder import Case
from warden.web.config import ReviewConfig, host_names
from warden.web.proxy import parse_proxies

pytestmark = pytest.mark.slow  # nginx

KINDS = ("nginx", "stdlib")
SITE = """
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        location / {{
{location}
        }}
    }}
"""


def documented_location(app_port: int) -> str:
    """The ``location`` block of docs/review.md, pointed at the app's port."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "review.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("location / {", 1)[1].split("}", 1)[0]
    return block.replace("127.0.0.1:8765", f"127.0.0.1:{app_port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def certificate(root: Path) -> Path:
    """A self-signed certificate for localhost (key.pem and cert.pem in ``root``); returns cert.pem."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return root / "cert.pem"


class _Forward(BaseHTTPRequestHandler):
    """A minimal TLS reverse proxy: what nginx does with the documented configuration."""

    app_port = 0

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {key: value for key, value in self.headers.items() if key.lower() != "connection"}
        forwarded = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = (
            f"{forwarded}, {self.client_address[0]}" if forwarded else self.client_address[0]
        )
        headers["X-Forwarded-Proto"] = "https"
        upstream = http.client.HTTPConnection("127.0.0.1", self.app_port, timeout=30)
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def stdlib_proxy(root: Path, port: int, app_port: int) -> Iterator[None]:
    handler = type("Forward", (_Forward,), {"app_port": app_port})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root / "cert.pem", root / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def nginx_proxy(root: Path, port: int, app_port: int) -> Iterator[None]:
    site = SITE.format(root=root, port=port, location=documented_location(app_port))
    with nginx(root, port, site):
        yield


@dataclass(frozen=True)
class Proxied:
    """The app behind a TLS proxy: its public URL, the CA file to trust, the case and the app's own port."""

    public: str
    ca: Path
    case: Case
    app_port: int


@contextmanager
def behind_proxy(kind: str, built: SmallCase, tmp_path: Path, *, trusted: bool) -> Iterator[Proxied]:
    """The app served as docs/review.md sets it up, behind ``kind`` of proxy (trusting it or not)."""
    case = copy_case(built, tmp_path / "case")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    app_port = listener.getsockname()[1]
    port = free_port()
    config = ReviewConfig(
        allowed_hosts=host_names("127.0.0.1", app_port),
        port=app_port,
        trusted_proxies=parse_proxies(["127.0.0.1"]) if trusted else (),
        public_hosts=frozenset({f"localhost:{port}"}),
    )
    server, thread = serve(case, config, listener)
    root = tmp_path / "proxy"
    root.mkdir()
    ca = certificate(root)
    proxy = nginx_proxy if kind == "nginx" else stdlib_proxy
    try:
        with contextmanager(proxy)(root, port, app_port):
            yield Proxied(f"https://localhost:{port}", ca, case, app_port)
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()
        case.engine.dispose()


def browser(public: str, ca: Path) -> httpx.Client:
    """An HTTPS client that trusts the test certificate and sends its page's Origin, as a browser does."""
    return httpx.Client(
        base_url=public,
        verify=ssl.create_default_context(cafile=str(ca)),
        headers={"Origin": public},
        follow_redirects=False,
        timeout=30,
    )


@pytest.mark.parametrize("kind", KINDS)
def test_an_examiner_logs_in_and_grades_through_the_tls_proxy(
    kind: str, built: SmallCase, tmp_path: Path
) -> None:
    with (
        behind_proxy(kind, built, tmp_path, trusted=True) as proxied,
        browser(proxied.public, proxied.ca) as client,
    ):
        case, app_port = proxied.case, proxied.app_port
        page = client.get("/login")
        assert page.status_code == 200
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"name": "ann", "password": PASSWORDS["ann"], "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("warden_session_"))
        assert cookie.startswith(f"warden_session_{app_port}=")
        assert "Secure" in cookie and "HttpOnly" in cookie
        queue = client.get("/queue")
        assert queue.status_code == 200
        video = item_ids(case)[VIDEO]
        graded = client.post(
            "/grades",
            data={"items": [video], "category": "A", "scope": "item"},
            headers={"X-CSRF-Token": csrf_of(queue.text), "Accept": "application/json"},
        )
        assert graded.status_code == 200, graded.text


@pytest.mark.parametrize("kind", KINDS)
def test_without_trusting_the_proxy_the_setup_is_refused(kind: str, built: SmallCase, tmp_path: Path) -> None:
    # The reproduction: the documented setup answered 403.
    with (
        behind_proxy(kind, built, tmp_path, trusted=False) as proxied,
        browser(proxied.public, proxied.ca) as client,
    ):
        response = client.get("/login", headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "wrong_host"

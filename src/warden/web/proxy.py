"""Behind a TLS reverse proxy: the browser's scheme, host and address, from ``X-Forwarded-*`` headers believed
only when the connection comes from a proxy the app was told to trust.

A proxy terminates TLS and connects to the app over plain HTTP, so without these headers the app would take
every request for ``http://127.0.0.1:PORT`` from the proxy's address: the browser's ``Origin``
(``https://review.example``) would not be its own, no cookie would be ``Secure``, and every examiner would
share the proxy's failed-login count. Anyone can send these headers, so those of any other peer are ignored.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from starlette.types import Scope

from warden.errors import UsageError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$")
"""A ``Host`` value: a name or address, and a port."""


def parse_proxies(values: Iterable[str]) -> tuple[Network, ...]:
    """The trusted proxies, from addresses or networks (``127.0.0.1``, ``10.0.0.0/24``, ``::1``).

    Raises:
        UsageError: a value is not an address or network.
    """
    networks = []
    for value in values:
        for part in (piece.strip() for piece in value.split(",")):
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise UsageError(f"a trusted proxy is an IP address or network, not {part!r}") from None
    return tuple(networks)


def trusts(proxies: Sequence[Network], address: str | None) -> bool:
    """Whether ``address`` is one of the trusted proxies."""
    if not proxies or not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in proxies)


def normal_host(host: str, scheme: str) -> str:
    """``host`` in lower case without the scheme's default port (``Review.example:443`` over https is
    ``review.example``), the way a browser writes it in ``Origin``."""
    host = host.strip().lower()
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(f":{port}") and _HOST.match(host):
        return host[: -len(f":{port}")]
    return host


def _values(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> list[str]:
    """Every comma-separated value of header ``name``, in the order the proxies added them."""
    found = []
    for key, value in headers:
        if key.lower() == name:
            found += [part.strip() for part in value.decode("latin-1").split(",") if part.strip()]
    return found


def apply_forwarded(scope: Scope, proxies: Sequence[Network]) -> bool:
    """Take the browser's scheme, host and address from a trusted proxy's headers into ``scope``.

    The last value of ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` is the one the nearest proxy set; the
    client is the nearest address of ``X-Forwarded-For`` that is not itself a trusted proxy. Values that are
    not a scheme or a host are ignored.

    Returns:
        Whether the request came through a trusted proxy (its headers were applied).
    """
    client = scope.get("client")
    if not client or not trusts(proxies, client[0]):
        return False
    headers = list(scope.get("headers", []))
    protos = _values(headers, b"x-forwarded-proto")
    if protos and protos[-1].lower() in SCHEMES:
        scope["scheme"] = protos[-1].lower()
    hosts = _values(headers, b"x-forwarded-host")
    if hosts and _HOST.match(hosts[-1]):
        headers = [(key, value) for key, value in headers if key.lower() != b"host"]
        headers.append((b"host", hosts[-1].encode("latin-1")))
        scope["headers"] = headers
    chain = _values(headers, b"x-forwarded-for")
    browser = next((address for address in reversed(chain) if not trusts(proxies, address)), None)
    if browser is None and chain:
        browser = chain[0]
    if browser is not None:
        scope["client"] = (browser[:64], 0)
    return True

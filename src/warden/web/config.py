"""What the review app is told when it starts: cluster threshold, session and reveal times, allowed hosts,
login limits and the reverse proxies it trusts."""

from __future__ import annotations

from dataclasses import dataclass, field

from warden import settings
from warden.addresses import is_loopback
from warden.web.proxy import Network


def split_host(name: str) -> tuple[str, int | None]:
    """A ``--hostname`` value as (name, port): ``review.example:8443``, ``[::1]:8443``, ``review.example``."""
    if name.startswith("["):
        address, _, rest = name[1:].partition("]")
        return address, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if name.count(":") == 1:
        bare, _, port = name.partition(":")
        return bare, int(port) if port.isdigit() else None
    return name, None


def host_names(host: str, port: int) -> frozenset[str]:
    """The ``Host`` header values a browser sends to the app bound to ``host:port``.

    Checking them refuses DNS rebinding: a page of another site whose name is made to point at 127.0.0.1
    reaches the app with its own name in ``Host``, and is refused.
    """
    names = {f"{host}:{port}"}
    if ":" in host and not host.startswith("["):
        names = {f"[{host}]:{port}"}
    if is_loopback(host):
        names |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    """The review app's settings.

    Attributes:
        allowed_hosts: ``Host`` header values the app answers (``127.0.0.1:8765``...); any other is refused.
        cluster_threshold: largest PDQ distance that puts two unmatched stills in one cluster.
        session_hours: a login lasts this long, then the examiner logs in again.
        reveal_seconds: a revealed preview is blurred again after this long (and whenever the examiner
            moves on).
        clusters_per_page: clusters shown on one page of the queue.
        preview_cache_bytes: memory held by generated previews (never written to disk).
        port: the port the app listens on; its cookies are named for it, so two apps on one machine (cookies
            do not tell ports apart) never share or overwrite each other's.
        login_attempts: password checks of one account name that may fail within ``lockout_seconds``; past
            them the name is refused until that time has passed.
        client_attempts: the same for one client address (an IPv6 client by its /64 network), whatever names
            it tries.
        lockout_seconds: how long failures count, and how long a name or client is refused once over.
        secure_cookies: always mark cookies ``Secure``; without it they are whenever the browser's scheme
            (from a trusted proxy's ``X-Forwarded-Proto``) is HTTPS.
        trusted_proxies: the reverse proxies whose ``X-Forwarded-Proto``, ``-Host`` and ``-For`` are believed.
        public_hosts: ``Host`` values the app also answers through a trusted proxy: the names browsers use for
            the proxy (``review.example``, or ``review.example:8443`` off the default port).
    """

    allowed_hosts: frozenset[str] = field(default_factory=lambda: host_names("127.0.0.1", 8765))
    cluster_threshold: int = field(default_factory=lambda: settings.get_int(settings.PDQ_THRESHOLD))
    session_hours: float = 8.0
    reveal_seconds: int = 30
    clusters_per_page: int = 40
    preview_cache_bytes: int = 64 << 20
    port: int = 8765
    login_attempts: int = 5
    client_attempts: int = 20
    lockout_seconds: int = 300
    secure_cookies: bool = False
    trusted_proxies: tuple[Network, ...] = ()
    public_hosts: frozenset[str] = frozenset()

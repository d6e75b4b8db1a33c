"""What the review app is told when it starts: cluster threshold, session and reveal times, allowed hosts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from warden.hashing.kinds import PDQ_MATCH_DISTANCE


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only answers on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_every_address(host: str) -> bool:
    """Whether ``host`` is the address that listens on every interface (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


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
        login_attempts: failed logins of one account before it is refused for ``lockout_seconds``.
        lockout_seconds: how long logins to that account are refused after too many failures.
        secure_cookies: mark cookies ``Secure`` (only when the app is served over HTTPS by a proxy).
    """

    allowed_hosts: frozenset[str] = field(default_factory=lambda: host_names("127.0.0.1", 8765))
    cluster_threshold: int = PDQ_MATCH_DISTANCE
    session_hours: float = 8.0
    reveal_seconds: int = 30
    clusters_per_page: int = 40
    preview_cache_bytes: int = 64 << 20
    login_attempts: int = 5
    lockout_seconds: int = 300
    secure_cookies: bool = False

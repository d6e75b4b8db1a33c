"""What each answer of a crawl shows of its host (resolved addresses, TLS certificate, response headers),
taken once per host: the first answer that shows a fact is the one the case keeps, with where it was seen.
"""

from __future__ import annotations

from warden.case.site_facts import HostSeen
from warden.clock import utc_now
from warden.crawl.fetch import Fetched
from warden.crawl.scope import host_of, origin_of

FACTS = ("addresses", "certificate", "headers")
"""The facts kept per host."""


def host_seen(fetched: Fetched, known: dict[str, set[str]], proxy: str | None) -> HostSeen | None:
    """The facts ``fetched`` shows of its host that ``known`` (host to the facts the case holds, updated
    here) lacks, or None. Through a proxy (``proxy``, as recorded, without a password) names resolve at the
    proxy, and the crawl says so instead of giving addresses."""
    if fetched.status is None:
        return None
    host = host_of(fetched.url)
    has = known.setdefault(host, set())
    now = utc_now()
    addresses: tuple[str, ...] | None = None
    addresses_source = None
    if "addresses" not in has:
        if proxy:
            addresses, addresses_source = (), f"resolved at the proxy ({proxy}): not seen by the crawler"
        elif fetched.addresses is not None:
            addresses = fetched.addresses
            addresses_source = fetched.addresses_problem or f"name resolution by the crawler at {now}"
    certificate = fetched.certificate if "certificate" not in has else None
    headers = tuple(fetched.headers) if "headers" not in has else None
    seen = HostSeen(
        host,
        now,
        addresses=addresses,
        addresses_source=addresses_source,
        certificate=certificate,
        certificate_source=f"TLS handshake with {origin_of(fetched.url)} at {now}" if certificate else None,
        headers=headers,
        headers_source=f"HTTP response to GET {fetched.url} at {now}" if headers is not None else None,
    )
    shown = {
        name
        for name, value in zip(FACTS, (addresses, certificate, headers), strict=True)
        if value is not None
    }
    if not shown:
        return None
    has.update(shown)
    return seen

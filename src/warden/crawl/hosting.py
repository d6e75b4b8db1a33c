"""Hosting facts the crawl can see, each with its source: the addresses a name resolved to, the TLS
certificate the server presented, and the response headers that name a server, a framework or a CDN.

Pure: the crawler hands in what it resolved, the certificate's DER bytes and the headers it received; nothing
here touches the network. A certificate that cannot be parsed is a problem noted, never an exception.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

IDENTIFYING_HEADERS: dict[str, str] = {
    "server": "web server software",
    "x-powered-by": "application framework",
    "via": "proxies on the way",
    "x-generator": "site generator",
    "x-aspnet-version": "ASP.NET version",
    "cf-ray": "request seen by Cloudflare",
    "cf-cache-status": "Cloudflare cache",
    "x-amz-cf-id": "request seen by Amazon CloudFront",
    "x-amz-cf-pop": "Amazon CloudFront edge location",
    "x-served-by": "CDN or cache node",
    "x-cache": "cache",
    "x-fastly-request-id": "request seen by Fastly",
    "x-sucuri-id": "request seen by Sucuri",
    "x-varnish": "Varnish cache",
    "x-hosted-by": "hosting provider",
    "x-backend-server": "backend server",
    "x-cdn": "CDN",
    "x-ddos-protection": "DDoS protection service",
}
"""Response headers that identify who serves a site, lower case, with what each says."""
_CDN_BY_HEADER = {"cf-ray": "Cloudflare", "x-amz-cf-id": "Amazon CloudFront", "x-fastly-request-id": "Fastly",
                  "x-sucuri-id": "Sucuri"}  # fmt: skip
_MAX_VALUE = 500


@dataclass(frozen=True, slots=True)
class HostingFact:
    """One fact: what it is, its value, and where it was seen (or what it was inferred from)."""

    fact: str
    value: str
    source: str

    def to_json(self) -> dict[str, str]:
        """The fact as JSON-ready values."""
        return {"fact": self.fact, "value": self.value, "source": self.source}


@dataclass(frozen=True, slots=True)
class Certificate:
    """A TLS certificate as presented; dates in UTC, ISO 8601."""

    subject: str
    issuer: str
    names: tuple[str, ...]
    not_before: str
    not_after: str
    serial: str
    sha256: str
    self_signed: bool

    def to_json(self) -> dict[str, Any]:
        """The certificate as JSON-ready values."""
        return {
            "subject": self.subject, "issuer": self.issuer, "names": list(self.names),
            "not_before": self.not_before, "not_after": self.not_after, "serial": self.serial,
            "sha256": self.sha256, "self_signed": self.self_signed,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class HostingFacts:
    """Every fact about one host, its certificate when one was read, and what could not be read."""

    host: str
    facts: tuple[HostingFact, ...]
    certificate: Certificate | None
    problems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON-ready values."""
        return {
            "host": self.host,
            "facts": [f.to_json() for f in self.facts],
            "certificate": self.certificate.to_json() if self.certificate else None,
            "problems": list(self.problems),
        }


def hosting_facts(
    host: str,
    *,
    addresses: Iterable[str] = (),
    addresses_source: str = "name resolution by the crawler",
    certificate_der: bytes | None = None,
    certificate_source: str = "TLS handshake",
    headers: Iterable[tuple[str, str]] = (),
    headers_source: str = "HTTP response",
    seen_at: datetime | None = None,
) -> HostingFacts:
    """The facts about ``host`` from what the crawl saw; each ``*_source`` says where (URL, time)."""
    facts: list[HostingFact] = []
    problems: list[str] = []
    facts += address_facts(addresses, addresses_source, problems)
    certificate = None
    if certificate_der is not None:
        certificate = parse_certificate(certificate_der, problems)
        if certificate is not None:
            facts += certificate_facts(certificate, certificate_source, seen_at)
    facts += header_facts(headers, headers_source)
    return HostingFacts(host, tuple(facts), certificate, tuple(problems))


def address_facts(addresses: Iterable[str], source: str, problems: list[str]) -> list[HostingFact]:
    """One fact per resolved address, saying when it is not a public one (loopback, private...)."""
    facts: list[HostingFact] = []
    for text in dict.fromkeys(addresses):
        try:
            address = ipaddress.ip_address(text.strip())
        except ValueError:
            problems.append(f"{_clean(text)!r} is not an IP address")
            continue
        kind = "IPv4" if address.version == 4 else "IPv6"
        scope = next(
            (n for n in ("loopback", "link_local", "multicast") if getattr(address, f"is_{n}")), None
        )
        if scope is None and not address.is_global:
            scope = "private, shared, reserved or documentation range"
        value = (
            str(address) if scope is None else f"{address} ({scope.replace('_', '-')}, not a public address)"
        )
        facts.append(HostingFact(f"resolved address ({kind})", value, source))
    return facts


def parse_certificate(der: bytes, problems: list[str]) -> Certificate | None:
    """The certificate in ``der``, or None with a problem noted when it cannot be read."""
    try:
        cert = x509.load_der_x509_certificate(der)
        names: list[str] = []
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names += [str(n) for n in san.get_values_for_type(x509.DNSName)]
            names += [str(n) for n in san.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            pass
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        return Certificate(
            subject=subject,
            issuer=issuer,
            names=tuple(names),
            not_before=cert.not_valid_before_utc.isoformat(),
            not_after=cert.not_valid_after_utc.isoformat(),
            serial=format(cert.serial_number, "x"),
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
            self_signed=subject == issuer,
        )
    except ValueError as error:  # malformed DER, or a field cryptography refuses
        problems.append(f"the TLS certificate could not be read ({_clean(str(error))})")
        return None


def certificate_facts(cert: Certificate, source: str, seen_at: datetime | None) -> list[HostingFact]:
    """The certificate's subject, issuer, names, dates and fingerprint as facts."""
    facts = [
        HostingFact("TLS certificate subject", cert.subject, source),
        HostingFact("TLS certificate issuer", cert.issuer, source),
        HostingFact("TLS certificate valid from", cert.not_before, source),
        HostingFact("TLS certificate valid until", cert.not_after, source),
        HostingFact("TLS certificate SHA-256 fingerprint", cert.sha256, source),
    ]
    facts += [HostingFact("TLS certificate name", name, source) for name in cert.names]
    if cert.self_signed:
        facts.append(HostingFact("TLS certificate", "self-signed (issuer is the subject)", source))
    if seen_at is not None:
        when = seen_at if seen_at.tzinfo else seen_at.replace(tzinfo=UTC)
        if not datetime.fromisoformat(cert.not_before) <= when <= datetime.fromisoformat(cert.not_after):
            value = f"outside its validity when seen ({when.isoformat()})"
            facts.append(HostingFact("TLS certificate", value, source))
    return facts


def header_facts(headers: Iterable[tuple[str, str]], source: str) -> list[HostingFact]:
    """The identifying headers among ``headers``, and the CDN some of them show (marked as inferred)."""
    facts: list[HostingFact] = []
    cdns: dict[str, str] = {}
    for name, value in headers:
        key = name.strip().lower()
        if key in IDENTIFYING_HEADERS:
            facts.append(
                HostingFact(f"header {name.strip()} ({IDENTIFYING_HEADERS[key]})", _clean(value), source)
            )
            if key in _CDN_BY_HEADER:
                cdns.setdefault(_CDN_BY_HEADER[key], name.strip())
        if key == "server" and value.strip().lower() == "cloudflare":
            cdns.setdefault("Cloudflare", name.strip())
    facts += [
        HostingFact("served through a CDN", cdn, f"inferred from the {header} header of the {source}")
        for cdn, header in cdns.items()
    ]
    return facts


def _clean(text: str) -> str:
    """A value from a hostile server made printable and short."""
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable[:_MAX_VALUE]

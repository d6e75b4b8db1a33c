"""Hosting facts: a certificate made here with `cryptography` is read back with its subject, issuer, names,
dates and fingerprint; headers that name a server or a CDN are kept with their source; nothing raises."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from warden.crawl.hosting import hosting_facts

START = datetime(2024, 1, 1, tzinfo=UTC)


def _certificate(*, self_signed: bool) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forum.example.test")])
    issuer = (
        subject if self_signed else x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Made-up Test CA")])
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(0x1234ABCD)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("forum.example.test"),
                    x509.DNSName("www.forum.example.test"),
                    x509.IPAddress(ipaddress.ip_address("192.0.2.10")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_the_certificate_gives_subject_issuer_names_dates_and_fingerprint_with_their_source() -> None:
    der = _certificate(self_signed=False)
    facts = hosting_facts(
        "forum.example.test", certificate_der=der, certificate_source="TLS handshake, port 443"
    )
    cert = facts.certificate
    assert cert is not None
    assert (cert.subject, cert.issuer) == ("CN=forum.example.test", "CN=Made-up Test CA")
    assert cert.names == ("forum.example.test", "www.forum.example.test", "192.0.2.10")
    assert (cert.not_before, cert.not_after) == ("2024-01-01T00:00:00+00:00", "2024-03-31T00:00:00+00:00")
    assert cert.serial == "1234abcd"
    assert cert.sha256 == x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256()).hex()
    assert not cert.self_signed
    by_fact = {f.fact: f for f in facts.facts}
    assert by_fact["TLS certificate issuer"].value == "CN=Made-up Test CA"
    assert by_fact["TLS certificate issuer"].source == "TLS handshake, port 443"
    assert facts.problems == ()


def test_a_self_signed_certificate_seen_after_it_expired_says_both() -> None:
    facts = hosting_facts(
        "h", certificate_der=_certificate(self_signed=True), seen_at=START + timedelta(days=400)
    )
    values = [f.value for f in facts.facts if f.fact == "TLS certificate"]
    assert values[0] == "self-signed (issuer is the subject)"
    assert values[1].startswith("outside its validity when seen (2025-02-04")


def test_bytes_that_are_no_certificate_are_a_problem_noted_not_an_exception() -> None:
    facts = hosting_facts("h", certificate_der=b"\x30\x82\x01\x00 not a certificate")
    assert facts.certificate is None
    assert facts.problems and facts.problems[0].startswith("the TLS certificate could not be read")


def test_resolved_addresses_are_facts_and_a_non_public_one_is_marked() -> None:
    facts = hosting_facts(
        "forum.example.test",
        addresses=["1.1.1.1", "203.0.113.7", "127.0.0.1", "1.1.1.1", "not-an-ip"],
        addresses_source="resolved through the SOCKS proxy at 2024-05-02T09:00:00Z",
    )
    assert [(f.fact, f.value) for f in facts.facts] == [
        ("resolved address (IPv4)", "1.1.1.1"),
        (
            "resolved address (IPv4)",
            "203.0.113.7 (private, shared, reserved or documentation range, not a public address)",
        ),
        ("resolved address (IPv4)", "127.0.0.1 (loopback, not a public address)"),
    ]
    assert facts.facts[0].source == "resolved through the SOCKS proxy at 2024-05-02T09:00:00Z"
    assert facts.problems == ("'not-an-ip' is not an IP address",)


def test_identifying_headers_are_kept_and_a_cdn_is_inferred_and_marked_as_inferred() -> None:
    headers = [("Server", "cloudflare"), ("CF-Ray", "8a1b2c3d4e5f-LHR"), ("X-Powered-By", "PHP/8.2.7"),
               ("Content-Type", "text/html"), ("Via", "1.1 varnish\x1b[31m")]  # fmt: skip
    facts = hosting_facts("h", headers=headers, headers_source="response to https://forum.example.test/")
    assert [(f.fact, f.value) for f in facts.facts] == [
        ("header Server (web server software)", "cloudflare"),
        ("header CF-Ray (request seen by Cloudflare)", "8a1b2c3d4e5f-LHR"),
        ("header X-Powered-By (application framework)", "PHP/8.2.7"),
        ("header Via (proxies on the way)", "1.1 varnish?[31m"),
        ("served through a CDN", "Cloudflare"),
    ]
    assert facts.facts[-1].source.startswith("inferred from the Server header")
    assert facts.to_json()["facts"][0]["source"] == "response to https://forum.example.test/"

"""The court HTML's account of how a crawled site is run, as its pages show it (boards, threads, staff and
their roles, rules, registration, invitation and payment pages, payment addresses, what could not be told),
and the hosting facts the crawl saw, each with its source. Addresses are text, never links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.report.html_parts import cell, e, table, url_cell, url_text

LISTED = 50
"""Entries shown of a long list (threads, members); every entry is in ``report.json``."""

STAFF_ROLES = ("administrator", "moderator")

_PAGE_KINDS = (
    ("rules_pages", "rules"),
    ("registration_pages", "registration"),
    ("invitation_pages", "invitation"),
    ("payment_pages", "payment"),
)
_CHECKSUM = {
    "verified": "verified: the address's own checksum holds",
    "none in format": "none in this format (an Ethereum address all in lower or upper case): not checked",
}
_CERTIFICATE = (
    ("subject", "TLS certificate subject"),
    ("issuer", "TLS certificate issuer"),
    ("names", "TLS certificate names"),
    ("not_before", "TLS certificate valid from"),
    ("not_after", "TLS certificate valid until"),
    ("serial", "TLS certificate serial number"),
    ("sha256", "TLS certificate SHA-256 fingerprint"),
)


def _text(value: Any) -> str:
    """A value of any JSON shape as one line of text."""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _more(shown: int, total: int, where: str) -> str:
    if total <= shown:
        return ""
    return (
        f"<p>The first {e(shown)} of {e(total)} are shown; all are in <code>{e(where)}</code> of "
        "report.json.</p>"
    )


def _users_html(users: Sequence[Mapping[str, Any]]) -> str:
    staff = [u for u in users if u.get("role") in STAFF_ROLES]
    staff.sort(key=lambda u: (STAFF_ROLES.index(u["role"]), str(u.get("name"))))
    ranked = [u for u in users if u.get("role") and u.get("role") not in (*STAFF_ROLES, "member")]
    others = [u for u in users if u.get("role") in (None, "", "member")]

    def rows(chosen: Sequence[Mapping[str, Any]]) -> list[list[str]]:
        return [
            [
                cell(u.get("name")),
                cell(u.get("role") or "not shown"),
                cell(u.get("shown_by") or "-", css="wrap"),
                url_cell([u["profile_url"]]) if u.get("profile_url") else cell("-"),
                cell(u.get("pages"), numeric=True),
            ]
            for u in chosen
        ]

    headers = (
        "Name as shown",
        "Role as shown",
        "What showed the role",
        "Profile address",
        "Pages naming them",
    )
    parts = [
        "<h4>Staff</h4>",
        table(headers, rows(staff))
        if staff
        else "<p>No page fetched showed a user as an administrator or a moderator.</p>",
    ]
    if ranked:
        parts += ["<h4>Other ranks, as written</h4>", table(headers, rows(ranked))]
    parts.append(
        f"<h4>Members and users whose role was not shown</h4><p>{e(len(others))} "
        f"(members: {e(sum(1 for u in others if u.get('role') == 'member'))}).</p>"
    )
    if others:
        parts += [table(headers, rows(others[:LISTED])), _more(LISTED, len(others), "site.structure.users")]
    return "".join(parts)


def _boards_html(structure: Mapping[str, Any]) -> str:
    boards = structure.get("boards") or []
    threads = structure.get("threads") or []
    parts = [f"<h4>Boards ({e(len(boards))}) and threads ({e(len(threads))})</h4>"]
    if boards:
        parts.append(
            table(
                ("Board", "Address"),
                [[cell(b.get("title") or "-"), cell(b.get("url"), css="url")] for b in boards],
            )
        )
    if threads:
        rows = [
            [cell(t.get("title") or "-"), cell(t.get("board") or "-"), cell(t.get("url"), css="url")]
            for t in threads[:LISTED]
        ]
        parts += [
            table(("Thread", "Board", "Address"), rows),
            _more(LISTED, len(threads), "site.structure.threads"),
        ]
    return "".join(parts)


def _pages_html(structure: Mapping[str, Any]) -> str:
    rows = [
        [cell(words), cell(url, css="url")] for key, words in _PAGE_KINDS for url in structure.get(key) or []
    ]
    if not rows:
        return "<h4>Rules, registration, invitation and payment pages</h4><p>None was found.</p>"
    return "<h4>Rules, registration, invitation and payment pages</h4>" + table(("Kind", "Address"), rows)


def _payments_html(structure: Mapping[str, Any]) -> str:
    payments = structure.get("payments") or []
    hints = structure.get("payment_hints") or []
    parts = ["<h4>Payment addresses</h4>"]
    if payments:
        rows = [
            [
                cell(f"{p.get('kind')} ({p['network']})" if p.get("network") else p.get("kind")),
                f'<td><code class="url">{e(p.get("address"))}</code></td>',
                cell(_CHECKSUM.get(str(p.get("checksum")), p.get("checksum") or "not recorded")),
                url_cell(p.get("pages") or []),
            ]
            for p in payments
        ]
        parts.append(table(("Kind", "Address", "Checksum", "Seen on"), rows))
    else:
        parts.append("<p>No cryptocurrency address whose checksum holds was seen in the pages fetched.</p>")
    if hints:
        rows = [[cell(h.get("word")), url_cell(h.get("pages") or [])] for h in hints]
        parts += [
            "<p>Payment words seen (hints of a payment method, not proof of one):</p>",
            table(("Words", "Seen on"), rows),
        ]
    return "".join(parts)


def _unknown_html(structure: Mapping[str, Any]) -> str:
    parts = []
    not_found = structure.get("not_found") or []
    problems = structure.get("problems") or []
    if not_found:
        parts.append(
            "<h4>What the pages did not tell</h4><ul>"
            + "".join(f"<li>{e(t)}</li>" for t in not_found)
            + "</ul>"
        )
    if problems:
        parts.append(
            "<h4>Pages that could not be read</h4><ul>"
            + "".join(f"<li>{e(t)}</li>" for t in problems)
            + "</ul>"
        )
    return "".join(parts)


def structure_html(structure: Mapping[str, Any]) -> str:
    """The site's structure as its pages show it, and what they did not show."""
    if not structure:
        return "<h3>How the site is run, as its pages show it</h3><p>No page's structure was recorded.</p>"
    engine = structure.get("engine")
    return (
        "<h3>How the site is run, as its pages show it</h3>"
        + (
            f"<p>Forum or imageboard engine recognised: {e(engine)}.</p>"
            if engine and engine != "generic"
            else "<p>No known forum or imageboard engine was recognised"
            + ("; the pages were read by generic rules.</p>" if engine else ".</p>")
        )
        + _users_html(structure.get("users") or [])
        + _boards_html(structure)
        + _pages_html(structure)
        + _payments_html(structure)
        + _unknown_html(structure)
    )


def _host_rows(host: Mapping[str, Any]) -> list[list[str]]:
    sources = host.get("sources") or {}

    def source(key: str) -> str:
        return _text(sources.get(key)) or "not recorded"

    rows = [
        [cell("resolved address"), cell(_text(a)), cell(source("addresses"), css="wrap")]
        for a in host.get("addresses") or []
    ]
    if not host.get("addresses"):
        rows.append(
            [
                cell("resolved address"),
                cell("none seen by the crawler"),
                cell(source("addresses"), css="wrap"),
            ]
        )
    certificate = host.get("certificate")
    if certificate:
        known = {key for key, _ in _CERTIFICATE} | {"self_signed"}
        rows += [
            [cell(label), cell(_text(certificate[key]), css="hash"), cell(source("certificate"), css="wrap")]
            for key, label in _CERTIFICATE
            if certificate.get(key) not in (None, "", [])
        ]
        if certificate.get("self_signed"):
            rows.append(
                [
                    cell("TLS certificate"),
                    cell("self-signed (issuer is the subject)"),
                    cell(source("certificate"), css="wrap"),
                ]
            )
        rows += [
            [cell(f"TLS certificate {key}"), cell(_text(value)), cell(source("certificate"), css="wrap")]
            for key, value in certificate.items()
            if key not in known
        ]
    else:
        rows.append([cell("TLS certificate"), cell("none read (plain HTTP, or not recorded)"), cell("-")])
    rows += [
        [cell(f"header {name}"), cell(_text(value), css="wrap"), cell(source("headers"), css="wrap")]
        for name, value in (host.get("headers") or {}).items()
    ]
    return rows


def hosting_html(hosting: Sequence[Mapping[str, Any]]) -> str:
    """What the crawl saw of each host, each fact with where it was seen."""
    intro = (
        "<h3>Hosting</h3><p>What the crawl saw of each host, from where it ran. A proxy or a content "
        "delivery network in front of a site hides the server behind it; through a proxy that resolves "
        "names (socks5h, Tor) the crawler sees no address.</p>"
    )
    if not hosting:
        return intro + "<p>No hosting fact was recorded.</p>"
    return intro + "".join(
        f"<h4>Host {url_text(host.get('host'))}</h4>" + table(("Fact", "Value", "Source"), _host_rows(host))
        for host in hosting
    )

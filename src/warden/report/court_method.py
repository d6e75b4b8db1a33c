"""The court HTML's method and continuity sections: hash sets, thresholds, the tool's validation, its known
limits, evidence hashes, who did what and when, and whether the audit chain holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.report.html_parts import cell, e, short_hash, table
from warden.report.method import describe_thresholds


def _validation_html(validation: Mapping[str, Any]) -> str:
    if not validation["stored"]:
        return f'<p class="warning">{e(validation["note"])}</p>'
    result = validation["result"]
    verdict = "passed" if validation["passed"] else "FAILED"
    parts = [
        f"<p>Validated on {e(validation['date'])} by Warden {e(validation['tool_version'])} "
        f"({e(validation['note'])}): <strong>{verdict}</strong>. Reference media checksum "
        f"<code>{e(short_hash((result.get('media') or {}).get('sha256'), 24))}</code>; stored result "
        f"<code>{e(short_hash(validation['sha256'], 24))}</code>.</p>"
    ]
    rows = [
        [
            cell(f"PDQ conformance ({row.get('mode')})"),
            cell(f"{row.get('passed')} of {row.get('rows')} files"),
        ]
        for row in result.get("pdq_conformance", [])
    ]
    vpdq = result.get("vpdq_conformance") or {}
    if vpdq.get("available"):
        clips = vpdq.get("clips", []) + vpdq.get("matching", [])
        passed = sum(1 for clip in clips if clip.get("passed"))
        rows.append([cell("vPDQ conformance and matching"), cell(f"{passed} of {len(clips)} checks")])
    elif vpdq:
        rows.append([cell("vPDQ conformance"), cell(vpdq.get("note", "not run"))])
    parts.append(table(("Check", "Result"), rows))
    accuracy = result.get("accuracy") or {}
    edit_rows = [
        [
            cell(row.get("edit")),
            cell(row.get("expected")),
            cell(row.get("copies"), numeric=True),
            cell(row.get("found"), numeric=True),
            cell(row.get("missed"), numeric=True),
            cell(row.get("false_matches"), numeric=True),
            cell(f"{row.get('found_percent', 0):.1f}%", numeric=True),
        ]
        for row in accuracy.get("edits", [])
    ]
    unrelated = accuracy.get("unrelated") or {}
    if edit_rows:
        parts.append(
            f"<p>Accuracy: {e(accuracy.get('listed'))} benign photos listed; edited copies of each matched "
            f"against the list, and {e(unrelated.get('photos'))} unrelated photos checked for false matches "
            f"({e(unrelated.get('false_matches'))} found).</p>"
        )
        parts.append(
            table(("Edit", "Expected", "Copies", "Found", "Missed", "False matches", "Found %"), edit_rows)
        )
    return "".join(parts)


def method_html(method: Mapping[str, Any], case: Mapping[str, Any]) -> str:
    """Tool, hash sets with checksums, thresholds, validation and known limits."""
    hashsets = [
        [
            cell(h["name"]),
            cell(h["entries"], numeric=True),
            cell(h["format"]),
            cell(h.get("profile")),
            cell(h["source"]),
            cell(h["sha256"], css="hash"),
        ]
        for h in case["hashsets"]
    ]
    agree = (
        ""
        if method["scans_agree"]
        else (
            '<p class="warning">Scan runs of this case used different thresholds or hashing options: see '
            "<code>method.scans</code> in report.json.</p>"
        )
    )
    hashing = method.get("hashing") or {}
    pdq_mode = "full decode (reference)" if hashing.get("exact_pdq") else "reduced-scale decode (fast)"
    return (
        '<section id="method"><h2>Method and validation</h2>'
        f"<p>Tool: {e(method['tool']['name'])} {e(method['tool']['version'])}. Images were hashed with "
        "MD5, SHA-1 and SHA-256 (exact copies) and PDQ with its eight quarter turns and mirrors and, where "
        f"uniform borders were found, without them ({e(pdq_mode)}); videos with vPDQ"
        + (
            f", one frame every {e(hashing['vpdq_seconds_per_hash'])} s"
            if "vpdq_seconds_per_hash" in hashing
            else ""
        )
        + f". Thresholds: {e(describe_thresholds(method['thresholds']))}.</p>"
        + agree
        + _raised_limits_html(method.get("raised_limits") or [])
        + "<h3>Hash sets matched</h3>"
        + (
            table(("Name", "Entries", "Format", "Profile", "Imported from", "SHA-256 of that file"), hashsets)
            if hashsets
            else "<p>None.</p>"
        )
        + "<h3>The tool's measured accuracy</h3>"
        + _validation_html(method["validation"])
        + "<h3>Known limits</h3><ul>"
        + "".join(f"<li>{e(limit['text'])}</li>" for limit in method["known_limits"])
        + "</ul></section>"
    )


def _raised_limits_html(raised: Sequence[Mapping[str, Any]]) -> str:
    """Container limits the examiner raised for one exhibit, and what the default had refused."""
    if not raised:
        return ""
    rows = [
        [
            cell(limit["exhibit"]),
            cell(limit["limit"]),
            cell(limit["default"], numeric=True),
            cell(limit["value"], numeric=True),
            cell(limit["scan"], numeric=True),
            cell("; ".join(f"{r['path']}: {r['error']}" for r in limit["refused_before"]) or "-"),
        ]
        for limit in raised
    ]
    return (
        "<h3>Limits raised for one exhibit</h3>"
        '<p class="warning">The default limits on what a container may cost (decompression-bomb guards) were '
        "raised for these exhibits with <code>warden scan --raise-limit</code>; what the default had refused "
        "was examined again under the raised limit.</p>"
        + table(("Exhibit", "Limit", "Default", "Used", "Scan run", "Refused by the default"), rows)
    )


def _evidence_rows(evidence: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for record in evidence:
        stored = record.get("stored_md5")
        md5 = ""
        if stored or record.get("computed_md5"):
            verdict = {True: "verified", False: "DOES NOT MATCH", None: "nothing stored"}[
                record.get("md5_verified")
            ]
            md5 = f"stored {stored or '-'}, computed {record.get('computed_md5') or '-'} ({verdict})"
        elif record.get("md5"):
            md5 = f"computed {record['md5']}"
        rows.append(
            [
                cell(record["label"]),
                cell(record.get("format") or record.get("kind")),
                cell(record.get("sha256"), css="hash"),
                cell(md5, css="hash"),
                cell(f"{record.get('added_by') or ''} {record.get('added_at') or ''}".strip()),
            ]
        )
    return rows


def _chain_html(audit: Mapping[str, Any]) -> str:
    """The audit chain's state, how it is keyed, and the anchor to check a later copy of the case against."""
    last = audit.get("last") or {}
    if audit.get("keyed_from") is None:
        keyed = "The log is not keyed (a plain SHA-256 chain, as cases made before format 4 kept it)."
    else:
        before = (
            f" entries 1 to {e(audit['keyed_from'] - 1)} are the plain SHA-256 chain of an older case format"
            if audit["keyed_from"] > 1
            else ""
        )
        keyed = (
            f"The log is keyed (HMAC-SHA-256) with audit key <code>{e(audit.get('key_id'))}</code> from "
            f"entry {e(audit['keyed_from'])} on{';' if before else ''}{before}. Each keyed entry seals the "
            "grades, items, matches, errors, reviews, splits, evidence records, hash sets and accounts "
            "written before it, and a keyed head record names the last entry."
        )
    anchor = (
        f" Anchor: <code>{e(audit.get('anchor') or '')}</code>, the last entry summarised (at "
        f"{e(last.get('at'))}): give it to <code>warden audit verify --anchor</code> with a later copy of "
        "the case to show it is the case this report was made from."
        if last
        else ""
    )
    if audit.get("unchecked"):
        return (
            '<p class="warning">The audit chain could not be checked for this report: '
            f"{e(audit['unchecked'])}.{anchor}</p>"
        )
    if not audit["checked"]:
        return f'<p class="warning">The audit chain was not checked for this report.{anchor}</p>'
    if audit["verified"]:
        return (
            '<p class="verified">Audit chain verified: every entry follows the one before and is unchanged, '
            f"and so is every row its entries cover. {keyed} {e(audit['entries'])} entries are summarised "
            f"below (report writes are left out).{anchor}</p>"
        )
    problem = audit["problem"]
    return (
        f'<p class="warning"><strong>Audit chain BROKEN</strong> at entry {e(problem["id"])}'
        f" ({e(problem['at'] or 'missing')}, {e(problem['action'] or '-')}): {e(problem['reason'])}. "
        f"{keyed}{anchor}</p>"
    )


def continuity_html(continuity: Mapping[str, Any]) -> str:
    """Evidence hashes, the audit chain's state, each person's part, and every event of note."""
    chain = _chain_html(continuity["audit"])
    people = [
        [
            cell(name),
            cell(p["graded_items"], numeric=True),
            cell(p["grade_decisions"], numeric=True),
            cell(p["undos"], numeric=True),
            cell(p["confirmed"], numeric=True),
            cell(p["disputed"], numeric=True),
            cell(p["logins"], numeric=True),
            cell(p["failed_logins"], numeric=True),
            cell(f"{p['first']} to {p['last']}"),
        ]
        for name, p in continuity["by_person"].items()
    ]
    events = [
        [cell(ev["id"], numeric=True), cell(ev["at"]), cell(ev["actor"]), cell(ev["summary"])]
        for ev in continuity["events"]
    ]
    return (
        '<section id="continuity"><h2>Continuity</h2><h3>Evidence containers</h3>'
        + table(("Exhibit", "Kind", "SHA-256", "MD5", "Added by, at"), _evidence_rows(continuity["evidence"]))
        + "<h3>Audit log</h3>"
        + chain
        + "<h3>Who did what</h3>"
        + table(
            (
                "Person",
                "Items graded",
                "Grading decisions",
                "Undos",
                "Confirmed",
                "Disputed",
                "Logins",
                "Failed logins",
                "Active",
            ),
            people,
        )
        + (
            f"<p>{e(continuity['failed_logins_without_account'])} failed login(s) named no account of the "
            "case (not persons; the names tried are in the audit log).</p>"
            if continuity.get("failed_logins_without_account")
            else ""
        )
        + "<h3>Events</h3>"
        + table(("Entry", "When (UTC)", "Who", "What"), events, "events")
        + "</section>"
    )

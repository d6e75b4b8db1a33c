"""The court HTML's counting sections: the indictment, each exhibit, how each category was established,
the examiners' grades and disputes, and the schedule of categorised items. No image, ever."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.model.categories import INDECENT
from warden.model.records import item_place
from warden.model.states import State
from warden.report.html_parts import ESTABLISHED_ORDER, cell, e, established_label, short_hash, table

_COUNT_HEADERS = (
    "Category",
    "Still images (files)",
    "Still images (distinct)",
    "Moving images (files)",
    "Moving images (distinct)",
)


def _count_rows(by_category: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    return [
        [
            f"<th>{e(category.value)}</th>",
            cell(by_category[category.value]["stills_files"], numeric=True),
            cell(by_category[category.value]["stills_unique"], numeric=True),
            cell(by_category[category.value]["movies_files"], numeric=True),
            cell(by_category[category.value]["movies_unique"], numeric=True),
        ]
        for category in INDECENT
    ]


def indictment_html(indictment: Mapping[str, Any]) -> str:
    """The indictment table: one count per category, with the totals."""
    rows = []
    for name, row in indictment["counts"].items():
        rows.append(
            [f"<th>Category {e(name)}</th>"]
            + [cell(row[key], numeric=True) for key in ("stills", "movies", "total")]
            + [cell(f"{row['distinct_stills']} / {row['distinct_movies']}", numeric=True)]
        )
    rows.append(
        ["<th>All categories</th>", cell(""), cell(""), cell(indictment["total"], numeric=True), cell("")]
    )
    most = indictment["most_serious"]
    return (
        '<section id="indictment"><h2>Indictment table</h2>'
        + table(
            ("Count", "Still images", "Moving images", "Total", "Distinct stills / moving"),
            rows,
            "indictment",
        )
        + f'<p class="basis">Counted: {e(indictment["basis"])}.</p>'
        + f"<p>Most serious category with any image: <strong>{e(most or 'none')}</strong>.</p></section>"
    )


def _established_html(by_established: Mapping[str, Mapping[str, Mapping[str, int]]]) -> str:
    rows = []
    for how in sorted(
        by_established, key=lambda h: ESTABLISHED_ORDER.index(h) if h in ESTABLISHED_ORDER else 99
    ):
        counts = by_established[how]
        rows.append(
            [cell(established_label(how), css="how-" + how)]
            + [
                cell(f"{counts[c.value]['stills_files']} / {counts[c.value]['movies_files']}", numeric=True)
                for c in INDECENT
            ]
        )
    if not rows:
        return "<p>No item has a category.</p>"
    headers = ("Established by", *(f"{c.value}: stills / moving (files)" for c in INDECENT))
    return table(headers, rows)


def counts_html(summary: Mapping[str, Any]) -> str:
    """Counts by category over all exhibits, and how each count was established."""
    return (
        '<section id="counts"><h2>Counts by category</h2>'
        + table(_COUNT_HEADERS, _count_rows(summary["by_category"]))
        + "<h3>How each category was established</h3>"
        + _established_html(summary["by_established"])
        + "</section>"
    )


def exhibits_html(exhibits: Sequence[Mapping[str, Any]]) -> str:
    """Each exhibit: what it is, and its own counts split by how they were established."""
    parts = ['<section id="exhibits"><h2>Exhibits</h2>']
    for exhibit in exhibits:
        parts.append(
            f'<div class="exhibit"><h3>Exhibit {e(exhibit["number"])}: {e(exhibit["label"])}</h3>'
            f"<p>{e(exhibit['kind'] or 'unknown kind')} <code>{e(exhibit['path'])}</code>"
            + (f"; SHA-256 <code>{e(exhibit['sha256'])}</code>" if exhibit.get("sha256") else "")
            + f". {e(exhibit['files_total'])} files, {e(exhibit['media_total'])} images or videos, "
            f"{e(exhibit['unmatched_media'])} with no category yet, {e(exhibit['errors'])} with errors, "
            f"{e(exhibit.get('not_examined', 0))} not examined, {e(exhibit.get('zero_byte_files', 0))} of "
            "zero bytes; "
            f"{e(exhibit['graded'])} graded by an examiner, {e(exhibit['disputed'])} of them disputed.</p>"
            + table(_COUNT_HEADERS, _count_rows(exhibit["by_category"]))
            + _established_html(exhibit["by_established"])
            + "</div>"
        )
    if not exhibits:
        parts.append("<p>No evidence is recorded in this case.</p>")
    parts.append("</section>")
    return "".join(parts)


def grades_html(summary: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> str:
    """The examiners' grades in total, and every disputed grade with the reviewer's reason."""
    disputed = [item for item in items if (item.get("grade") or {}).get("status") == "disputed"]
    parts = [
        '<section id="grades"><h2>Examiner grades and second reviews</h2>',
        f"<p>Items graded by an examiner: {e(summary['graded'])}. Grades disputed by a second reviewer: "
        f"{e(summary['disputed'])}. A disputed grade is counted under its grade until it is changed, and "
        "is marked as disputed wherever it appears.</p>",
    ]
    if disputed:
        rows = []
        for item in disputed:
            grade = item["grade"]
            review = grade["reviews"][-1] if grade["reviews"] else {}
            rows.append(
                [
                    cell(item_place(item["evidence"], item["path"]), css="path"),
                    cell(grade["category"]),
                    cell(f"{grade['by']}, {grade['at']}"),
                    cell(f"{review.get('by')}, {review.get('at')}"),
                    cell(review.get("note")),
                ]
            )
        parts.append('<h3 class="disputed">Disputed grades</h3>')
        parts.append(table(("Item", "Grade", "Graded by", "Disputed by", "Reason"), rows, "disputes"))
    parts.append("</section>")
    return "".join(parts)


def schedule_html(items: Sequence[Mapping[str, Any]]) -> str:
    """Every item with a category A, B or C: where it is, how its category was established, its SHA-1."""
    rows = []
    for item in items:
        if item["category"] is None:
            continue
        match = item.get("match") or {}
        found = f"{match.get('kind')} in {match.get('hashset')}" if match else ""
        if match.get("kind") in ("pdq", "vpdq"):
            found += f", distance {match.get('distance')}, {match.get('variant')}"
        parts = item.get("video_parts") or []
        if parts:
            found += "; " + "; ".join(f"{part['text']} (category {part['category']})" for part in parts)
        rows.append(
            [
                cell(item["evidence"]),
                cell(item["path"], css="path"),
                cell(item["state"]),
                cell(item["media"]),
                cell(item["category"]),
                cell(
                    established_label(item.get("established_by")),
                    css="how-" + str(item.get("established_by")),
                ),
                cell(found),
                cell(short_hash(item["sha1"]), css="hash"),
            ]
        )
    body = (
        table(
            ("Exhibit", "Path", "Found", "Media", "Category", "Established by", "Match", "SHA-1"),
            rows,
            "schedule",
        )
        if rows
        else "<p>No item has category A, B or C.</p>"
    )
    return (
        '<section id="schedule"><h2>Schedule of categorised items</h2>'
        "<p>Every copy is listed where it was found. Thumbnails are listed but not counted. Full hashes, "
        "timestamps and provenance of every item are in report.json and report.csv.</p>" + body + "</section>"
    )


def totals_html(summary: Mapping[str, Any]) -> str:
    """What else the scan found: totals, unmatched, known good, errors."""
    labels = {
        "files_total": "Files examined",
        "media_total": "Images and videos among them",
        "unmatched_media": "Images and videos with no category yet",
        "known_good": "Known-good files (e.g. NSRL)",
        "low_quality_pdq": "Images too plain to match perceptually (PDQ quality under 50)",
        "errors": "Items with errors (recorded, counted, never dropped)",
        "not_examined": "Containers and members not examined (listed with the reason)",
        "zero_byte_files": "Files of zero bytes (holding no image)",
    }
    rows = [
        [f"<th>{e(label)}</th>", cell(summary.get(key, 0), numeric=True)] for key, label in labels.items()
    ]
    thumbnails = summary.get("by_state", {}).get(State.THUMBNAIL.value, {})
    found = sum(c["stills_files"] + c["movies_files"] for c in thumbnails.values())
    rows.append(["<th>Categorised thumbnails (counted apart)</th>", cell(found, numeric=True)])
    return '<section id="totals"><h2>Totals</h2>' + table(("", "Number"), rows) + "</section>"

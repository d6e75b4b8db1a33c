"""The annex of blurred thumbnails: a separate, separately marked document, made only when asked for.

The court report never holds an image. Where the court needs to see which image a count refers to, the
annex shows each distinct categorised image once, greyscale, shrunk to :data:`DETAIL_SIDE` pixels across
(shapes and tones, no detail), enlarged to :data:`THUMB_SIDE` and blurred. Images are made from the
evidence's own bytes, found again by :mod:`warden.evidence.locate`, checked against the item's recorded
SHA-1, held in memory and embedded as ``data:`` URLs; nothing is written but the annex itself.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from warden import settings
from warden.case.folder import Case
from warden.case.raised_limits import recorded_raises
from warden.evidence.base import Limits
from warden.evidence.containers import limits_from_settings, register_built_in
from warden.evidence.limits import raised
from warden.evidence.locate import open_item
from warden.evidence.names import root_path
from warden.hashing.decode import DecodeError, decode_still
from warden.model.categories import INDECENT
from warden.model.records import Media, item_place
from warden.model.states import State
from warden.previews import KeyframeError, blur, keyframes, strip
from warden.report.html import page
from warden.report.html_parts import cell, e, established_label, table
from warden.report.writers import write_whole

THUMB_SIDE = 96
"""Longest side of an annex thumbnail."""
DETAIL_SIDE = 12
"""Longest side of the copy a thumbnail is made from: it carries no more detail than this."""
ANNEX_NOTICE = (
    "ANNEX TO THE COURT REPORT: BLURRED THUMBNAILS. This annex is separate from the report and contains "
    "greyscale, blurred thumbnails of categorised images found in the case, so that the court can tell "
    "which image a count refers to without seeing it. Handle it as sensitive material."
)


@dataclass(frozen=True, slots=True)
class AnnexEntry:
    """One distinct categorised image: its copies, category, how that was established, and its thumbnail
    (PNG bytes) or why there is none."""

    category: str
    established_by: str | None
    sha1: str | None
    copies: tuple[str, ...]
    thumbnail: bytes | None
    problem: str | None


def blurred(image: Image.Image) -> Image.Image:
    """Greyscale, reduced to :data:`DETAIL_SIDE` across, enlarged to :data:`THUMB_SIDE` and blurred."""
    return blur(image, side=THUMB_SIDE, detail=DETAIL_SIDE, radius=THUMB_SIDE / 24)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _still(root: Path, item: Mapping[str, Any], limits: Limits) -> bytes:
    max_bytes = settings.get_int(settings.MAX_IMAGE_BYTES)
    with open_item(root, item["path"], limits) as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(f"over {max_bytes} bytes: too large for a thumbnail")
    if item.get("sha1") and hashlib.sha1(data).hexdigest() != item["sha1"]:  # noqa: S324 - identity, not security
        raise OSError("the evidence no longer gives the bytes recorded for this item: no thumbnail made")
    decoded = decode_still(
        data, item.get("format"), max_pixels=settings.get_int(settings.MAX_IMAGE_PIXELS), reduce_to=64
    )
    return _png(blurred(Image.fromarray(decoded.pixels)))


def _movie(root: Path, item: Mapping[str, Any], limits: Limits) -> bytes:
    # Taken as the review app takes them (FFmpeg in its own process, time-limited, nothing written to disk).
    try:
        with open_item(root, item["path"], limits) as stream:
            frames = keyframes(stream, frames=3)
    except KeyframeError as error:
        raise OSError(str(error)) from None
    return _png(strip([blurred(frame) for frame in frames], height=THUMB_SIDE))


def annex_entries(case: Case, report: Mapping[str, Any]) -> list[AnnexEntry]:
    """One entry per distinct image (by SHA-1) of category A, B or C, most serious first; thumbnails of
    thumbnails are not made (the full image is there, or the thumbnail is counted apart)."""
    roots = {record.label: Path(root_path(record.path)) for record in case.evidence()}
    # Items inside containers are reached with the formats the scan used, also where no scan ran in this
    # process (``warden report``): without them, no copy inside an archive or disk image would be found.
    register_built_in()
    # Containers are opened under the limits the scan used: a limit raised for an exhibit is raised here too.
    base, raises = limits_from_settings(), recorded_raises(case.engine)
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in report["items"]:
        if item["category"] is None or item["state"] == State.THUMBNAIL:
            continue
        key = item["sha1"] or f"{item['evidence']}/{item['path']}"
        groups.setdefault((item["category"], key), []).append(item)
    order = [category.value for category in INDECENT]
    entries = []
    for (category, _), copies in sorted(
        groups.items(), key=lambda pair: (order.index(pair[0][0]), pair[0][1])
    ):
        first = copies[0]
        thumbnail, problem = None, None
        try:
            root = roots[first["evidence"]]
            limits = raised(base, first["evidence"], raises.get(first["evidence"], {}))
            if first["media"] == Media.MOVIE:
                thumbnail = _movie(root, first, limits)
            else:
                thumbnail = _still(root, first, limits)
        except (OSError, DecodeError, KeyError) as error:
            problem = str(error) or type(error).__name__
        entries.append(
            AnnexEntry(
                category,
                first.get("established_by"),
                first.get("sha1"),
                tuple(item_place(copy["evidence"], copy["path"]) for copy in copies),
                thumbnail,
                problem,
            )
        )
    return entries


def render_annex_html(report: Mapping[str, Any], entries: Sequence[AnnexEntry]) -> str:
    """The annex page: the notice, then one row per distinct image with its blurred thumbnail."""
    case_id = report["case"]["id"]
    rows = []
    for number, entry in enumerate(entries, start=1):
        if entry.thumbnail is not None:
            data = base64.b64encode(entry.thumbnail).decode("ascii")
            picture = (
                f'<td><img class="blurred" alt="blurred thumbnail" src="data:image/png;base64,{data}"></td>'
            )
        else:
            picture = cell(f"no thumbnail: {entry.problem}")
        rows.append(
            [
                cell(number, numeric=True),
                picture,
                cell(entry.category),
                cell(established_label(entry.established_by)),
                f'<td class="path">{"<br>".join(e(copy) for copy in entry.copies)}</td>',
                cell(entry.sha1, css="hash"),
            ]
        )
    body = (
        f"<h1>Annex: blurred thumbnails</h1><p>Case <code>{e(case_id)}</code>.</p>"
        f'<p class="warning">{e(ANNEX_NOTICE)}</p>'
        + (
            table(("No.", "Thumbnail (blurred)", "Category", "Established by", "Copies", "SHA-1"), rows)
            if rows
            else "<p>No item has category A, B or C.</p>"
        )
    )
    style = "img.blurred{max-width:320px}"
    return page(f"Warden annex {case_id}", case_id, body, style, annex=True)


def write_annex(case: Case, report: Mapping[str, Any], folder: Path, *, pdf: bool) -> dict[str, Path]:
    """Write ``report-annex.html`` (and ``report-annex.pdf``) into ``folder``; returns them by name."""
    html = render_annex_html(report, annex_entries(case, report))
    written = {}
    targets: list[tuple[str, str, bytes]] = [("annex-html", "report-annex.html", html.encode("utf-8"))]
    if pdf:
        from warden.report.pdf import html_to_pdf

        targets.append(("annex-pdf", "report-annex.pdf", html_to_pdf(html)))
    for name, filename, data in targets:
        written[name] = write_whole(folder / filename, data)
    return written

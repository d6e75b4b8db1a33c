"""The court report as PDF: the court HTML laid out on A4 by WeasyPrint, with page numbers and the case id."""

from __future__ import annotations

import logging

from warden.errors import DependencyMissingError


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML page to PDF bytes; only ``data:`` URLs (the annex's images) are read.

    Raises:
        DependencyMissingError: WeasyPrint (``warden[report]``, with Debian's Pango) is not installed.
    """
    try:
        from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:  # OSError: the Python package is there but Pango is not
        raise DependencyMissingError("weasyprint", "report", "the PDF report") from error
    # WeasyPrint warns about CSS it ignores (screen-only rules); the page is ours and known to lay out.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # Nothing outside the page can end up in the PDF: no file, no network, only data: URLs.
    fetcher = URLFetcher(allowed_protocols={"data"})
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf

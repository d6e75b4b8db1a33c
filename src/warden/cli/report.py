"""``warden report CASE``: write the court report (PDF, HTML), report.json, CSV and the VICS case export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from warden.case import DB_URL_HELP
from warden.errors import UsageError
from warden.report.writers import DEFAULT_FORMATS, WRITERS


def _formats(given: tuple[str, ...]) -> list[str]:
    names = [name.strip().lower() for value in given for name in value.split(",") if name.strip()]
    if "all" in names:
        return WRITERS.names()
    return names or list(DEFAULT_FORMATS)


def print_indictment(report: dict[str, Any]) -> None:
    """The indictment table, the audit chain's state and the validation's, as the command prints them."""
    indictment = report["indictment"]
    click.echo("indictment  stills  moving  total  (distinct stills/moving)")
    for name, row in indictment["counts"].items():
        click.echo(
            f"category {name} {row['stills']:>7} {row['movies']:>7} {row['total']:>6}  "
            f"({row['distinct_stills']}/{row['distinct_movies']})"
        )
    summary = report["summary"]
    click.echo(f"graded by an examiner: {summary['graded']}, of which disputed: {summary['disputed']}")
    audit = report["continuity"]["audit"]
    if audit["verified"]:
        summarised = f"{audit['entries']} entries summarised; anchor {audit.get('anchor')}"
        click.echo(f"audit log verified ({summarised})")
    elif audit.get("unchecked"):
        click.echo(f"warden: warning: audit log not checked: {audit['unchecked']}", err=True)
    else:
        problem = audit["problem"] or {}
        click.echo(
            f"warden: warning: audit log BROKEN at entry {problem.get('id')}: {problem.get('reason')}",
            err=True,
        )
    validation = report["method"]["validation"]
    if not validation["stored"]:
        click.echo("warden: warning: no validation result stored; run `warden validate`", err=True)


@click.command("report")
@click.argument("case_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--format",
    "formats",
    multiple=True,
    help="pdf, html, json, csv, vics, takedown, takedown-json, urls or all; repeatable or comma-separated. "
    f"Default: {', '.join(DEFAULT_FORMATS)} (everything but pdf; the takedown draft and URL list only for a "
    "crawl that matched).",
)
@click.option(
    "--annex",
    is_flag=True,
    help="Also write report-annex.html (and .pdf with --format pdf): blurred greyscale thumbnails of the "
    "categorised images, separate from the report.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write into (default: CASE_DIR).",
)
@click.option("--profile", help="Category profile of the VICS export (default uk).")
@click.option("--db", "db_url", help=DB_URL_HELP)
def report_command(
    case_dir: Path,
    formats: tuple[str, ...],
    annex: bool,
    out: Path | None,
    profile: str | None,
    db_url: str | None,
) -> None:
    """Write the reports of CASE_DIR from its database: the court report (report.html, report.pdf),
    report.json, report.csv and the VICS 2.0 case export (report-vics.json). The court report holds no
    image."""
    from warden.case.folder import Case
    from warden.report.case_report import write_reports

    names = _formats(formats)
    if profile is not None and "vics" not in names:
        raise UsageError("--profile applies to the vics format only; add --format vics")
    report, written = write_reports(
        Case.open(case_dir, db_url=db_url), names, out=out, annex=annex, profile=profile
    )
    print_indictment(report)
    for path in written.values():
        click.echo(str(path))

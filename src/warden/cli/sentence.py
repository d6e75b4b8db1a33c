"""``warden sentence``: the guideline steps for counts typed by hand or read from a case's report.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from warden.errors import CaseError, UsageError
from warden.sentencing.bundled import bundled_law
from warden.sentencing.duration import Disposal, parse_disposal
from warden.sentencing.engine import NotAssessableError, assess
from warden.sentencing.facts import CaseFacts, Dates, ImageCounts
from warden.sentencing.law import OFFENCES, PLEA_STAGES
from warden.sentencing.section import SectionOptions, sentencing_section
from warden.sentencing.text import render_section_text, render_text


class _Day(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


DAY = _Day()


def _list_factors() -> None:
    guideline = bundled_law().guidelines.items[-1]
    for aggravating in (True, False):
        click.echo("aggravating (--aggravating ID):" if aggravating else "\nmitigating (--mitigating ID):")
        for factor in guideline.factors.values():
            if factor.aggravating is aggravating:
                click.echo(f"  {factor.id:<24} {factor.text}{' (statutory)' if factor.statutory else ''}")


def _dates(given: dict[str, date | None], default_reason: str, default: date | None) -> Dates | None:
    base = given.pop("date")
    if default is None and base is None and not any(given.values()):
        return None
    fallback = base or given["conviction"] or given["sentence"] or default
    if fallback is None:
        raise UsageError("give --date or --conviction-date")
    # Say what really stands in for a date not given: --date, else the conviction or sentence date given.
    if base:
        default_reason = "--date"
    elif given["conviction"]:
        default_reason = "the conviction date"
    elif given["sentence"]:
        default_reason = "the sentence date given"
    try:
        return Dates.from_given(fallback, default_reason=default_reason, **{k: v for k, v in given.items()})
    except ValueError as error:
        raise UsageError(str(error)) from None


def _read_report(case_dir: Path) -> dict[str, Any]:
    path = case_dir / "report.json"
    try:
        with path.open(encoding="utf-8") as stream:
            report: dict[str, Any] = json.load(stream)
    except FileNotFoundError:
        raise CaseError(f"{path} does not exist: run  warden scan  or  warden report  first") from None
    except (OSError, ValueError) as error:
        raise CaseError(f"cannot read {path}: {error}") from None
    return report


@click.command("sentence")
@click.option("--offence", type=click.Choice(OFFENCES), help="The offence; with --case, default: all three.")
@click.option("--a", "count_a", type=click.IntRange(min=0), help="Category A images (typed by hand).")
@click.option("--b", "count_b", type=click.IntRange(min=0), help="Category B images (typed by hand).")
@click.option("--c", "count_c", type=click.IntRange(min=0), help="Category C images (typed by hand).")
@click.option(
    "--case", "case_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Read the counts from DIR/report.json: files of each category, stills plus moving images.",
)  # fmt: skip
@click.option(
    "--date",
    "on_date",
    type=DAY,
    help="One date for every date not given (default: today, or the case's date).",
)
@click.option("--conviction-date", type=DAY, help="Governs suspension and notification.")
@click.option("--sentence-date", type=DAY, help="Governs the guideline version.")
@click.option("--first-hearing-date", type=DAY, help="Governs the guilty-plea guideline.")
@click.option("--offence-date", type=DAY, help="Governs the statutory maximum.")
@click.option(
    "--plea-stage", type=click.Choice(PLEA_STAGES), help="When a guilty plea was indicated, if at all."
)
@click.option(
    "--aggravating", multiple=True, metavar="ID", help="An aggravating factor (see --list-factors)."
)
@click.option("--mitigating", multiple=True, metavar="ID", help="A mitigating factor (see --list-factors).")
@click.option("--age", type=click.IntRange(min=10), help="The offender's age at conviction.")
@click.option("--previous-convictions", type=click.IntRange(min=0), help="How many previous convictions.")
@click.option(
    "--sentence", "tested", metavar="TERM", help="A sentence to test, e.g. 20m, 26w, 2y, community:high."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (the report's sentencing form)."
)
@click.option("--list-factors", is_flag=True, help="List the guideline's factors and their ids, then stop.")
def sentence_command(
    offence: str | None,
    count_a: int | None,
    count_b: int | None,
    count_c: int | None,
    case_dir: Path | None,
    on_date: date | None,
    conviction_date: date | None,
    sentence_date: date | None,
    first_hearing_date: date | None,
    offence_date: date | None,
    plea_stage: str | None,
    aggravating: tuple[str, ...],
    mitigating: tuple[str, ...],
    age: int | None,
    previous_convictions: int | None,
    tested: str | None,
    as_json: bool,
    list_factors: bool,
) -> None:
    """Show where a case sits in the Sentencing Council guideline for indecent photographs of children.

    It never gives the sentence: the court decides. Every step says why, and every figure its source; figures
    not checked against the guideline or statute itself are marked unverified.
    """
    if list_factors:
        _list_factors()
        return
    typed = (count_a, count_b, count_c)
    if case_dir is not None and any(n is not None for n in typed):
        raise UsageError("give either --case or --a/--b/--c, not both")
    if case_dir is None and (offence is None or any(n is None for n in typed)):
        raise UsageError("give --offence and --a, --b and --c (or --case DIR)")
    test: Disposal | None = None
    if tested is not None:
        try:
            test = parse_disposal(tested)
        except ValueError as error:
            raise UsageError(f"--sentence: {error}") from None
    given = {
        "date": on_date, "conviction": conviction_date, "sentence": sentence_date,
        "first_hearing": first_hearing_date, "offence": offence_date,
    }  # fmt: skip
    if case_dir is not None:
        options = SectionOptions(
            (offence,) if offence else OFFENCES, _dates(given, "the case's date", None), plea_stage,
            aggravating, mitigating, age, previous_convictions, test,
        )  # fmt: skip
        try:
            section = sentencing_section(_read_report(case_dir), options)
        except ValueError as error:
            raise CaseError(f"{case_dir / 'report.json'}: {error}") from None
        _emit(section, as_json, render_section_text)
        return
    dates = _dates(given, "today: no date was given", datetime.now(UTC).date())
    assert dates is not None and offence is not None  # checked above; a default date was given
    facts = CaseFacts(
        offence, ImageCounts.typed(*(n or 0 for n in typed)), dates, plea_stage, aggravating, mitigating, age,
        previous_convictions, test,
    )  # fmt: skip
    try:
        result = assess(facts, bundled_law()).to_json()
    except NotAssessableError as error:
        raise UsageError(str(error)) from None
    _emit(result, as_json, render_text)


def _emit(value: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        click.echo(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render(value), nl=False)

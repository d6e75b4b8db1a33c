"""``warden validate``: run the tool on its benign reference media, print the table, store the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from warden.errors import UsageError, ValidationFailedError

DEFAULT_MEDIA = Path(__file__).resolve().parents[4] / "shared" / "media"
"""The benign media beside a source checkout (``../shared/media``); elsewhere, give ``--media``."""


def print_result(result: dict[str, Any]) -> None:
    """The result as a table a person reads."""
    click.echo(f"warden {result['tool']['version']} validated {result['date']} on {result['media']['path']}")
    click.echo(f"reference media checksum {result['media']['sha256']} ({result['media']['files']} files)")
    for row in result["pdq_conformance"]:
        click.echo(
            f"PDQ conformance ({row['mode']}): {row['passed']} of {row['rows']} files "
            f"(max distance {row['max_distance']})"
        )
        for failure in row["failures"]:
            click.echo(f"    {failure['file']}: {failure['problem']}")
    vpdq = result["vpdq_conformance"]
    if not vpdq["available"]:
        click.echo(f"vPDQ: {vpdq['note']}")
    else:
        for clip in vpdq["clips"]:
            click.echo(
                f"vPDQ conformance {clip['clip']}: {'passed' if clip['passed'] else 'FAILED'} "
                f"({clip.get('compared', 0)} frames, max distance {clip.get('max_distance', '-')})"
            )
        for pair in vpdq["matching"]:
            verdict = "match" if pair.get("matched") else "no match"
            click.echo(
                f"vPDQ {pair['query']} vs {pair['listed']}: {verdict} "
                f"({'as expected' if pair['passed'] else 'NOT as expected'})"
            )
    accuracy = result["accuracy"]
    click.echo(f"accuracy: {accuracy['listed']} photos listed")
    click.echo(f"{'edit':34} {'expected':17} {'found':>7} {'missed':>7} {'false':>6} {'found %':>8}")
    for row in accuracy["edits"]:
        click.echo(
            f"{row['edit']:34} {row['expected']:17} {row['found']:>7} {row['missed']:>7} "
            f"{row['false_matches']:>6} {row['found_percent']:>7.1f}%"
        )
    unrelated = accuracy["unrelated"]
    click.echo(f"unrelated photos: {unrelated['photos']}, false matches: {unrelated['false_matches']}")
    click.echo(f"took {result['duration_seconds']} s; {'PASSED' if result['passed'] else 'FAILED'}")


@click.command("validate")
@click.option(
    "--media",
    type=click.Path(path_type=Path, file_okay=False),
    help="The benign reference media (photos/, pdq-reference/, videos/); "
    "default: ../shared/media beside a source checkout.",
)
@click.option("--sample", type=int, default=200, show_default=True, help="Photos to list and edit.")
@click.option(
    "--unrelated", type=int, default=200, show_default=True, help="Other photos checked for false matches."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Chooses the photos.")
@click.option("--no-video", is_flag=True, help="Skip the vPDQ checks.")
@click.option("--no-store", is_flag=True, help="Print the result without storing it under WARDEN_HOME.")
@click.option(
    "--conversations",
    "corpus",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Instead: measure the grooming indicators, alone and with a text model, on this research corpus "
    "(PAN 2012 XML) with ground truth; stored in $WARDEN_HOME/validation/conversations/.",
)
@click.option(
    "--truth",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --conversations: its ground truth (default: the one *predators*.txt beside it).",
)
@click.option(
    "--test-corpus",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --conversations: measure this corpus with a model trained on the other, instead of a "
    "held-out split.",
)
@click.option(
    "--test-truth",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The ground truth of --test-corpus (default: the one *predators*.txt beside it).",
)
@click.option(
    "--held-out",
    type=float,
    default=0.3,
    show_default=True,
    help="With --conversations and no --test-corpus: the share of conversations measured.",
)
def validate_command(
    media: Path | None,
    sample: int,
    unrelated: int,
    seed: int,
    no_video: bool,
    no_store: bool,
    corpus: Path | None,
    truth: Path | None,
    test_corpus: Path | None,
    test_truth: Path | None,
    held_out: float,
) -> None:
    """Measure Warden on its benign reference media: PDQ and vPDQ conformance with Meta's reference hashes,
    and how often edited copies of listed photos are found (and unrelated photos falsely matched). The
    result is stored in $WARDEN_HOME/validation/latest.json (a failed one too: the court report then says
    it failed), and every court report quotes it. Exits 11 when a check fails. With --conversations, measures
    the grooming indicators on a research corpus instead (docs/validation.md)."""
    if corpus is not None:
        from warden.cli.validate_conversations import validate_conversations

        validate_conversations(corpus, truth, test_corpus, test_truth, held_out, seed, store=not no_store)
        return
    from warden.validation.run import ValidationOptions, run_validation
    from warden.validation.store import save_result

    folder = media or DEFAULT_MEDIA
    if not folder.is_dir():
        raise UsageError(f"no reference media at {folder}: give --media")
    result = run_validation(
        ValidationOptions(
            folder.resolve(), sample=sample, unrelated=unrelated, seed=seed, video=not no_video
        ),
        progress=lambda text: click.echo(text, err=True),
    )
    print_result(result)
    if not no_store:
        click.echo(f"stored {save_result(result)}")
    if not result["passed"]:
        failed = ", ".join(name.replace("_", " ") for name, ok in result["checks"].items() if not ok)
        kept = "" if no_store else "; the result was stored, and reports will say it failed"
        raise ValidationFailedError(f"validation failed: {failed}{kept}")

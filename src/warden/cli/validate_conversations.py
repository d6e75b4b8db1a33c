"""``warden validate --conversations``: the grooming indicators, alone and with a text model, measured on a
research corpus, printed beside the published PAN 2012 results and stored."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click


def _percent(value: float) -> str:
    return f"{100 * value:5.1f}%"


def print_conversation_result(result: Mapping[str, Any]) -> None:
    """The result as tables a person reads."""
    from warden.validation.conversations import rows

    corpus = result["corpus"]
    click.echo(
        f"warden {result['tool']['version']} measured {result['date']} on {corpus['path']} "
        f"(SHA-256 {corpus['sha256'][:16]}..., {corpus['conversations']:,} conversations)"
    )
    if "test_corpus" in result:
        click.echo(f"test corpus {result['test_corpus']['path']}")
    click.echo(f"split: {result['options']['split']}")
    model = result["model"]
    if model["available"]:
        click.echo(
            f"throwaway model: {model['documents']:,} documents, {model['features']:,} features, "
            f"threshold {model['threshold']:.2f}, scikit-learn {model['scikit_learn']}"
        )
    else:
        click.echo(f"model: {model['note']}")
    measured = result["measured"]
    click.echo(
        f"measured: {measured['conversations']:,} conversations "
        f"({measured['with_ground_truth_author']:,} with "
        f"an author the ground truth names), {measured['authors']:,} authors, {measured['predators']:,} named"
    )
    click.echo(
        f"{'method':24} {'named':>6} {'precision':>9} {'recall':>7} {'F0.5':>6} "
        f"{'recall@1%':>9} {'recall@5%':>9} {'false leads':>11}"
    )
    methods = list(rows(result))
    if "model_alone" in measured:
        methods.append(("model alone (comparison)", measured["model_alone"]))
    for name, row in methods:
        authors = row["authors"]
        at = {entry["share_percent"]: entry["recall"] for entry in row.get("recall_at", [])}
        leads = row.get("false_leads")
        click.echo(
            f"{name:24} {authors['named']:>6} {_percent(authors['precision']):>9} "
            f"{_percent(authors['recall']):>7} {authors['f05']:>6.3f} "
            f"{_percent(at[1.0]) if 1.0 in at else '-':>9} {_percent(at[5.0]) if 5.0 in at else '-':>9} "
            f"{leads['false_leads'] if leads else '-':>11}"
        )
    for name, row in rows(result):
        for source, counts in row["false_leads"]["by_source"].items():
            click.echo(
                f"false leads, {name}, source {source}: {counts['false_leads']} of {counts['leads']} leads"
            )
    published = result["published"]
    click.echo("published PAN 2012 results, for comparison (on the official test corpus):")
    for entry in published["results"]:
        figures = ", ".join(
            f"{key} {entry[key]:.4f}" for key in ("precision", "recall", "f05", "f1") if key in entry
        )
        checked = "" if entry["verified"] else " [not verified against the paper]"
        click.echo(f"  {entry['system']}: {figures} ({entry['source']}){checked}")
    click.echo(f"took {result['duration_seconds']} s")


def validate_conversations(
    corpus: Path,
    truth: Path | None,
    test_corpus: Path | None,
    test_truth: Path | None,
    held_out: float,
    seed: int,
    *,
    store: bool,
) -> None:
    """Run the measure, print it, and store it under ``$WARDEN_HOME/validation/conversations/``."""
    from warden.validation.conversations import ConversationValidationOptions, run_conversation_validation
    from warden.validation.store import save_result, validation_dir

    result = run_conversation_validation(
        ConversationValidationOptions(
            corpus, truth=truth, test_corpus=test_corpus, test_truth=test_truth, held_out=held_out, seed=seed
        ),
        progress=lambda text: click.echo(text, err=True),
    )
    print_conversation_result(result)
    if store:
        click.echo(f"stored {save_result(result, validation_dir() / 'conversations')}")

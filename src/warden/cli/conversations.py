"""``warden conversations``: the optional text model trained on a research corpus a lab holds, and its scores
and explanations beside the rule-based grooming leads (a secondary signal, never a lead by itself)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from warden.conversations.model import Conversations, Message
    from warden.conversations.pan_corpus import GroundTruth
    from warden.conversations.text_model import TextModel

CORPUS = click.Path(path_type=Path, dir_okay=False)


@click.group("conversations")
def conversations_group() -> None:
    """Train the optional conversation text model on a research corpus, and show its scores and what weighed
    in them beside the grooming leads (PAN 2012's XML format; no corpus ships with Warden)."""


def _corpus_and_truth(corpus: Path, truth: Path | None) -> tuple[Conversations, GroundTruth, Path]:
    from warden.conversations.pan_corpus import (
        corpus_authors,
        ground_truth_beside,
        read_corpus,
        read_ground_truth,
    )
    from warden.errors import UsageError

    found = read_corpus(corpus)
    truth_path = truth or ground_truth_beside(corpus)
    if truth_path is None:
        raise UsageError(f"give --truth: there is not exactly one *predators*.txt beside {corpus}")
    return found, read_ground_truth(truth_path, corpus_authors(found)), truth_path


def _model(name: str | None) -> TextModel:
    from warden import settings
    from warden.conversations.text_model_store import load_model

    return load_model(name or settings.get_str(settings.CONVERSATION_MODEL))


@conversations_group.command("train")
@click.argument("corpus", type=CORPUS)
@click.option(
    "--truth",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The ground truth: author ids, one a line; default: the one *predators*.txt beside CORPUS.",
)
@click.option(
    "--out", "name", default="default", show_default=True, help="Install the model under this name."
)
@click.option("--replace", is_flag=True, help="Replace an installed model of that name.")
def train_command(corpus: Path, truth: Path | None, name: str, replace: bool) -> None:
    """Train the text model on CORPUS (PAN 2012 XML) and its ground truth, and install it under
    $WARDEN_HOME/conversation-models/NAME.json, as JSON only (vocabulary, idf weights, coefficients, the
    corpus's SHA-256, the date, scikit-learn's version and the settings). Needs warden[conversations-model].
    Leads then show its score as a secondary reason; it never makes a lead by itself."""
    from warden.conversations.pan_corpus import file_sha256
    from warden.conversations.text_model import author_documents, top_features
    from warden.conversations.text_model_store import model_path, save_model
    from warden.conversations.text_training import sklearn_version, train_model

    sklearn_version()  # a missing scikit-learn is said before the corpus is read
    model_path(name)  # so is a bad name
    found, ground_truth, truth_path = _corpus_and_truth(corpus, truth)
    documents = author_documents(found)
    click.echo(
        f"{len(found.conversations):,} conversations, {len(documents):,} author documents; the ground truth "
        f"names {ground_truth.named:,} author(s), {len(ground_truth.predators):,} of them in the corpus",
        err=True,
    )
    about = {
        "corpus": {
            "file": corpus.name,
            "sha256": file_sha256(corpus),
            "conversations": len(found.conversations),
            "messages": len(found.messages),
        },
        "ground_truth": {
            "file": truth_path.name,
            "sha256": ground_truth.sha256,
            "named": ground_truth.named,
            "in_corpus": len(ground_truth.predators),
        },
    }
    run = train_model(name, documents, ground_truth.predators, about)
    path = save_model(run.model, replace=replace)
    model = run.model
    click.echo(
        f"trained {name!r}: {model.about['documents']:,} documents ({run.positives:,} by authors the ground "
        f"truth names), {len(model.vocabulary):,} features, scikit-learn {model.about['scikit_learn']}"
    )
    click.echo("features that most raise a score:")
    for feature, weight in top_features(model, 10):
        click.echo(f"  {weight:+8.3f}  {feature}")
    click.echo(f"installed {path}")


@conversations_group.command("score")
@click.argument("corpus", type=CORPUS)
@click.option("--model", "name", help="The installed model to use; default: WARDEN_CONVERSATION_MODEL.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Leads shown.")
def score_command(corpus: Path, name: str | None, top: int) -> None:
    """The grooming leads of CORPUS (PAN 2012 XML), highest band first, then by the model's score of the
    senders each lead names, with the model's score as an extra reason. Conversations in which no rule fired
    get no lead, whatever the model scores them: the model is a secondary signal only."""
    from warden.conversations.indicators import Band, conversation_leads
    from warden.conversations.model_leads import score_senders, with_model_scores
    from warden.conversations.pan_corpus import read_corpus

    model = _model(name)
    found = read_corpus(corpus)
    grouped: dict[str, list[Message]] = {}
    for message in found.messages:
        grouped.setdefault(message.conversation, []).append(message)
    ranked = []
    for lead in conversation_leads(found):
        if lead.band == Band.NONE:
            continue
        scored = score_senders(lead, grouped.get(lead.conversation, []), model)
        best = max((score.score for score in scored), default=0.0)
        ranked.append((lead.band, best, with_model_scores(lead, [], model, scores=scored)))
    ranked.sort(key=lambda row: (-row[0], -row[1]))
    click.echo(
        f"{len(found.conversations):,} conversations, {len(ranked):,} leads "
        "(leads for review, not evidence); "
        f"model {model.name!r}, threshold {model.threshold:.2f}"
    )
    for band, best, lead in ranked[:top]:
        click.echo(f"conversation {lead.conversation}: band {band}, highest model score {best:.2f}")
        for reason in lead.reasons:
            click.echo(f"  - {reason}")


@conversations_group.command("explain")
@click.argument("corpus", type=CORPUS)
@click.option("--conversation", required=True, help="The conversation's id.")
@click.option("--author", help="One author's id; default: every author in the conversation.")
@click.option("--model", "name", help="The installed model to use; default: WARDEN_CONVERSATION_MODEL.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Features shown.")
def explain_command(corpus: Path, conversation: str, author: str | None, name: str | None, top: int) -> None:
    """What weighed in the model's score of what each author wrote in one conversation of CORPUS: each
    feature's TF-IDF value, its coefficient, and what it added to the score's log-odds."""
    from warden.conversations.model_leads import sender_text
    from warden.conversations.pan_corpus import read_corpus
    from warden.errors import UsageError

    model = _model(name)
    found = read_corpus(corpus)
    messages = [message for message in found.messages if message.conversation == conversation]
    if not messages:
        raise UsageError(f"no conversation {conversation!r} with messages in {corpus}")
    authors = list(dict.fromkeys(message.sender for message in messages if message.sender is not None))
    if author is not None:
        if author not in authors:
            raise UsageError(f"{author!r} wrote nothing in conversation {conversation!r}")
        authors = [author]
    click.echo(
        f"model {model.name!r} (trained {str(model.about.get('trained', '?'))[:10]}), "
        f"threshold {model.threshold:.2f}; a secondary signal, not a finding"
    )
    for who in authors:
        text = sender_text(messages, who)
        click.echo(f"{who}: score {model.score(text):.3f}")
        click.echo(f"  {'contribution':>12} {'tf-idf':>7} {'coefficient':>11}  feature")
        for weighed in model.explain(text, top):
            click.echo(
                f"  {weighed.contribution:>+12.4f} {weighed.value:>7.4f} {weighed.coefficient:>+11.4f}  "
                f"{weighed.feature!r}"
            )

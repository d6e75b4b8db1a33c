"""``warden validate --conversations``: the grooming indicators, alone and with a text model, measured on a
research corpus with ground truth (PAN 2012's format), beside the published PAN 2012 results.

The corpus is split by conversation with a fixed seed (a held-out share is measured, the rest trains a
throwaway model), or a separate test corpus is measured with a model trained on the whole of the first. The
installed model is never used or changed: a model measured on what it was trained on says nothing.

What is measured, on the measured part:

- **F0.5 over authors**, as PAN 2012 scored it: the authors a method names against the ground truth's.
  *Rules*: an author is named when their own messages in some conversation give a band of medium or above.
  *Rules with the model*: also when their messages give a low band and the model scores what they wrote in
  that conversation at or above its threshold (the model raises a lead's weight, never makes one).
  *The model alone* is shown for comparison with the published systems only: Warden never uses it so.
- **Recall at 1% and 5% of conversations read**, ranked by the lead's band (then, with the model, by the
  highest score of a sender the lead names); ties are shared out evenly (see ``recall_at``).
- **False leads by source**: conversations put forward (by the rule above) in which no ground-truth author
  writes, per ``Conversation.source``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warden import TOOL_NAME, __version__
from warden.clock import utc_now
from warden.conversations.indicators import Band, Lead, scan_conversation
from warden.conversations.model import Conversations, Message
from warden.conversations.pan_corpus import (
    CorpusLimits,
    GroundTruth,
    corpus_authors,
    file_sha256,
    ground_truth_beside,
    read_corpus,
    read_ground_truth,
)
from warden.conversations.text_model import TextModel, author_documents
from warden.conversations.text_training import train_model
from warden.errors import CorpusError, DependencyMissingError, UsageError
from warden.validation.conversation_measures import f05, false_leads, recall_at

SCHEMA = "warden.validation.conversations/1"
SHARES = (0.01, 0.05)
PUBLISHED = Path(__file__).with_name("pan2012_published.json")


@dataclass(frozen=True, slots=True)
class ConversationValidationOptions:
    """What to measure.

    Attributes:
        corpus: the corpus (PAN 2012 XML).
        truth: its ground truth; None takes the one ``*predators*.txt`` beside it.
        test_corpus: a separate corpus to measure (with ``test_truth``); None splits ``corpus``.
        held_out: the share of the corpus's conversations measured when it is split.
        seed: chooses the held-out conversations; the same seed chooses the same ones.
    """

    corpus: Path
    truth: Path | None = None
    test_corpus: Path | None = None
    test_truth: Path | None = None
    held_out: float = 0.3
    seed: int = 1
    limits: CorpusLimits = field(default_factory=CorpusLimits)


@dataclass(frozen=True, slots=True)
class _Read:
    path: Path
    found: Conversations
    truth: GroundTruth
    truth_path: Path


def _read(corpus: Path, truth: Path | None, limits: CorpusLimits) -> _Read:
    found = read_corpus(corpus, limits)
    truth_path = truth or ground_truth_beside(corpus)
    if truth_path is None:
        raise UsageError(f"no ground truth given for {corpus}, and not exactly one *predators*.txt beside it")
    return _Read(corpus, found, read_ground_truth(truth_path, corpus_authors(found), limits), truth_path)


def _describe(read: _Read) -> dict[str, Any]:
    return {
        "path": str(read.path),
        "sha256": file_sha256(read.path),
        "conversations": len(read.found.conversations),
        "messages": len(read.found.messages),
        "authors": len(corpus_authors(read.found)),
        "ground_truth": {
            "path": str(read.truth_path),
            "sha256": read.truth.sha256,
            "named": read.truth.named,
            "in_corpus": len(read.truth.predators),
        },
    }


def split(found: Conversations, held_out: float, seed: int) -> tuple[Conversations, Conversations]:
    """(train, measured): the conversations shuffled by ``seed`` from their sorted ids, ``held_out`` of them
    measured (at least one of each)."""
    keys = sorted(conversation.key for conversation in found.conversations)
    random.Random(seed).shuffle(keys)
    count = min(len(keys) - 1, max(1, round(held_out * len(keys))))
    measured = set(keys[:count])
    parts = (Conversations(found.source), Conversations(found.source))
    for conversation in found.conversations:
        parts[conversation.key in measured].conversations.append(conversation)
    for message in found.messages:
        parts[message.conversation in measured].messages.append(message)
    return parts


def _grouped(found: Conversations) -> dict[str, list[Message]]:
    grouped: dict[str, list[Message]] = {conversation.key: [] for conversation in found.conversations}
    for message in found.messages:
        grouped.setdefault(message.conversation, []).append(message)
    return grouped


def measure(found: Conversations, predators: frozenset[str], model: TextModel | None) -> dict[str, Any]:
    """Every measure of the rules (and, with a model, of the rules with it) on one set of conversations."""
    sources = {conversation.key: conversation.source for conversation in found.conversations}
    leads: dict[str, Lead] = {
        key: scan_conversation(key, messages) for key, messages in _grouped(found).items()
    }
    scores: dict[tuple[str, str], float] = {}
    if model is not None:
        scores = {(doc.conversation, doc.author): model.score(doc.text) for doc in author_documents(found)}
    writers: dict[str, set[str]] = {}
    for message in found.messages:
        if message.sender is not None:
            writers.setdefault(message.conversation, set()).add(message.sender)
    relevant = {key: bool(writers.get(key, set()) & predators) for key in leads}

    def raised(key: str, sender: str | None, band: Band) -> bool:
        return (
            model is not None
            and band == Band.LOW
            and sender is not None
            and scores.get((key, sender), 0.0) >= model.threshold
        )

    named_rules: set[str] = set()
    named_with: set[str] = set()
    flagged_rules: list[tuple[str, bool]] = []
    flagged_with: list[tuple[str, bool]] = []
    keys_rules: list[tuple[float, ...]] = []
    keys_with: list[tuple[float, ...]] = []
    order = list(leads)
    for key in order:
        lead = leads[key]
        by_rules = by_model = False
        for sender in lead.senders:
            if sender.sender is None:
                continue
            if sender.band >= Band.MEDIUM:
                named_rules.add(sender.sender)
                named_with.add(sender.sender)
                by_rules = True
            elif raised(key, sender.sender, sender.band):
                named_with.add(sender.sender)
                by_model = True
        source = sources.get(key, found.source)
        if by_rules:
            flagged_rules.append((source, relevant[key]))
        if by_rules or by_model:
            flagged_with.append((source, relevant[key]))
        lead_score = max(
            (scores.get((key, sender.sender or ""), 0.0) for sender in lead.senders), default=0.0
        )
        keys_rules.append((float(lead.band),))
        keys_with.append((float(lead.band), lead_score if lead.band > Band.NONE else 0.0))
    wanted = [relevant[key] for key in order]
    rules = {
        "authors": f05(named_rules, predators),
        "recall_at": [recall_at(keys_rules, wanted, share) for share in SHARES],
        "false_leads": false_leads(flagged_rules),
        "leads_by_band": {
            str(band): sum(1 for lead in leads.values() if lead.band == band)
            for band in (Band.LOW, Band.MEDIUM, Band.HIGH)
        },
    }
    result: dict[str, Any] = {
        "conversations": len(order),
        "with_ground_truth_author": sum(wanted),
        "authors": len({author for names in writers.values() for author in names}),
        "predators": len(predators),
        "rules": rules,
    }
    if model is not None:
        best: dict[str, float] = {}
        for (_, author), score in scores.items():
            best[author] = max(score, best.get(author, 0.0))
        result["with_model"] = {
            "authors": f05(named_with, predators),
            "recall_at": [recall_at(keys_with, wanted, share) for share in SHARES],
            "false_leads": false_leads(flagged_with),
        }
        result["model_alone"] = {
            "note": "for comparison with the published systems only: Warden never lets the model make a lead",
            "authors": f05({a for a, s in best.items() if s >= model.threshold}, predators),
        }
    return result


def published() -> dict[str, Any]:
    """The published PAN 2012 results, as Warden holds them (``pan2012_published.json``, with sources)."""
    data: dict[str, Any] = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return data


def run_conversation_validation(
    options: ConversationValidationOptions, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Read, split or pair, train a throwaway model, measure; the result (see docs/validation.md).

    Raises:
        CorpusError: a corpus or a ground truth cannot be used.
        UsageError: the options cannot work together.
    """
    say = progress or (lambda _text: None)
    if not 0 < options.held_out < 1:
        raise UsageError("--held-out must be between 0 and 1")
    if options.test_truth is not None and options.test_corpus is None:
        raise UsageError("--test-truth needs --test-corpus")
    started = time.monotonic()
    say(f"reading {options.corpus} ...")
    first = _read(options.corpus, options.truth, options.limits)
    corpus: dict[str, Any] = {"corpus": _describe(first)}
    if options.test_corpus is not None:
        say(f"reading {options.test_corpus} ...")
        test = _read(options.test_corpus, options.test_truth, options.limits)
        corpus["test_corpus"] = _describe(test)
        train_part, measured, predators = first.found, test.found, test.truth.predators
        split_text = "a model trained on the corpus, measured on the test corpus"
    else:
        train_part, measured = split(first.found, options.held_out, options.seed)
        predators = first.truth.predators & corpus_authors(measured)
        split_text = f"{options.held_out:.0%} of the conversations held out (seed {options.seed})"
    if not predators:
        raise CorpusError(
            "no author the ground truth names writes in the measured conversations: nothing to find"
        )
    model: TextModel | None = None
    model_note: dict[str, Any]
    try:
        say(f"training a throwaway model on {len(train_part.conversations):,} conversations ...")
        run = train_model(
            "validation",
            author_documents(train_part),
            first.truth.predators,
            {"corpus_sha256": corpus["corpus"]["sha256"]},
        )
        model = run.model
        model_note = {
            "available": True,
            "documents": model.about["documents"],
            "positive_documents": model.about["positive_documents"],
            "features": model.about["features"],
            "threshold": model.threshold,
            "scikit_learn": model.about["scikit_learn"],
            "training": model.about["training"],
        }
    except DependencyMissingError as missing:
        model_note = {"available": False, "note": f"{missing.message}: the rules alone were measured"}
    say(f"measuring {len(measured.conversations):,} conversations ...")
    return {
        "schema": SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "date": utc_now(),
        "duration_seconds": round(time.monotonic() - started, 1),
        **corpus,
        "options": {"split": split_text, "held_out": options.held_out, "seed": options.seed},
        "model": model_note,
        "measured": measure(measured, predators, model),
        "published": published(),
    }


def rows(result: Mapping[str, Any]) -> Sequence[tuple[str, Mapping[str, Any]]]:
    """(name, measures) of each method measured, in the order a table shows them."""
    measured = result["measured"]
    named = [("rules", measured["rules"])]
    if "with_model" in measured:
        named.append(("rules with the model", measured["with_model"]))
    return named

"""A trained text model's score shown beside a grooming lead: a secondary reason, never a lead of its own.

Only a conversation in which a rule fired (a lead of band low or above) is scored; a conversation the rules
pass over gets no lead however high the model scores it, and the model never changes a band. The reason names
the model, when it was trained, the sender scored, the score against the model's threshold and the features
that weighed most, and says that the score is not a finding and not a probability that anyone is anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from warden.conversations.indicators import Band, Lead
from warden.conversations.model import Message
from warden.conversations.text_model import TextModel, Weighed

SECONDARY_NOTICE = "a secondary signal from a text model, not a finding; it never makes a lead by itself"


@dataclass(frozen=True, slots=True)
class ModelScore:
    """The model's score of what one sender of a lead's messages wrote in the conversation."""

    sender: str | None
    score: float
    above_threshold: bool
    features: tuple[Weighed, ...]


def sender_text(messages: Sequence[Message], sender: str | None) -> str:
    """What one sender wrote in a conversation, as one text (what the model was trained on)."""
    return "\n".join(
        message.text
        for message in messages
        if message.kind == "message" and message.text and message.sender == sender
    )


def score_senders(
    lead: Lead, messages: Sequence[Message], model: TextModel, top: int = 5
) -> list[ModelScore]:
    """The model's score of each sender the lead names, in the lead's order; none for a conversation
    without a lead."""
    if lead.band == Band.NONE:
        return []
    scores = []
    for sender in lead.senders:
        text = sender_text(messages, sender.sender)
        score = model.score(text)
        scores.append(
            ModelScore(sender.sender, score, score >= model.threshold, tuple(model.explain(text, top)))
        )
    return scores


def _feature(weighed: Weighed) -> str:
    kind, _, text = weighed.feature.partition(":")
    shown = f"words '{text}'" if kind == "w" else f"characters '{text}'"
    return f"{shown} ({weighed.contribution:+.2f})"


def model_reason(model: TextModel, score: ModelScore) -> str:
    """The reason a lead shows for one sender's score."""
    who = f"messages from {score.sender}" if score.sender is not None else "messages without a sender"
    side = "at or above" if score.above_threshold else "below"
    trained = str(model.about.get("trained", "?"))[:10]
    weighed = ", ".join(_feature(weighed) for weighed in score.features) or "none"
    return (
        f"{SECONDARY_NOTICE}: text model {model.name!r} (trained {trained}) scores {who} "
        f"at {score.score:.2f}, "
        f"{side} its threshold {model.threshold:.2f}; features that weighed most: {weighed}"
    )


def with_model_scores(
    lead: Lead,
    messages: Sequence[Message],
    model: TextModel,
    top: int = 5,
    scores: Sequence[ModelScore] | None = None,
) -> Lead:
    """The lead with one more reason per sender: the model's score and what weighed in it (``scores`` where
    :func:`score_senders` gave them already). The band, the hits and the stages are the lead's own, unchanged;
    a conversation without a lead is returned as it is."""
    if scores is None:
        scores = score_senders(lead, messages, model, top)
    if not scores:
        return lead
    return replace(lead, reasons=lead.reasons + tuple(model_reason(model, score) for score in scores))

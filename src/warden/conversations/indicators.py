"""Grooming indicators in a conversation: which rules fire in which messages, from whom, the stages in the
order they first appear, how fast it escalates, and a lead with an ordinal band and the reasons for it.

A lead is for an examiner to read, never evidence or a finding. Warden cannot tell anyone's age or intent, so
a lead never says who is a child, a victim or an offender: it names a participant only as the sender of the
messages that fired. The band is read from :data:`BAND_TABLE` (documented in
``docs/conversations-indicators.md``), never a probability.

Pure: messages in (:class:`~warden.conversations.model.Message`), a :class:`Lead` out. Each message is
normalised once and tried against one expression of every rule; only messages where something fires are
matched rule by rule and mapped back to the original text for highlighting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from warden.conversations.indicator_rules import RuleSet, Stage, bundled_rules
from warden.conversations.model import Conversations, Message, RowProblem
from warden.conversations.normalise import locate, normalise

LEAD_NOTICE = "lead for review, not evidence"
"""What every lead says of itself, wherever it is shown."""

FAST_SECONDS = 3600
"""Escalation is fast when a late stage comes within this many seconds of the sender's first indicator..."""

FAST_MESSAGES = 30
"""...or within this many messages of it (whichever is known and met)."""


class Band(IntEnum):
    """How strongly a conversation asks to be read: an order, not a probability."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class ScanLimits:
    """Bounds on what one conversation may cost: hostile text ends as problems, not hangs.

    Attributes:
        text_chars: the longest text scanned of one message; the rest is left, with a problem.
        hits_per_message: most hits kept from one message.
        hits: most hits kept from one conversation.
    """

    text_chars: int = 100_000
    hits_per_message: int = 50
    hits: int = 10_000


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired in a message.

    Attributes:
        message: the message's index in the conversation's messages as given.
        span: where it matched in the message's text (characters), for highlighting.
        exact: False when the span could not be mapped back and covers the whole (scanned) text.
        matched: the normalised text the rule matched.
    """

    rule: str
    category: str
    stage: str
    message: int
    provenance: str
    sender: str | None
    utc: datetime | None
    span: tuple[int, int]
    exact: bool
    matched: str


@dataclass(frozen=True, slots=True)
class Escalation:
    """From a sender's first indicator to the first of the late stages (sexual, approach) after it.

    Attributes:
        seconds: between the two messages, None when either time is unknown.
        messages: how many messages of the conversation later the late stage came.
        fast: within :data:`FAST_SECONDS` or :data:`FAST_MESSAGES`.
    """

    start: Hit
    reached: Hit
    seconds: float | None
    messages: int
    fast: bool


@dataclass(frozen=True, slots=True)
class SenderLead:
    """What fired in one participant's messages, and the band it gives."""

    sender: str | None
    stages: tuple[tuple[str, Hit], ...]
    concern: int
    in_order: bool
    escalation: Escalation | None
    band: Band
    row: int


@dataclass(frozen=True, slots=True)
class Lead:
    """A conversation's lead: the band, why, and every hit to highlight.

    Attributes:
        stages: (stage id, first hit) in the order the stages first appear, whoever sent them.
        senders: per sender of messages that fired, highest band first.
        rules_version: the rule set's version.
        problems: what could not be scanned whole (over-long text, too many hits).
        notice: :data:`LEAD_NOTICE`.
    """

    conversation: str
    band: Band
    reasons: tuple[str, ...]
    hits: tuple[Hit, ...]
    stages: tuple[tuple[str, Hit], ...]
    senders: tuple[SenderLead, ...]
    rules_version: str
    problems: tuple[RowProblem, ...]
    notice: str = LEAD_NOTICE


@dataclass(frozen=True, slots=True)
class BandRow:
    """A row of the band table: the first row whose test holds for one sender's messages gives the band."""

    band: Band
    text: str
    holds: Callable[[int, int, bool], bool]
    """(stages seen, of them concern stages, escalated fast in order) -> whether the row applies."""


BAND_TABLE: tuple[BandRow, ...] = (
    BandRow(
        Band.HIGH,
        "at least two concern stages (risk assessment, isolation, sexualisation) and three stages in all",
        lambda stages, concern, fast: concern >= 2 and stages >= 3,
    ),
    BandRow(
        Band.HIGH,
        "a concern stage and another stage, escalating fast: a late stage (sexualisation, approach) after "
        f"an earlier one within {FAST_SECONDS // 60} minutes or {FAST_MESSAGES} messages",
        lambda stages, concern, fast: concern >= 1 and stages >= 2 and fast,
    ),
    BandRow(
        Band.MEDIUM,
        "a concern stage and at least one other stage",
        lambda stages, concern, fast: concern >= 1 and stages >= 2,
    ),
    BandRow(Band.LOW, "any indicator", lambda stages, concern, fast: stages >= 1),
)
"""The band table, read top down for each sender; the conversation takes the highest sender's band."""


def _scan_message(
    index: int, message: Message, rules: RuleSet, limits: ScanLimits, problems: list[RowProblem]
) -> list[Hit]:
    text = message.text or ""
    if len(text) > limits.text_chars:
        problems.append(
            RowProblem(
                message.provenance,
                f"only the first {limits.text_chars:,} of {len(text):,} characters were scanned "
                "for indicators",
            )
        )
        text = text[: limits.text_chars]
    normalised = normalise(text)
    found = rules.find(normalised, limits.hits_per_message)
    if not found:
        return []
    if len(found) > limits.hits_per_message:
        problems.append(
            RowProblem(
                message.provenance, f"more than {limits.hits_per_message} indicators; the first ones kept"
            )
        )
        found = found[: limits.hits_per_message]
    places = locate(text, normalised, [(start, end) for _, start, end in found])
    return [
        Hit(
            rule=rule.id,
            category=rule.category,
            stage=rule.stage,
            message=index,
            provenance=message.provenance,
            sender=message.sender,
            utc=message.utc,
            span=(low, high),
            exact=exact,
            matched=normalised[start:end],
        )
        for (rule, start, end), (low, high, exact) in zip(found, places, strict=True)
    ]


def _first_stages(hits: Iterable[Hit]) -> tuple[tuple[str, Hit], ...]:
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.stage, hit)
    return tuple(seen.items())


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    try:
        return (end - start).total_seconds()
    except TypeError:  # one aware, one naive: not comparable
        return None


def _sender_lead(sender: str | None, hits: Sequence[Hit], stages: dict[str, Stage]) -> SenderLead:
    first = _first_stages(hits)
    concern = sum(stages[stage].concern for stage, _ in first)
    start = hits[0]
    reached = next((hit for hit in hits if stages[hit.stage].late), None)
    in_order = reached is not None and not stages[start.stage].late
    escalation = None
    if in_order and reached is not None:
        seconds = _seconds(start.utc, reached.utc)
        messages = reached.message - start.message
        fast = messages <= FAST_MESSAGES or (seconds is not None and 0 <= seconds <= FAST_SECONDS)
        escalation = Escalation(start, reached, seconds, messages, fast)
    fast = escalation is not None and escalation.fast
    for row, entry in enumerate(BAND_TABLE, 1):
        if entry.holds(len(first), concern, fast):
            return SenderLead(sender, first, concern, in_order, escalation, entry.band, row)
    return SenderLead(sender, first, concern, in_order, escalation, Band.NONE, 0)


def _who(sender: str | None) -> str:
    return (
        f"messages from {sender}" if sender is not None else "messages whose sender the source does not say"
    )


def _reason(lead: SenderLead, stages: dict[str, Stage]) -> str:
    names = ", ".join(stages[stage].name for stage, _ in lead.stages)
    text = (
        f"{_who(lead.sender)}: {len(lead.stages)} stage(s) in the order they first appear ({names}), "
        f"{lead.concern} of them concern stage(s); band {lead.band} by row {lead.row}: "
        f"{BAND_TABLE[lead.row - 1].text}"
    )
    if lead.escalation is not None:
        escalation = lead.escalation
        when = f", {escalation.seconds / 60:.0f} minutes" if escalation.seconds is not None else ""
        text += (
            f"; reached {stages[escalation.reached.stage].name} {escalation.messages} message(s){when} after "
            f"the first indicator ({'fast' if escalation.fast else 'not fast'})"
        )
    return text


def scan_conversation(
    conversation: str,
    messages: Sequence[Message],
    rules: RuleSet | None = None,
    limits: ScanLimits = ScanLimits(),
) -> Lead:
    """The lead of one conversation's messages, in the order the source gives them.

    System events and messages without text are passed over; text longer than ``limits.text_chars`` is
    scanned to that length, with a problem naming the message.
    """
    rules = rules or bundled_rules()
    stages = dict(rules.stages)
    problems: list[RowProblem] = []
    hits: list[Hit] = []
    for index, message in enumerate(messages):
        if message.kind != "message" or not message.text:
            continue
        hits.extend(_scan_message(index, message, rules, limits, problems))
        if len(hits) > limits.hits:
            problems.append(
                RowProblem(message.provenance, f"over {limits.hits:,} indicators; the scan stopped here")
            )
            del hits[limits.hits :]
            break
    by_sender: dict[str | None, list[Hit]] = {}
    for hit in hits:
        by_sender.setdefault(hit.sender, []).append(hit)
    senders = sorted(
        (_sender_lead(sender, sender_hits, stages) for sender, sender_hits in by_sender.items()),
        key=lambda lead: (-lead.band, lead.row),
    )
    band = senders[0].band if senders else Band.NONE
    reasons = tuple(_reason(lead, stages) for lead in senders)
    return Lead(
        conversation,
        band,
        reasons or ("no indicator fired",),
        tuple(hits),
        _first_stages(hits),
        tuple(senders),
        rules.version,
        tuple(problems),
    )


def conversation_leads(
    found: Conversations, rules: RuleSet | None = None, limits: ScanLimits = ScanLimits()
) -> list[Lead]:
    """A lead for every conversation a reader recovered (messages grouped by conversation, in the source's
    order), those in which nothing fired included, at band ``none``."""
    grouped: dict[str, list[Message]] = {conversation.key: [] for conversation in found.conversations}
    for message in found.messages:
        grouped.setdefault(message.conversation, []).append(message)
    return [scan_conversation(key, messages, rules, limits) for key, messages in grouped.items()]

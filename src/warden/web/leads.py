"""The Leads queue: grooming leads computed from the conversations the case holds, and a lead as its page
shows it (rules that fired, messages in context with the matched words marked, who sent them, the stages in
time). A lead is for an examiner to read, never evidence: Warden cannot tell age or intent.

Leads are computed when first asked for and kept for the running app (:class:`LeadCache`), then computed
again whenever the conversations the case holds change (a scan stored more). They are never stored: the case
holds only the examiners' decisions on them (:mod:`warden.case.lead_decisions`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from warden.case.conversation_messages import StoredConversation, StoredMessage, all_conversations, signature
from warden.conversations.indicator_rules import RuleSet, bundled_rules
from warden.conversations.indicators import Band, Hit, Lead, scan_conversation
from warden.conversations.model import Participant

NOTICE = "Lead for review, not evidence: Warden cannot tell age or intent"
"""The banner on every page of the Leads queue."""

CONTEXT = 3
"""Messages shown before and after each message where a rule fired."""

SHOWN_MESSAGES = 400
"""Most messages one lead's page shows (the rest are counted)."""

SHOWN_CHARACTERS = 5_000
"""Most characters of one message a page shows (the rest are counted)."""


@dataclass(frozen=True, slots=True)
class QueuedLead:
    """A conversation whose lead is above band ``none``, as the queue lists it."""

    conversation: StoredConversation
    lead: Lead
    messages: int

    @property
    def order(self) -> tuple[int, int, float, float, str]:
        """Highest band first, then fast escalation, fewest seconds, fewest messages."""
        escalation = self.lead.senders[0].escalation if self.lead.senders else None
        if escalation is None:
            return (-self.lead.band, 2, math.inf, math.inf, self.conversation.ref)
        seconds = escalation.seconds if escalation.seconds is not None else math.inf
        return (
            -self.lead.band,
            0 if escalation.fast else 1,
            seconds,
            escalation.messages,
            self.conversation.ref,
        )


def find_leads(engine: Engine, rules: RuleSet | None = None) -> list[QueuedLead]:
    """Every conversation of the case with a lead above ``none``, in the queue's order."""
    rules = rules or bundled_rules()
    found = []
    with engine.connect() as connection:
        for conversation, stored in all_conversations(connection):
            lead = scan_conversation(conversation.ref, [m.message for m in stored], rules)
            if lead.band > Band.NONE:
                found.append(QueuedLead(conversation, lead, len(stored)))
    return sorted(found, key=lambda queued: queued.order)


class LeadCache:
    """The leads of the running app's case, computed again when the stored conversations change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._leads: list[QueuedLead] = []

    def leads(self, engine: Engine) -> list[QueuedLead]:
        """The case's leads, from the last computation while the conversations are unchanged."""
        with self._lock:
            with engine.connect() as connection:
                now = signature(connection)
            if now != self._signature:
                self._leads = find_leads(engine)
                self._signature = now
            return list(self._leads)


def who(key: str | None, participants: Sequence[Participant]) -> str:
    """A sender as the source names them: display name and key, or the key alone."""
    if key is None:
        return "sender not recorded by the source"
    for person in participants:
        if person.key == key:
            named = f"{person.name} ({key})" if person.name else key
            return f"{named}, the device's own account" if person.is_owner else named
    return key


def source_names(rules: RuleSet, ids: Sequence[str]) -> list[tuple[str, str]]:
    """(short citation, full title) of each source, for the rules' table."""
    named = []
    for source_id in ids:
        source = rules.sources.get(source_id)
        if source is None:
            named.append((source_id, source_id))
            continue
        authors = source.authors.split(",")
        first = authors[0].strip() + (" et al." if len(authors) > 2 else "")
        named.append((f"{first} ({source.year})", source.title))
    return named


def marked(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each marked or not, the spans merged where they overlap. The template
    escapes every piece; nothing here is HTML."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """A message on a lead's page: who sent it, when, its text in marked pieces, and the rules it fired."""

    index: int
    sender: str
    when: str
    pieces: list[tuple[str, bool]]
    more: int
    attachments: tuple[str, ...]
    rules: tuple[str, ...]
    fired: bool
    gap_before: int
    provenance: str
    deleted: bool
    kind: str


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A rule that fired, with its category, stage, sources and how often."""

    rule: str
    category: str
    stage: str
    sources: list[tuple[str, str]]
    hits: int
    senders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StageRow:
    """A stage on the lead's timeline, at its first appearance."""

    stage: str
    when: str
    sender: str
    index: int


def _when(message: StoredMessage) -> str:
    utc = message.message.utc
    return (
        utc.strftime("%Y-%m-%d %H:%M:%S UTC") if utc is not None else f"stored as {message.message.raw_time}"
    )


def shown_messages(
    lead: Lead, conversation: StoredConversation, stored: Sequence[StoredMessage]
) -> tuple[list[ShownMessage], int]:
    """The messages where rules fired, each with :data:`CONTEXT` before and after, and how many more there
    were than :data:`SHOWN_MESSAGES`."""
    by_message: dict[int, list[Hit]] = {}
    for hit in lead.hits:
        by_message.setdefault(hit.message, []).append(hit)
    wanted = sorted(
        {
            index
            for fired in by_message
            for index in range(max(0, fired - CONTEXT), min(len(stored), fired + CONTEXT + 1))
        }
    )
    left = max(0, len(wanted) - SHOWN_MESSAGES)
    shown = []
    previous = -1
    for index in wanted[:SHOWN_MESSAGES]:
        message = stored[index].message
        text = message.text or ""
        hits = by_message.get(index, [])
        cut = text[:SHOWN_CHARACTERS]
        shown.append(
            ShownMessage(
                index=index,
                sender=who(message.sender, conversation.participants),
                when=_when(stored[index]),
                pieces=marked(cut, [hit.span for hit in hits]),
                more=len(text) - len(cut),
                attachments=stored[index].attachments,
                rules=tuple(dict.fromkeys(hit.rule for hit in hits)),
                fired=bool(hits),
                gap_before=index - previous - 1,
                provenance=message.provenance,
                deleted=message.deleted,
                kind=message.kind,
            )
        )
        previous = index
    return shown, left


def rule_rows(lead: Lead, conversation: StoredConversation, rules: RuleSet) -> list[RuleRow]:
    """The rules that fired, in the order they first fired."""
    by_rule: dict[str, list[Hit]] = {}
    for hit in lead.hits:
        by_rule.setdefault(hit.rule, []).append(hit)
    known = {rule.id: rule for rule in rules.rules}
    rows = []
    for rule_id, hits in by_rule.items():
        rule = known.get(rule_id)
        category = rules.categories.get(hits[0].category)
        stage = rules.stages.get(hits[0].stage)
        rows.append(
            RuleRow(
                rule=rule_id,
                category=category.name if category is not None else hits[0].category,
                stage=stage.name if stage is not None else hits[0].stage,
                sources=source_names(rules, rule.sources if rule is not None else ()),
                hits=len(hits),
                senders=tuple(dict.fromkeys(who(hit.sender, conversation.participants) for hit in hits)),
            )
        )
    return rows


def stage_rows(
    lead: Lead, conversation: StoredConversation, stored: Sequence[StoredMessage], rules: RuleSet
) -> list[StageRow]:
    """The stages in the order they first appear, with when and from whom."""
    return [
        StageRow(
            stage=rules.stages[stage].name if stage in rules.stages else stage,
            when=_when(stored[hit.message]),
            sender=who(hit.sender, conversation.participants),
            index=hit.message,
        )
        for stage, hit in lead.stages
    ]

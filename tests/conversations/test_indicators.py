"""Leads from conversations: planted indicators found in order, from their sender, with spans to highlight;
bands read from the table (stages, order, one participant, speed); adults flirting never above low; a lead
names no one as child, victim or offender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from warden.conversations.indicators import (
    BAND_TABLE,
    FAST_MESSAGES,
    LEAD_NOTICE,
    Band,
    conversation_leads,
    scan_conversation,
)
from warden.conversations.model import Conversation, Conversations, Direction, Message

A = "+447700900101"  # made-up numbers from Ofcom's drama range
B = "+447700900202"
START = datetime(2026, 3, 12, 16, 0, tzinfo=UTC)

PLANTED = [
    (A, "hiya! how old are you?", "age_elicitation"),
    (B, "14, why", None),
    (A, "where do you live", "personal_details"),
    (B, "near the big park lol", None),
    (A, "you're so mature for your age", "trust_compliments"),
    (A, "don't tell your mum we talk", "secrecy_isolation"),
    (A, "delete this chat after ok", "secrecy_isolation"),
    (A, "add me on snap", "platform_move"),
    (A, "i'll buy you a phone", "gifts_money"),
    (B, "ok", None),
    (A, "send me a pic", "image_requests"),
    (A, "we could meet after school", "arranging_meeting"),
    (A, "are your parents home?", "watched_checks"),
]

ADULTS_FLIRTING = [
    [
        ("+447700900301", "you look gorgeous in that photo from the wedding"),
        ("+447700900302", "haha stop it, you scrub up well yourself"),
        ("+447700900301", "we should meet for dinner on friday"),
        ("+447700900302", "i'd love that, the italian place?"),
        ("+447700900301", "perfect. can't stop thinking about you"),
        ("+447700900302", "miss you already xx"),
        ("+447700900301", "i love you, you know that?"),
        ("+447700900302", "love you too 😘"),
    ],
    [
        ("+447700900303", "you're so beautiful, seriously"),
        ("+447700900304", "aw thank you 😍 you're sweet"),
        ("+447700900303", "will you be my girlfriend? officially"),
        ("+447700900304", "yes!! 💋"),
        ("+447700900303", "where do you live again, i'll pick you up at 7"),
        ("+447700900304", "42 station road, flat 3"),
        ("+447700900303", "can we meet up at the station instead? parking is a nightmare"),
        ("+447700900304", "i'll buy you a present for our anniversary"),
    ],
    [
        ("+447700900305", "u r stunning"),
        ("+447700900305", "do you have a boyfriend?"),
        ("+447700900306", "no, single, you?"),
        ("+447700900305", "let's meet up, drinks on saturday?"),
        ("+447700900306", "luv u so much already haha"),
        ("+447700900305", "i'll always be here for you"),
    ],
]

EVERYDAY = [
    "Reminder: school photos on Thursday, uniform please",
    "can you grab milk on the way home?",
    "Your parcel will be delivered between 2pm and 4pm",
    "I'll pick up the cake at 3",
    "Parents evening is on Tuesday, please book a slot",
    "what time is football practice on saturday",
    "please send the permission slip back by friday",
    "the shop will give you a voucher if the parcel is late",
    "did you tell your teacher you were ill?",
    "Dentist can do 9:15 on Tuesday",
]


def conversation(
    lines: Sequence[tuple[str, str]], key: str = "chat-1", step: timedelta = timedelta(minutes=1)
) -> list[Message]:
    return [
        Message(
            conversation=key,
            sender=sender,
            direction=Direction.SENT if sender == lines[0][0] else Direction.RECEIVED,
            utc=START + step * index,
            raw_time=str(index),
            text=text,
            provenance=f"phone.E01//msgstore.db//messages:{index + 1}",
        )
        for index, (sender, text) in enumerate(lines)
    ]


def test_every_planted_indicator_is_found_in_order_from_its_sender() -> None:
    lead = scan_conversation("chat-1", conversation([(s, t) for s, t, _ in PLANTED]))
    expected = [(index, category) for index, (_, _, category) in enumerate(PLANTED) if category]
    found = [(hit.message, hit.category) for hit in lead.hits]
    assert found == expected
    assert {hit.sender for hit in lead.hits} == {A}
    assert [stage for stage, _ in lead.stages] == [
        "risk",
        "access",
        "trust",
        "isolation",
        "sexual",
        "approach",
    ]
    assert lead.band is Band.HIGH
    assert lead.notice == LEAD_NOTICE == "lead for review, not evidence"
    assert lead.rules_version
    (sender,) = lead.senders
    assert sender.sender == A and sender.concern == 3 and sender.row == 1
    assert sender.escalation is not None
    assert sender.escalation.start.message == 0 and sender.escalation.reached.message == 10
    assert sender.escalation.messages == 10 and sender.escalation.seconds == 600
    assert A in lead.reasons[0] and "row 1" in lead.reasons[0]


def test_each_hit_carries_its_provenance_and_a_span_of_the_words_as_written() -> None:
    lines = [(A, "Hiya!! HOW old r u??"), (A, "s3nd m3 a p1c 📸 pleaseeee"), (A, "Don\u2019t tell ur mum 🤫")]
    lead = scan_conversation("chat-1", conversation(lines))
    highlighted = [lines[hit.message][1][hit.span[0] : hit.span[1]] for hit in lead.hits]
    assert highlighted == ["HOW old r u", "s3nd m3 a p1c", "Don\u2019t tell ur mum"]
    assert all(hit.exact for hit in lead.hits)
    assert [hit.provenance for hit in lead.hits] == [
        "phone.E01//msgstore.db//messages:1",
        "phone.E01//msgstore.db//messages:2",
        "phone.E01//msgstore.db//messages:3",
    ]
    assert [hit.matched for hit in lead.hits] == ["how old r u", "send me a pic", "dont tell ur mum"]


@pytest.mark.parametrize("chat", ADULTS_FLIRTING, ids=["dinner", "girlfriend", "drinks"])
def test_adults_flirting_never_rise_above_low(chat: list[tuple[str, str]]) -> None:
    lead = scan_conversation("adults", conversation(chat))
    assert lead.hits, "compliments, plans to meet and affection are indicators, of the lowest band"
    assert lead.band <= Band.LOW
    assert {stage for stage, _ in lead.stages} <= {"access", "trust", "approach"}


def test_everyday_talk_of_parents_teachers_and_shops_raises_no_lead() -> None:
    lead = scan_conversation("family", conversation([(A, text) for text in EVERYDAY]))
    assert lead.band is Band.NONE and lead.hits == ()
    assert lead.reasons == ("no indicator fired",)


def test_a_concern_stage_with_another_is_medium_and_alone_is_low() -> None:
    medium = scan_conversation("c", conversation([(A, "how old are you"), (A, "you're so pretty")]))
    assert medium.band is Band.MEDIUM and medium.senders[0].row == 3
    low = scan_conversation("c", conversation([(A, "don't tell anyone"), (A, "delete this chat")]))
    assert low.band is Band.LOW


def test_stages_sent_by_different_participants_are_not_added_together() -> None:
    # one participant asks an age, the other asks for a picture and sends a compliment: no one sender shows
    # a concern stage with another stage
    lines = [(A, "how old are you?"), (B, "send me a pic"), (B, "you're so pretty")]
    lead = scan_conversation("c", conversation(lines))
    assert {sender.sender for sender in lead.senders} == {A, B}
    assert lead.band is Band.MEDIUM  # B alone: sexual (concern) + trust
    assert lead.senders[0].sender == B
    only_a = scan_conversation("c", conversation([(A, "how old are you?"), (B, "send me a pic")]))
    assert only_a.band is Band.LOW


def test_fast_escalation_from_an_earlier_stage_raises_the_band() -> None:
    filler = [(B, "lol ok")] * 3
    fast = scan_conversation("c", conversation([(A, "how old are you"), *filler, (A, "send me a pic")]))
    assert fast.band is Band.HIGH and fast.senders[0].row == 2
    assert fast.senders[0].escalation is not None and fast.senders[0].escalation.fast
    slow_lines = [(A, "how old are you"), *[(B, "lol ok")] * (FAST_MESSAGES + 5), (A, "send me a pic")]
    slow = scan_conversation("c", conversation(slow_lines, step=timedelta(hours=6)))
    assert slow.band is Band.MEDIUM
    escalation = slow.senders[0].escalation
    assert escalation is not None and not escalation.fast
    assert escalation.messages == FAST_MESSAGES + 6 and escalation.seconds == (FAST_MESSAGES + 6) * 6 * 3600
    # starting at the late stage is not escalating "in order"
    backwards = scan_conversation("c", conversation([(A, "send me a pic"), (A, "how old are you")]))
    assert backwards.band is Band.MEDIUM and backwards.senders[0].escalation is None


def test_a_lead_names_participants_only_as_senders_never_as_child_victim_or_offender() -> None:
    lead = scan_conversation("chat-1", conversation([(s, t) for s, t, _ in PLANTED]))
    words = " ".join(lead.reasons).lower()
    for label in ("child", "victim", "offender", "groomer", "predator", "minor", "abuser"):
        assert label not in words
    assert f"messages from {A}" in words


def test_system_events_and_messages_without_text_are_passed_over() -> None:
    messages = conversation([(A, "how old are you"), (A, "send me a pic")])
    messages[0] = Message(**{**_fields(messages[0]), "kind": "system"})
    messages[1] = Message(**{**_fields(messages[1]), "text": None})
    assert scan_conversation("c", messages).band is Band.NONE


def _fields(message: Message) -> dict[str, object]:
    return {name: getattr(message, name) for name in Message.__slots__}  # type: ignore[attr-defined]


def test_unknown_times_still_give_a_lead_by_message_count() -> None:
    messages = [
        Message(**{**_fields(m), "utc": None})
        for m in conversation([(A, "how old are you"), (B, "ok"), (A, "send me a pic")])
    ]
    lead = scan_conversation("c", messages)
    escalation = lead.senders[0].escalation
    assert escalation is not None and escalation.seconds is None and escalation.messages == 2
    assert lead.band is Band.HIGH


def test_every_conversation_a_reader_recovered_gets_a_lead() -> None:
    found = Conversations(
        source="test",
        conversations=[
            Conversation("one", "test"),
            Conversation("two", "test"),
            Conversation("quiet", "test"),
        ],
        messages=conversation([(s, t) for s, t, _ in PLANTED], key="one")
        + conversation(ADULTS_FLIRTING[0], key="two"),
    )
    leads = {lead.conversation: lead.band for lead in conversation_leads(found)}
    assert leads == {"one": Band.HIGH, "two": Band.LOW, "quiet": Band.NONE}


def test_the_band_table_is_ordinal_and_ends_with_the_lowest_band() -> None:
    bands = [row.band for row in BAND_TABLE]
    assert bands == sorted(bands, reverse=True)
    assert bands[-1] is Band.LOW and str(Band.HIGH) == "high"

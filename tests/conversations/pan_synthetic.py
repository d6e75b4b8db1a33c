"""A synthetic research corpus in the PAN 2012 layout, built in the test: benign, non-explicit short chats.

Some conversations plant the indicator phrases the indicator tests use, sent by made-up "ground truth"
authors; the rest are everyday chats and adults flirting. No real corpus is committed or fetched: this one is
made from the lines below with a seeded random generator, so the same seed gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

PLANTED = (
    "hiya! how old are you?",
    "where do you live",
    "you're so mature for your age",
    "don't tell your mum we talk",
    "delete this chat after ok",
    "add me on snap",
    "i'll buy you a phone",
    "send me a pic",
    "we could meet after school",
    "are your parents home?",
)
"""Lines of tests/conversations/test_indicators.py's planted conversation."""

STYLE = (
    "hey sweetie how was ur day",
    "hows my favourite sweetie",
    "this is just our little chat ok",
    "missed chatting w u hun",
    "sending hugs hun",
    "aw ur so sweet",
)
"""Benign lines in the planted authors' own style, for the model to learn (none fires a rule)."""

REPLIES = ("ok", "lol", "idk", "why", "maybe", "haha", "cool", "its fine", "busy rn", "k")

EVERYDAY = (
    "can you grab milk on the way home?",
    "your parcel will be delivered between 2pm and 4pm",
    "what time is football practice on saturday",
    "please send the permission slip back by friday",
    "did you see the match last night",
    "running late, traffic on the ring road",
    "the train is delayed again",
    "dinner at 7? i'm making pasta",
    "can you feed the cat while we're away",
    "the meeting moved to thursday",
    "happy birthday!! have a great one",
    "has anyone got the notes from today's lecture",
    "the wifi is down again",
    "thanks for helping with the move",
    "which film do you want to watch",
)

PARTY = (
    "how old are you going to be on saturday?",
    "add me on snap, i'll send the party details",
    "the cake is chocolate",
    "bring a jumper it might be cold",
)
"""A birthday party planned between friends: age and a move to another app, so a medium lead with no ground
truth author in it (a false lead the validation counts)."""

FLIRTING = (
    "you look gorgeous in that photo from the wedding",
    "we should meet for dinner on friday",
    "can't stop thinking about you",
    "miss you already xx",
    "you're so beautiful, seriously",
    "let's meet up, drinks on saturday?",
)


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    """The files written and what they hold."""

    xml: Path
    truth: Path
    predators: frozenset[str]
    planted: frozenset[str]
    """The ids of the conversations that plant indicators."""
    weak: frozenset[str]
    """The ground-truth authors whose conversations fire one trust rule only (a low band): the rules alone
    do not name them; their style is the planted authors'."""


def _author(rng: random.Random, kind: str, n: int) -> str:
    return f"{kind}{n:04d}{rng.getrandbits(32):08x}"


def _clock(minute: int) -> str:
    return f"{(minute // 60) % 24:02d}:{minute % 60:02d}"


def build_corpus(
    folder: Path,
    *,
    seed: int = 7,
    planted: int = 60,
    weak: int = 20,
    everyday: int = 200,
    flirting: int = 40,
    party: int = 10,
) -> SyntheticCorpus:
    """Write ``corpus.xml`` and ``corpus-predators.txt`` into ``folder``."""
    rng = random.Random(seed)
    offenders = [_author(rng, "g", n) for n in range(planted // 2)]
    quiet = [_author(rng, "h", n) for n in range(weak)]
    conversations: list[tuple[str, list[tuple[str, str]]]] = []
    planted_ids = set()
    for n in range(planted):
        key = f"c{rng.getrandbits(64):016x}"
        planted_ids.add(key)
        them, other = offenders[n % len(offenders)], _author(rng, "o", n)
        lines = [(them, line) for line in rng.sample(PLANTED, rng.randint(3, 6))]
        lines += [(them, line) for line in rng.sample(STYLE, 3)]
        lines += [(other, rng.choice(REPLIES)) for _ in range(rng.randint(4, 8))]
        rng.shuffle(lines)
        conversations.append((key, lines))
    for n, them in enumerate(quiet):
        key = f"c{rng.getrandbits(64):016x}"
        other = _author(rng, "q", n)
        lines = [(them, "you're so mature for your age")]
        lines += [(them, line) for line in rng.sample(STYLE, 4)]
        lines += [(other, rng.choice(REPLIES)) for _ in range(rng.randint(3, 6))]
        rng.shuffle(lines)
        conversations.append((key, lines))
    for n in range(everyday + flirting + party):
        key = f"c{rng.getrandbits(64):016x}"
        pair = (_author(rng, "a", n), _author(rng, "b", n))
        pool = PARTY if n >= everyday + flirting else FLIRTING if n >= everyday else EVERYDAY
        if pool is PARTY:
            conversations.append((key, [(pair[0], line) for line in PARTY] + [(pair[1], "cant wait")]))
            continue
        lines = [(pair[i % 2], rng.choice(pool)) for i in range(rng.randint(3, 6))]
        lines += [(pair[1], rng.choice(REPLIES)) for _ in range(rng.randint(1, 4))]
        conversations.append((key, lines))
    rng.shuffle(conversations)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<conversations>\n']
    for key, lines in conversations:
        parts.append(f"<conversation id={quoteattr(key)}>\n")
        minute = rng.randint(0, 1400)
        for line, (author, text) in enumerate(lines, 1):
            minute += rng.randint(0, 3)
            parts.append(
                f'<message line="{line}"><author>{escape(author)}</author><time>{_clock(minute)}</time>'
                f"<text>{escape(text)}</text></message>\n"
            )
        parts.append("</conversation>\n")
    parts.append("</conversations>\n")
    xml = folder / "corpus.xml"
    xml.write_text("".join(parts), encoding="utf-8")
    truth = folder / "corpus-predators.txt"
    # two ids no message has, as a ground truth made for a larger corpus would name
    named = [*offenders, *quiet, "g9999absent0001", "g9999absent0002"]
    truth.write_text("\n".join(named) + "\n", encoding="utf-8")
    return SyntheticCorpus(xml, truth, frozenset(offenders + quiet), frozenset(planted_ids), frozenset(quiet))

"""How fast the grooming-indicator scan reads messages, beside a naive loop of one ``re.search`` per rule.

Builds N synthetic, benign messages (200,000 by default; everyday talk about school runs, shopping, work and
weekends, with an indicator planted in about one message in 40) in conversations of 500 messages between two
senders, then, in one run and on the same messages:

1. ``warden.conversations.indicators.scan_conversation`` over every conversation: each message normalised
   once, one combined expression of every rule tried, the rules that fired found per category and mapped
   back to the original text; leads with bands.
2. The naive way: each message normalised once, then every rule's own compiled expression searched in turn.

It prints messages per second for both, by wall time and by this process's CPU time (the machine may be
shared: the load average is printed before and after), and checks that they found the same (message, rule)
pairs. Nothing is asserted about time; the issue's target is 20,000 messages a second on a 2-core machine.

    python benchmarks/bench_indicators.py [--messages 200000]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta

from warden.conversations.indicator_rules import bundled_rules
from warden.conversations.indicators import Band, scan_conversation
from warden.conversations.model import Direction, Message
from warden.conversations.normalise import normalise

BENIGN = (
    "running 10 mins late, traffic on the ring road",
    "can you grab milk and bread on the way home?",
    "Team meeting moved to 3pm, same room",
    "did the parcel arrive? tracking says delivered",
    "Happy birthday!!! hope you have a lovely day 🎉",
    "what time is football practice on saturday",
    "I've sent the invoice, let me know if the numbers look right",
    "lol that film was sooo bad 😂",
    "the bins go out tonight, don't forget",
    "are we still on for dinner at mum's on sunday?",
    "Reminder: school photos on Thursday, uniform please",
    "train cancelled again, getting the bus",
    "thanks for yesterday, the kids loved it",
    "can you check if the shop has the blue one in a medium",
    "weather looks awful tomorrow, bring a coat",
    "just finished the report, sending it over now",
    "who's picking up gran from the station?",
    "The dentist can do Tuesday at 9:15 or Friday at 4",
    "nice one, see you at the match",
    "has anyone seen my keys? I think I left them in the car",
)

PLANTED = (
    "hey how old are you?",
    "where do u live",
    "dont tell your mum we talk",
    "delete this chat after ok",
    "add me on snap",
    "i'll buy you a phone",
    "send me a pic",
    "we could meet after school",
    "are your parents home?",
    "you're so mature for your age",
)


def make_messages(count: int, seed: int = 15) -> list[list[Message]]:
    """``count`` messages in conversations of 500, an indicator planted in about one in 40."""
    chooser = random.Random(seed)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    conversations: list[list[Message]] = []
    for first in range(0, count, 500):
        key = f"chat-{first // 500}"
        messages = []
        for index in range(first, min(first + 500, count)):
            planted = chooser.random() < 0.025
            text = chooser.choice(PLANTED if planted else BENIGN)
            sender = "+447700900001" if index % 2 else "+447700900002"
            messages.append(
                Message(
                    conversation=key,
                    sender=sender,
                    direction=Direction.SENT if index % 2 else Direction.RECEIVED,
                    utc=start + timedelta(minutes=index),
                    raw_time=str(index),
                    text=text,
                    provenance=f"bench//msgstore.db//messages:{index}",
                )
            )
        conversations.append(messages)
    return conversations


def naive(conversations: list[list[Message]]) -> set[tuple[str, int, str]]:
    """Each message normalised once, then every rule searched on its own."""
    patterns = [(rule.id, re.compile(rf"\b(?:{rule.regex})\b")) for rule in bundled_rules().rules]
    found: set[tuple[str, int, str]] = set()
    for messages in conversations:
        for index, message in enumerate(messages):
            text = normalise(message.text or "")
            for rule_id, pattern in patterns:
                if pattern.search(text):
                    found.add((message.conversation, index, rule_id))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    args = parser.parse_args(argv)
    conversations = make_messages(args.messages)
    total = sum(len(messages) for messages in conversations)
    rules = bundled_rules()
    print(f"{total:,} messages in {len(conversations):,} conversations; {len(rules.rules)} rules")

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    started, cpu = time.perf_counter(), time.process_time()
    leads = [scan_conversation(messages[0].conversation, messages) for messages in conversations]
    warden = (time.perf_counter() - started, time.process_time() - cpu)
    found = {(lead.conversation, hit.message, hit.rule) for lead in leads for hit in lead.hits}

    started, cpu = time.perf_counter(), time.process_time()
    reference = naive(conversations)
    plain = (time.perf_counter() - started, time.process_time() - cpu)

    print(f"{'contender':<44}{'wall s':>8}{'messages/s':>12}{'CPU s':>8}{'per CPU s':>11}{'hits':>8}")
    for name, (wall, used), hits in (
        ("warden scan_conversation (combined, leads)", warden, found),
        ("naive: re.search per rule per message", plain, reference),
    ):
        print(
            f"{name:<44}{wall:>8.2f}{total / wall:>12,.0f}{used:>8.2f}{total / used:>11,.0f}{len(hits):>8,}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    bands = {str(band): sum(lead.band == band for lead in leads) for band in Band}
    print(f"bands: {bands}; same hits as the naive loop: {found == reference}")
    return 0 if found == reference else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Text normalised before the indicators read it: the many spellings of one phrase become one, numbers and
ordinary words survive, and the mapped form points every character back into what the examiner reads."""

from __future__ import annotations

import pytest

from warden.conversations.normalise import normalise, normalise_mapped, original_span


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HOW Old Are You", "how old are you"),  # case
        ("ＨＯＷ ｏｌｄ", "how old"),  # full-width letters (NFKC)
        ("ﬁne", "fine"),  # ligature (NFKC)
        ("Straße", "strasse"),  # case folding, not just lower()
        ("s3nd m3 a p1c", "send me a pic"),  # leetspeak inside words
        ("h0w 0ld r u", "how old r u"),
        ("n00dz", "noodz"),
        ("1ove u", "love u"),  # 1 before a vowel is l
        ("a1one", "alone"),
        ("$ecret", "secret"),
        ("c@ll me", "call me"),
        ("@sam see you", "sam see you"),  # a mention keeps its name
        ("meet at 5pm on the 2nd", "meet at 5pm on the 2nd"),  # numbers with units are not leetspeak
        ("i'm 14, he's 15", "im 14 hes 15"),
        ("heyyyy", "hey"),  # runs of three or more letters cut to one
        ("good cool sooo nice", "good cool so nice"),  # double letters kept
        ("don't", "dont"),
        ("don\u2019t tell", "dont tell"),  # a phone's apostrophe
        ("dont tell 🤫", "dont tell secret"),  # emoji that carry meaning become words
        ("send a 📸", "send a photo"),
        ("love you \u2764\ufe0f", "love you love"),
        ("ok 👍", "ok"),  # emoji without a word are folded away
        ("  where...do\t\tyou\nlive?!  ", "where do you live"),  # whitespace and punctuation folded
        ("café e\u0301te\u0301", "café été"),
        ("Да, конечно! 😊", "да конечно"),
        ("", ""),
    ],
)
def test_normalised_text(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Hiya!! HOW old r u??",
        "s3nd m3 a p1c 📸 pleaseeeee",
        "Don\u2019t tell ur mum 🤫🤫",
        "ＨＯＷ ｏｌｄ are you",
        "e\u0301te\u0301 ﬁne Straße",
        "Да, конечно! 😊 where do you live",
        "   ",
    ],
)
def test_the_mapped_form_is_the_same_text_with_each_character_s_origin(text: str) -> None:
    mapped, origins = normalise_mapped(text)
    assert mapped == normalise(text)
    assert len(origins) == len(mapped)
    assert origins == sorted(origins)
    assert all(0 <= origin < len(text) for origin in origins)


def test_a_span_in_normalised_text_highlights_the_words_as_written() -> None:
    text = "ok so... HOW old r u?? 😊"
    mapped, origins = normalise_mapped(text)
    start = mapped.index("how old r u")
    first, last = original_span(text, origins, start, start + len("how old r u"))
    assert text[first:last] == "HOW old r u"
    text = "heyyyy there"
    mapped, origins = normalise_mapped(text)
    first, last = original_span(text, origins, 0, 3)
    assert text[first:last] == "heyyyy"


def test_hostile_text_is_normalised_whole() -> None:
    # runs that would make a careless pattern backtrack: each step is a single pass
    assert normalise("a" * 100_000 + "!") == "a"
    assert normalise("ab" * 50_000) == "ab" * 50_000
    assert normalise("1" * 100_000 + "a") == "1" * 100_000 + "a"
    assert normalise("a1" * 50_000) == "al" * 49_999 + "ai"
    assert normalise("!?" * 100_000) == ""

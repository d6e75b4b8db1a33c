"""Message text as the grooming indicators read it: one form for the many ways people write the same words.

``normalise`` folds case, applies Unicode NFKC (full-width and styled letters become plain ones), undoes
leetspeak inside words (``s3nd m3 a p1c`` -> ``send me a pic``), cuts runs of three or more of one letter to
one (``heyyyy`` -> ``hey``, while ``good`` keeps its double letter), turns the few emoji that carry meaning in
these conversations into words, drops apostrophes (``don't`` -> ``dont``) and folds every other run of
punctuation and whitespace into one space. Every step is a C-level pass over the text (``str.translate``,
compiled regular expressions whose only repetition is a simple character run), so any text costs time linear
in its length.

``normalise_mapped`` gives the same text with, for each of its characters, the index in the original text it
came from, so that a match can be highlighted in what the examiner reads. It walks the text in Python and is
only used on messages in which a rule fired.

Leetspeak is guessed, never certain: a digit is read as a letter only inside a token that has a letter before
it (``p1c``, ``n00dz``) or that is one digit followed by letters only, at least three (``1ove``, ``5ecret``;
two after a ``0``: ``0ld``); numbers with a unit (``5pm``, ``14yo``, ``2nd``) and tokens holding 2, 6, 7, 8 or
9 are left alone; ``1`` is ``l`` before a vowel and ``i`` otherwise; ``@`` at the start of a token is a
mention, not an ``a``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import pairwise

EMOJI_WORDS: dict[str, str] = {
    "\U0001f92b": "secret",  # shushing face
    "\U0001f910": "secret",  # zipper-mouth face
    "\U0001f4f8": "photo",  # camera with flash
    "\U0001f4f7": "photo",  # camera
    "\U0001f933": "selfie",  # selfie
    "\U0001f4f9": "video",  # video camera
    "\U0001f618": "kiss",  # face blowing a kiss
    "\U0001f48b": "kiss",  # kiss mark
    "\u2764": "love",  # red heart
    "\U0001f60d": "love",  # smiling face with heart-eyes
    "\U0001f970": "love",  # smiling face with hearts
    "\U0001f381": "gift",  # wrapped gift
    "\U0001f4b0": "money",  # money bag
    "\U0001f4b5": "money",  # dollar banknote
    "\U0001f4b7": "money",  # pound banknote
    "\U0001f4f1": "phone",  # mobile phone
    "\U0001f697": "car",  # automobile
    "\U0001f46e": "police",  # police officer
    "\U0001f6a8": "police",  # police car light
    "\U0001f51e": "adults only",  # no one under eighteen
    "\U0001f3eb": "school",  # school
}
"""The emoji that carry a meaning the rules look for, each as the word it stands for."""

_TRANSLATE = str.maketrans(
    {
        **{emoji: f" {word} " for emoji, word in EMOJI_WORDS.items()},
        "'": "",
        "\u2019": "",  # right single quotation mark, the usual apostrophe on phones
        "\u2018": "",
        "`": "",
        "\ufe0f": "",  # variation selector: an emoji's colour form
        "\u200d": "",  # zero-width joiner inside emoji sequences
    }
)
_LEET_CHARS = re.compile(r"[0-9$@]")
_LEET_TOKEN = re.compile(r"(?<![a-z0-9$@])[a-z0-9$@]*[0-9$@][a-z0-9$@]*")
"""A token holding a digit, ``$`` or ``@``; anchored at the token's start, so each token is read once."""
_LEET_TABLE = str.maketrans({"4": "a", "3": "e", "0": "o", "5": "s", "$": "s", "@": "a"})
_ONE_AS_L = re.compile(r"1(?=[aeiou])")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_FOLD = re.compile(r"[\W_]+")


def _unleet(match: re.Match[str]) -> str:
    token = match.group()
    if not any("a" <= char <= "z" for char in token) or any(char in "26789" for char in token):
        return token
    first_letter = next(index for index, char in enumerate(token) if "a" <= char <= "z")
    letter_before_leet = any(char in "01345$@" for char in token[first_letter + 1 :])
    one_then_word = token[1:].isalpha() and (
        (len(token) >= 4 and token[0] in "01345$") or (len(token) >= 3 and token[0] == "0")
    )
    if not (letter_before_leet or one_then_word):
        return token
    head = token[0] if token[0] == "@" else ""
    body = token[len(head) :]
    body = _ONE_AS_L.sub("l", body.translate(_LEET_TABLE)).replace("1", "i")
    return head + body


def _after_unicode(text: str) -> str:
    """Leetspeak, repeated letters and folding: the steps that work on text already case-folded."""
    if _LEET_CHARS.search(text):
        text = _LEET_TOKEN.sub(_unleet, text)
    text = _REPEATS.sub(r"\1", text)
    return _FOLD.sub(" ", text).strip()


def normalise(text: str) -> str:
    """``text`` as the rules match it: lower case, plain letters, words separated by single spaces."""
    if text.isascii():  # NFKC leaves ASCII as it is, and folding its case is lower()
        text = text.lower()
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
        return _after_unicode(text)
    return _after_unicode(unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE))


def _clusters(text: str) -> list[tuple[str, int]]:
    """NFKC, case folding and the emoji table applied to each base character with its combining marks, each
    output character paired with where its cluster starts in ``text``."""
    out: list[tuple[str, int]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and unicodedata.combining(text[index]):
            continue
        piece = unicodedata.normalize("NFKC", text[start:index]).casefold().translate(_TRANSLATE)
        out.extend((char, start) for char in piece)
        start = index
    return out


def _sub_mapped(
    pattern: re.Pattern[str], replace: str | Callable[[re.Match[str]], str], text: str, origins: list[int]
) -> tuple[str, list[int]]:
    """``pattern.sub`` that carries each character's origin along: a replacement as long as its match keeps
    the origins one for one; any other takes the origin of the match's first character."""
    pieces: list[str] = []
    mapped: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(text[last : match.start()])
        mapped.extend(origins[last : match.start()])
        new = match.expand(replace) if isinstance(replace, str) else replace(match)
        pieces.append(new)
        if len(new) == match.end() - match.start():
            mapped.extend(origins[match.start() : match.end()])
        else:
            mapped.extend([origins[match.start()]] * len(new))
        last = match.end()
    pieces.append(text[last:])
    mapped.extend(origins[last:])
    return "".join(pieces), mapped


def normalise_mapped(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` computed step by step, with the index in ``text`` each character came from.

    The text is normally equal to ``normalise(text)``; NFKC composes a few scripts' characters across what
    this treats as separate clusters (Hangul jamo, for one), and there the two may differ: callers compare.
    """
    pairs = _clusters(text)
    folded = "".join(char for char, _ in pairs)
    origins = [origin for _, origin in pairs]
    if _LEET_CHARS.search(folded):
        folded, origins = _sub_mapped(_LEET_TOKEN, _unleet, folded, origins)
    folded, origins = _sub_mapped(_REPEATS, r"\1", folded, origins)
    folded, origins = _sub_mapped(_FOLD, " ", folded, origins)
    start = len(folded) - len(folded.lstrip(" "))
    end = len(folded.rstrip(" "))
    return folded[start:end], origins[start:end]


def original_span(text: str, origins: list[int], start: int, end: int) -> tuple[int, int]:
    """Where the normalised characters ``start:end`` came from in ``text``: from the first one's origin to
    just past the last one's, stretched over what normalising folded into it (the rest of a run of one letter,
    so ``heyyyy`` is covered whole; combining marks; an emoji's variation selector)."""
    first = origins[start]
    stop = origins[end - 1] + 1
    while stop < len(text) and (
        unicodedata.combining(text[stop])
        or text[stop] in "\ufe0f\u200d"
        or (text[stop].isalpha() and text[stop].casefold() == text[stop - 1].casefold())
    ):
        stop += 1
    return first, stop


WINDOW = 4096
"""Long text is normalised for highlighting in pieces of about this many characters."""

_BREAK = re.compile(r"""[\s!"#%&()*+,\-./:;<=>?\[\\\]^_{|}~]""")
"""Where text may be cut without changing how it normalises: ASCII whitespace and punctuation, less the
characters normalising reads inside words (apostrophes, ``$``, ``@``)."""


def _pieces(text: str) -> list[tuple[int, int]]:
    bounds = [0]
    position = WINDOW
    while position < len(text):
        cut = _BREAK.search(text, position)
        if cut is None:
            break
        bounds.append(cut.start())
        position = cut.start() + WINDOW
    bounds.append(len(text))
    return [(start, end) for start, end in pairwise(bounds) if end > start]


def locate(text: str, normalised: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """Each span of ``normalised`` (which is ``normalise(text)``) as (start, end, exact) in ``text``.

    Only the pieces of a long text that hold a span are mapped, so highlighting costs about the length of
    what matched, not of the text. Where a span cannot be mapped (the pieces do not join back into the same
    text, or one piece runs over ``8 * WINDOW`` characters without a break), it is given as the whole piece
    (or the whole text) with ``exact`` False.
    """
    pieces = _pieces(text)
    normal = [normalise(text[start:end]) for start, end in pieces]
    kept = [index for index, piece in enumerate(normal) if piece]
    if " ".join(normal[index] for index in kept) != normalised:
        return [(0, len(text), False) for _ in spans]
    starts: list[int] = []
    position = 0
    for index in kept:
        starts.append(position)
        position += len(normal[index]) + 1
    found: list[tuple[int, int, bool]] = []
    mapped_pieces: dict[tuple[int, int], tuple[str, list[int]]] = {}
    for start, end in spans:
        first = max(0, bisect_right(starts, start) - 1)
        last = max(first, bisect_left(starts, end) - 1)
        begin, finish = pieces[kept[first]][0], pieces[kept[last]][1]
        if finish - begin > 8 * WINDOW:
            found.append((begin, finish, False))
            continue
        part = text[begin:finish]
        if (first, last) not in mapped_pieces:
            mapped_pieces[first, last] = normalise_mapped(part)
        mapped, origins = mapped_pieces[first, last]
        offset = starts[first]
        if mapped != normalised[offset : offset + len(mapped)] or not origins:
            found.append((begin, finish, False))
            continue
        low, high = original_span(part, origins, start - offset, end - offset)
        found.append((begin + low, begin + high, True))
    return found

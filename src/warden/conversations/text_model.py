"""An explainable text model of conversations, as numbers a person can read: TF-IDF over word and character
n-grams, then a logistic regression, per author in a conversation.

A lab trains it on a research corpus it holds (:mod:`warden.conversations.text_training`, scikit-learn);
what is kept is JSON only (:meth:`TextModel.to_json`): the vocabulary, the idf weights, the coefficients and
intercept, the settings and where it came from, with a checksum. Scoring is done here from those numbers with
numpy, never by unpickling anything, and equals scikit-learn's own ``predict_proba`` on the training run (a
test holds it). :meth:`TextModel.explain` lists the features that weighed most in a score.

The score is a SECONDARY signal beside the rule-based indicators: it never makes a lead by itself, and it is
not a probability that anyone is anything (:mod:`warden.conversations.model_leads`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from warden.conversations.model import Conversations
from warden.conversations.normalise import normalise
from warden.errors import ConversationModelError

FORMAT = "warden.conversation-model/1"
"""The format of a stored model; a model of another format is refused, never guessed at."""


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How a text becomes features (the same in training and scoring).

    Attributes:
        word_ngrams: shortest and longest run of words, over the normalised text
            (:func:`~warden.conversations.normalise.normalise`: case, leetspeak, repeated letters, emoji).
        char_ngrams: shortest and longest run of characters inside a word padded with one space each side.
        max_chars: the longest text of one author in one conversation read; the rest is left.
    """

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    max_chars: int = 50_000

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "max_chars": self.max_chars,
            "sublinear_tf": True,
            "norm": "l2",
        }


def features(text: str, settings: FeatureSettings) -> list[str]:
    """The features of a text, repeated as often as they occur: ``w:<words>`` and ``c:<characters>``."""
    words = normalise(text[: settings.max_chars]).split()
    found: list[str] = []
    low, high = settings.word_ngrams
    for n in range(low, high + 1):
        found.extend("w:" + " ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    low, high = settings.char_ngrams
    for word in words:
        padded = f" {word} "
        if len(padded) < low:
            found.append("c:" + padded)
            continue
        for n in range(low, min(high, len(padded)) + 1):
            found.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


@dataclass(frozen=True, slots=True)
class AuthorDocument:
    """What one author wrote in one conversation, as one text: the unit the model scores."""

    conversation: str
    author: str
    text: str
    messages: int


def author_documents(found: Conversations) -> list[AuthorDocument]:
    """One document per author per conversation, in order of first message; system events and messages
    without text or sender are left out."""
    texts: dict[tuple[str, str], list[str]] = {}
    for message in found.messages:
        if message.kind != "message" or not message.text or message.sender is None:
            continue
        texts.setdefault((message.conversation, message.sender), []).append(message.text)
    return [
        AuthorDocument(conversation, author, "\n".join(lines), len(lines))
        for (conversation, author), lines in texts.items()
    ]


@dataclass(frozen=True, slots=True)
class Weighed:
    """A feature in a scored text: its TF-IDF value there, its coefficient, and their product (what it added
    to the score's log-odds)."""

    feature: str
    value: float
    coefficient: float
    contribution: float


@dataclass(frozen=True)
class TextModel:
    """A trained model, as stored.

    Attributes:
        name: the name it was installed under.
        settings: how texts become features.
        vocabulary: the features, in column order.
        idf: one inverse document frequency per feature.
        coef: one coefficient per feature.
        intercept: the regression's intercept.
        threshold: the score at or above which the model counts a document as like the corpus's positives.
        about: when and from what it was trained (date, corpus and ground truth SHA-256, counts,
            scikit-learn's version, the training settings).
    """

    name: str
    settings: FeatureSettings
    vocabulary: tuple[str, ...]
    idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: float
    threshold: float
    about: Mapping[str, Any]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {feature: i for i, feature in enumerate(self.vocabulary)})

    def _vector(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        counts = Counter(f for f in features(text, self.settings) if f in self.index)
        columns = np.fromiter((self.index[f] for f in counts), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self.idf[columns]
        norm = math.sqrt(float(np.dot(values, values)))
        return columns, (values / norm if norm > 0 else values)

    def score(self, text: str) -> float:
        """The model's score of a text, 0 to 1 (the logistic function of its log-odds)."""
        columns, values = self._vector(text)
        logit = float(np.dot(values, self.coef[columns])) + self.intercept
        return 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1.0 + math.exp(logit))

    def scores(self, texts: Iterable[str]) -> npt.NDArray[np.float64]:
        """:meth:`score` of each text."""
        return np.array([self.score(text) for text in texts], dtype=np.float64)

    def explain(self, text: str, top: int = 10) -> list[Weighed]:
        """The features that weighed most in a text's score, those that raised it first (largest
        contribution), then, if fewer than ``top`` raised it, those that lowered it most."""
        columns, values = self._vector(text)
        contributions = values * self.coef[columns]
        order = np.argsort(-contributions, kind="stable")
        chosen = [i for i in order if contributions[i] > 0][:top]
        if len(chosen) < top:
            chosen += [i for i in order[::-1] if contributions[i] < 0][: top - len(chosen)]
        return [
            Weighed(
                self.vocabulary[columns[i]],
                float(values[i]),
                float(self.coef[columns[i]]),
                float(contributions[i]),
            )
            for i in chosen
        ]

    def to_json(self) -> dict[str, Any]:
        """The stored form: every number, and a checksum over the rest."""
        body = {
            "format": FORMAT,
            "name": self.name,
            "settings": self.settings.to_json(),
            "about": dict(self.about),
            "threshold": self.threshold,
            "intercept": self.intercept,
            "vocabulary": list(self.vocabulary),
            "idf": [float(x) for x in self.idf],
            "coef": [float(x) for x in self.coef],
        }
        return {**body, "sha256": _checksum(body)}


def _checksum(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def _pair(value: Any, what: str) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(n, int) and 1 <= n <= 10 for n in value)
        or value[0] > value[1]
    ):
        raise ValueError(f"{what} is not a pair of n-gram lengths")
    return value[0], value[1]


def _numbers(value: Any, size: int, what: str) -> npt.NDArray[np.float64]:
    if not isinstance(value, list) or len(value) != size:
        raise ValueError(f"{what} does not have one number per feature")
    array = np.array(value, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} holds a number that is not finite")
    return array


def model_from_json(data: Any, where: str) -> TextModel:
    """A model from its stored form, checked whole.

    Raises:
        ConversationModelError: it is not a model Warden wrote, of this format, with its checksum holding.
    """
    if not isinstance(data, dict):
        raise ConversationModelError(f"{where}: damaged: not a JSON object")
    if data.get("format") != FORMAT:
        raise ConversationModelError(
            f"{where}: a conversation model of format {data.get('format')!r}, not {FORMAT!r}: train it again "
            "with this version of Warden (warden conversations train)"
        )
    body = {key: value for key, value in data.items() if key != "sha256"}
    if data.get("sha256") != _checksum(body):
        raise ConversationModelError(
            f"{where}: damaged: its checksum does not hold (changed since it was written)"
        )
    try:
        vocabulary = data["vocabulary"]
        if not isinstance(vocabulary, list) or not all(isinstance(f, str) for f in vocabulary):
            raise ValueError("the vocabulary is not a list of features")
        if len(set(vocabulary)) != len(vocabulary):
            raise ValueError("the vocabulary repeats a feature")
        settings = data["settings"]
        if not isinstance(settings, dict) or not isinstance(settings.get("max_chars"), int):
            raise ValueError("the settings are not the settings of a model")
        intercept, threshold = data["intercept"], data["threshold"]
        if not isinstance(intercept, float | int) or not math.isfinite(intercept):
            raise ValueError("the intercept is not a number")
        if not isinstance(threshold, float | int) or not 0 < threshold < 1:
            raise ValueError("the threshold is not a number between 0 and 1")
        about = data["about"]
        if not isinstance(about, dict) or not isinstance(data["name"], str):
            raise ValueError("it does not say what it was trained on")
        return TextModel(
            name=data["name"],
            settings=FeatureSettings(
                _pair(settings.get("word_ngrams"), "word_ngrams"),
                _pair(settings.get("char_ngrams"), "char_ngrams"),
                settings["max_chars"],
            ),
            vocabulary=tuple(vocabulary),
            idf=_numbers(data["idf"], len(vocabulary), "idf"),
            coef=_numbers(data["coef"], len(vocabulary), "coef"),
            intercept=float(intercept),
            threshold=float(threshold),
            about=about,
        )
    except (KeyError, ValueError, TypeError) as error:
        raise ConversationModelError(f"{where}: damaged: {error}") from None


def top_features(model: TextModel, count: int) -> list[tuple[str, float]]:
    """The features with the largest coefficients (what most raises a score), for a summary."""
    order = np.argsort(-model.coef, kind="stable")[:count]
    return [(model.vocabulary[i], float(model.coef[i])) for i in order]


def document_scores(model: TextModel, documents: Sequence[AuthorDocument]) -> dict[tuple[str, str], float]:
    """The score of every (conversation, author) document."""
    return {(doc.conversation, doc.author): model.score(doc.text) for doc in documents}

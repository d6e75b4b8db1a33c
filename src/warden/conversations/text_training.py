"""Training the conversation text model with scikit-learn (``warden[conversations-model]``): TF-IDF over
Warden's own features (:func:`~warden.conversations.text_model.features`), then a logistic regression, per
author in a conversation, labelled by a ground truth.

What comes out is a :class:`~warden.conversations.text_model.TextModel`: numbers only, kept as JSON. Nothing
scikit-learn makes is pickled or kept; scikit-learn is needed to train, never to score.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from warden import TOOL_NAME, __version__
from warden.clock import utc_now
from warden.conversations.text_model import AuthorDocument, FeatureSettings, TextModel, features
from warden.errors import CorpusError, DependencyMissingError


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """How the model is fitted.

    Attributes:
        min_df: a feature must occur in at least this many documents to be kept.
        max_features: most features kept (the most frequent across documents).
        c: inverse strength of the regression's L2 regularisation.
        class_weight: ``balanced`` weighs the few positive documents up to the many negative ones.
        max_iter: most iterations of the solver (lbfgs).
        threshold: the score at or above which a document counts as like the corpus's positives.
    """

    min_df: int = 2
    max_features: int = 200_000
    c: float = 10.0
    class_weight: str = "balanced"
    max_iter: int = 2000
    threshold: float = 0.5

    def to_json(self) -> dict[str, Any]:
        """As stored in the model's ``about``."""
        return {
            "min_df": self.min_df,
            "max_features": self.max_features,
            "C": self.c,
            "class_weight": self.class_weight,
            "max_iter": self.max_iter,
            "solver": "lbfgs",
            "threshold": self.threshold,
        }


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """A trained model, and scikit-learn's own scores of the training documents (held equal to the model's
    own scoring by a test)."""

    model: TextModel
    sklearn_scores: npt.NDArray[np.float64]
    positives: int


def sklearn_version() -> str:
    """scikit-learn's version.

    Raises:
        DependencyMissingError: scikit-learn is not installed.
    """
    try:
        import sklearn
    except ImportError:
        raise DependencyMissingError(
            "scikit-learn", "conversations-model", "training a conversation model"
        ) from None
    return str(sklearn.__version__)


def train_model(
    name: str,
    documents: Sequence[AuthorDocument],
    positives: Collection[str],
    about: Mapping[str, Any],
    settings: FeatureSettings | None = None,
    training: TrainingSettings | None = None,
) -> TrainingRun:
    """Fit the model on author documents, an author's documents labelled positive when the ground truth
    names the author.

    Raises:
        DependencyMissingError: scikit-learn is not installed.
        CorpusError: the documents hold no positive or no negative example, or no feature is common enough.
    """
    version = sklearn_version()
    settings = settings or FeatureSettings()
    training = training or TrainingSettings()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = np.array([doc.author in positives for doc in documents], dtype=np.int8)
    positive = int(labels.sum())
    if positive == 0 or positive == len(documents):
        raise CorpusError(
            f"the corpus gives {positive:,} document(s) by authors the ground truth names and "
            f"{len(documents) - positive:,} by others: a model needs both"
        )
    vectorizer = TfidfVectorizer(
        analyzer=partial(features, settings=settings),
        min_df=training.min_df,
        max_features=training.max_features,
        sublinear_tf=True,
        norm="l2",
        dtype=np.float64,
    )
    try:
        matrix = vectorizer.fit_transform([doc.text for doc in documents])
    except ValueError as error:  # no feature left after min_df
        raise CorpusError(f"no feature to train on: {error}") from None
    regression = LogisticRegression(
        C=training.c,
        class_weight=training.class_weight,
        max_iter=training.max_iter,
        solver="lbfgs",
    )
    regression.fit(matrix, labels)
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    model = TextModel(
        name=name,
        settings=settings,
        vocabulary=tuple(feature for feature, _ in vocabulary),
        idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        coef=np.asarray(regression.coef_[0], dtype=np.float64),
        intercept=float(regression.intercept_[0]),
        threshold=training.threshold,
        about={
            **about,
            "trained": utc_now(),
            "tool": {"name": TOOL_NAME, "version": __version__},
            "scikit_learn": version,
            "training": training.to_json(),
            "documents": len(documents),
            "positive_documents": positive,
            "features": len(vocabulary),
        },
    )
    return TrainingRun(model, np.asarray(regression.predict_proba(matrix)[:, 1], dtype=np.float64), positive)

"""The optional text model: trained with scikit-learn on a synthetic corpus, kept as JSON only, scored from
its numbers with numpy exactly as scikit-learn scores, explained by its weighted features, refused when
damaged or of another version, and shown beside a lead without ever making one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conversations.pan_synthetic import STYLE, build_corpus
from warden.conversations.indicators import Band, scan_conversation
from warden.conversations.model import Direction, Message
from warden.conversations.model_leads import SECONDARY_NOTICE, score_senders, with_model_scores
from warden.conversations.pan_corpus import corpus_authors, read_corpus, read_ground_truth
from warden.conversations.text_model import (
    FORMAT,
    AuthorDocument,
    FeatureSettings,
    TextModel,
    author_documents,
    features,
    model_from_json,
)
from warden.conversations.text_model_store import installed_model, load_model, save_model
from warden.conversations.text_training import TrainingRun, train_model
from warden.errors import ConversationModelError, UsageError

pytest.importorskip("sklearn")


@dataclass(frozen=True, slots=True)
class Trained:
    run: TrainingRun
    documents: list[AuthorDocument]
    folder: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    folder = tmp_path_factory.mktemp("corpus")
    corpus = build_corpus(folder)
    found = read_corpus(corpus.xml)
    truth = read_ground_truth(corpus.truth, corpus_authors(found))
    documents = author_documents(found)
    return Trained(
        train_model("default", documents, truth.predators, {"corpus": "synthetic"}), documents, folder
    )


def message(sender: str, text: str, n: int = 0) -> Message:
    return Message("c", sender, Direction.UNKNOWN, None, "", text, provenance=f"test:{n}")


def test_scoring_from_the_stored_numbers_equals_scikit_learns_own(trained: Trained) -> None:
    texts = [doc.text for doc in trained.documents]
    ours = trained.run.model.scores(texts)
    np.testing.assert_allclose(ours, trained.run.sklearn_scores, rtol=1e-9, atol=1e-12)
    assert trained.run.positives == 80  # 60 planted conversations and 20 weak ones, one document each


def test_the_model_is_json_only_and_reloads_scoring_the_same(trained: Trained, tmp_path: Path) -> None:
    path = save_model(trained.run.model, folder=tmp_path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["format"] == FORMAT and len(stored["sha256"]) == 64
    about = stored["about"]
    assert about["scikit_learn"] and about["trained"].endswith("Z") and about["training"]["C"] == 10.0
    assert len(stored["vocabulary"]) == len(stored["idf"]) == len(stored["coef"]) == about["features"]
    reloaded = load_model("default", tmp_path)
    texts = [doc.text for doc in trained.documents]
    assert np.array_equal(reloaded.scores(texts), trained.run.model.scores(texts))
    assert b"\x80\x04" not in path.read_bytes()  # nothing pickled in it
    with pytest.raises(UsageError, match="give --replace"):
        save_model(trained.run.model, folder=tmp_path)


def test_the_planted_authors_score_high_and_ordinary_chat_low(trained: Trained) -> None:
    model = trained.run.model
    assert model.score("\n".join(STYLE[:3])) > 0.9
    assert model.score("can you grab milk on the way home?\nthe train is delayed again") < 0.1


def test_a_score_is_explained_by_its_weighted_features(trained: Trained) -> None:
    model = trained.run.model
    explained = model.explain("hey sweetie how was ur day", top=5)
    assert len(explained) == 5
    contributions = [weighed.contribution for weighed in explained]
    assert contributions == sorted(contributions, reverse=True) and contributions[0] > 0
    # the planted authors' own word weighs most: every top feature is a piece of it
    assert all(weighed.feature[2:] in " sweetie " for weighed in explained)
    for weighed in explained:
        assert weighed.contribution == pytest.approx(weighed.value * weighed.coefficient)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda data: data.update(format="warden.conversation-model/0"), "format"),
        (lambda data: data["coef"].__setitem__(0, data["coef"][0] + 1.0), "checksum does not hold"),
        (lambda data: data.pop("idf"), "checksum does not hold"),
    ],
)
def test_a_damaged_or_other_version_model_is_refused(
    trained: Trained, change: Callable[[dict[str, Any]], object], said: str
) -> None:
    data = trained.run.model.to_json()
    change(data)
    with pytest.raises(ConversationModelError, match=said) as refused:
        model_from_json(data, "model.json")
    assert refused.value.exit_code == 19


def test_a_model_file_cut_short_is_refused_as_damaged(trained: Trained, tmp_path: Path) -> None:
    path = save_model(trained.run.model, folder=tmp_path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ConversationModelError, match="damaged: not JSON"):
        load_model("default", tmp_path)
    with pytest.raises(ConversationModelError, match="no conversation model called 'other'"):
        load_model("other", tmp_path)


def test_a_checksum_recomputed_over_bad_numbers_is_still_refused(trained: Trained) -> None:
    data = trained.run.model.to_json()
    data["idf"] = data["idf"][:-1]
    body = {key: value for key, value in data.items() if key != "sha256"}
    data["sha256"] = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    with pytest.raises(ConversationModelError, match="one number per feature"):
        model_from_json(data, "model.json")


def test_the_model_never_makes_a_lead_by_itself(trained: Trained) -> None:
    model = trained.run.model
    quiet = [message("x1", line, n) for n, line in enumerate(STYLE)]  # scores high, fires no rule
    assert model.score("\n".join(STYLE)) > 0.9
    lead = scan_conversation("c", quiet)
    assert lead.band == Band.NONE
    assert score_senders(lead, quiet, model) == []
    assert with_model_scores(lead, quiet, model) == lead


def test_a_lead_shows_the_models_score_as_an_extra_reason_and_keeps_its_band(trained: Trained) -> None:
    model = trained.run.model
    messages = [
        message("x1", "you're so mature for your age", 0),
        message("x2", "lol", 1),
        *(message("x1", line, n + 2) for n, line in enumerate(STYLE[:3])),
    ]
    lead = scan_conversation("c", messages)
    shown = with_model_scores(lead, messages, model)
    assert shown.band == lead.band == Band.LOW and shown.hits == lead.hits
    assert shown.reasons[: len(lead.reasons)] == lead.reasons
    (extra,) = shown.reasons[len(lead.reasons) :]
    assert extra.startswith(SECONDARY_NOTICE) and "messages from x1" in extra and "threshold 0.50" in extra
    assert "features that weighed most: " in extra


def test_the_installed_model_is_the_one_the_setting_names(
    trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert installed_model(tmp_path) is None
    save_model(trained.run.model, folder=tmp_path)
    model = installed_model(tmp_path)
    assert isinstance(model, TextModel) and model.name == "default"
    monkeypatch.setenv("WARDEN_CONVERSATION_MODEL", "elsewhere")
    assert installed_model(tmp_path) is None


def test_features_read_normalised_words_and_characters() -> None:
    found = features("S3ND me", FeatureSettings())
    assert "w:send" in found and "w:send me" in found and "c: se" in found and "c:me " in found

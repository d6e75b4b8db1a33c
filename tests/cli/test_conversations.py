"""`warden conversations train | score | explain` end to end on a synthetic PAN 2012 corpus built in the test:
a model installed as JSON under WARDEN_HOME, leads ranked with its score as an extra reason, a score explained
by its features; a damaged model, a wrong corpus and a foreign ground truth are documented errors, never a
traceback."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conversations.pan_synthetic import SyntheticCorpus, build_corpus
from warden.cli import main

pytest.importorskip("sklearn")


@dataclass(frozen=True, slots=True)
class Installed:
    corpus: SyntheticCorpus
    home: Path
    code: int
    output: str


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("corpus")
    home = tmp_path_factory.mktemp("home")
    corpus = build_corpus(folder)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARDEN_HOME", str(home))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["conversations", "train", str(corpus.xml)])
    return Installed(corpus, home, code, out.getvalue())


@pytest.fixture
def home(installed: Installed, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WARDEN_HOME", str(installed.home))
    return installed.home


def test_train_installs_a_json_model_naming_its_corpus(installed: Installed) -> None:
    assert installed.code == 0, installed.output
    path = installed.home / "conversation-models" / "default.json"
    assert f"installed {path}" in installed.output
    assert "80 by authors the ground truth names" in installed.output
    stored = json.loads(path.read_text())
    corpus = stored["about"]["corpus"]
    assert corpus["file"] == "corpus.xml" and len(corpus["sha256"]) == 64 and corpus["conversations"] == 330
    assert stored["about"]["ground_truth"] == {
        "file": "corpus-predators.txt",
        "sha256": stored["about"]["ground_truth"]["sha256"],
        "named": 52,
        "in_corpus": 50,
    }


def test_score_ranks_leads_with_the_models_score_as_an_extra_reason(
    home: Path, installed: Installed, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conversations", "score", str(installed.corpus.xml), "--top", "400"]) == 0
    output = capsys.readouterr().out
    assert "leads (leads for review, not evidence)" in output
    shown = [line.split()[1].rstrip(":") for line in output.splitlines() if line.startswith("conversation ")]
    assert installed.corpus.planted <= set(shown)  # every planted conversation is a lead
    first = output.split("conversation ", 2)[1]
    assert "band high" in first and "a secondary signal from a text model, not a finding" in first
    # everyday chats fire no rule: however the model scores them, they are not leads
    assert len(shown) < 330


def test_explain_lists_the_features_that_weighed(
    home: Path, installed: Installed, capsys: pytest.CaptureFixture[str]
) -> None:
    key = sorted(installed.corpus.planted)[0]
    assert (
        main(["conversations", "explain", str(installed.corpus.xml), "--conversation", key, "--top", "3"])
        == 0
    )
    output = capsys.readouterr().out
    assert "a secondary signal, not a finding" in output and "contribution" in output
    assert output.count("score ") == 2  # both authors of the conversation
    assert main(["conversations", "explain", str(installed.corpus.xml), "--conversation", "nope"]) == 2


def test_a_damaged_model_is_refused_with_its_exit_code(
    home: Path, installed: Installed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    models = home / "conversation-models"
    damaged = models / "damaged.json"
    data = json.loads((models / "default.json").read_text())
    data["coef"][0] += 0.5
    damaged.write_text(json.dumps(data))
    assert main(["conversations", "score", str(installed.corpus.xml), "--model", "damaged"]) == 19
    error = capsys.readouterr().err
    assert "checksum does not hold" in error and "Traceback" not in error
    assert main(["conversations", "score", str(installed.corpus.xml), "--model", "missing"]) == 19
    assert "no conversation model called 'missing'" in capsys.readouterr().err


def test_a_corpus_that_is_not_pan_xml_and_a_foreign_ground_truth_are_refused(
    home: Path, tmp_path: Path, installed: Installed, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.xml"
    page.write_text("<html><body>hello</body></html>")
    truth = tmp_path / "truth.txt"
    truth.write_text("someone-else\n")
    assert main(["conversations", "train", str(page), "--truth", str(truth), "--out", "x"]) == 18
    assert "root element is <html>" in capsys.readouterr().err
    code = main(["conversations", "train", str(installed.corpus.xml), "--truth", str(truth), "--out", "x"])
    assert code == 18
    error = capsys.readouterr().err
    assert "none of them an author in the corpus" in error and "Traceback" not in error
    assert not (home / "conversation-models" / "x.json").exists()
    assert main(["conversations", "train", str(installed.corpus.xml)]) == 2  # installed already
    assert "give --replace" in capsys.readouterr().err

"""``warden validate`` on the benign reference media (a reduced run): conformance passes, edited copies are
found, the crop limitation shows, nothing unrelated matches, and the result is stored for the court report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.media import media
from tests.report.cases import build_small_case
from warden import __version__
from warden.cli.validate import ValidationFailedError, validate_command
from warden.errors import UsageError
from warden.report.case_report import build_case_report
from warden.validation.accuracy import LIMITATION, MATCH, accuracy_passed, allowed_misses, choose
from warden.validation.run import check_media
from warden.validation.store import load_latest


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("validate-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WARDEN_HOME", str(home))
        result = CliRunner().invoke(
            validate_command,
            ["--media", str(media()), "--sample", "10", "--unrelated", "10"],
            catch_exceptions=False,
        )
    stored = json.loads((home / "validation" / "latest.json").read_text())
    return {"exit_code": result.exit_code, "output": result.stdout, "stored": stored, "home": home}


@pytest.mark.slow
def test_the_reduced_run_passes_and_prints_its_table(validated: dict[str, Any]) -> None:
    assert validated["exit_code"] == 0, validated["output"]
    output = validated["output"]
    assert "PDQ conformance (fast): 21 of 21 files" in output
    assert "PDQ conformance (exact): 21 of 21 files" in output
    assert "cropped 5% on one side" in output and "known limitation" in output
    assert "; PASSED" in output and "stored " in output


@pytest.mark.slow
def test_the_stored_result_names_version_date_and_media(validated: dict[str, Any]) -> None:
    stored = validated["stored"]
    assert stored["tool"]["version"] == __version__ and stored["date"].endswith("Z")
    assert len(stored["media"]["sha256"]) == 64 and stored["media"]["files"] > 20
    assert stored["options"] == {"sample": 10, "unrelated": 10, "seed": 1}
    assert stored["passed"] is True and all(stored["checks"].values())
    dated = [p.name for p in (validated["home"] / "validation").iterdir() if p.name != "latest.json"]
    assert len(dated) == 1


@pytest.mark.slow
def test_edits_are_found_the_crop_is_missed_and_nothing_unrelated_matches(validated: dict[str, Any]) -> None:
    accuracy = validated["stored"]["accuracy"]
    rows = {row["edit"]: row for row in accuracy["edits"]}
    assert rows["exact copy"]["found"] == 10
    for row in rows.values():
        assert row["false_matches"] == 0
        assert row["found"] + row["missed"] == row["copies"] == 10
        if row["expected"] == MATCH:
            assert row["missed"] <= allowed_misses(row["copies"], row["min_found_percent"]), row
    assert rows["cropped 5% on one side"]["expected"] == LIMITATION
    assert rows["cropped 5% on one side"]["found"] < 5
    assert accuracy["unrelated"] == {"photos": 10, "false_matches": 0}


@pytest.mark.slow
def test_video_conformance_was_checked(validated: dict[str, Any]) -> None:
    vpdq = validated["stored"]["vpdq_conformance"]
    if not vpdq["available"]:
        pytest.skip("vpdq is not installed")
    assert all(clip["passed"] for clip in vpdq["clips"])
    assert [pair["matched"] for pair in vpdq["matching"]] == [True, False]


@pytest.mark.slow
def test_the_court_report_quotes_the_stored_result(
    validated: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_HOME", str(validated["home"]))
    stored = load_latest()
    assert stored is not None
    validation = build_case_report(build_small_case(tmp_path).case)["method"]["validation"]
    assert validation["stored"] and validation["same_version"] and validation["passed"]
    assert validation["date"] == validated["stored"]["date"] and validation["sha256"] == stored.sha256


def test_a_false_match_fails_the_accuracy_check() -> None:
    edits = [{"expected": MATCH, "false_matches": 1, "copies": 10, "missed": 0, "min_found_percent": 95.0}]
    assert not accuracy_passed({"edits": edits, "unrelated": {"false_matches": 0}})
    edits[0]["false_matches"] = 0
    assert accuracy_passed({"edits": edits, "unrelated": {"false_matches": 0}})
    assert not accuracy_passed({"edits": edits, "unrelated": {"false_matches": 2}})
    edits[0]["missed"] = 2
    assert not accuracy_passed({"edits": edits, "unrelated": {"false_matches": 0}})


def test_samples_are_disjoint_and_the_same_for_the_same_seed() -> None:
    photos = [Path(f"p{number:03}.jpg") for number in range(50)]
    listed, unrelated = choose(photos, 10, 20, seed=3)
    assert (listed, unrelated) == choose(photos, 10, 20, seed=3)
    assert len(listed) == 10 and len(unrelated) == 20 and not set(listed) & set(unrelated)
    assert choose(photos, 10, 20, seed=4) != (listed, unrelated)


def test_a_folder_that_is_not_the_reference_media_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not the benign reference media"):
        check_media(tmp_path)


def test_a_small_sample_may_miss_what_its_share_allows_rounded_up() -> None:
    assert allowed_misses(200, 95.0) == 10
    assert allowed_misses(10, 90.0) == 1
    assert allowed_misses(3, 90.0) == 1
    assert allowed_misses(10, 100.0) == 0


@pytest.mark.slow
def test_a_failed_check_exits_11_and_is_stored_for_the_report(
    validated: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = json.loads(json.dumps(validated["stored"]))
    failing["checks"]["accuracy"] = False
    failing["passed"] = False
    monkeypatch.setattr("warden.validation.run.run_validation", lambda options, progress=None: failing)
    with pytest.raises(ValidationFailedError, match="validation failed: accuracy") as raised:
        validate_command.main(["--media", str(media())], standalone_mode=False)
    assert raised.value.exit_code == 11
    stored = load_latest()
    assert stored is not None and stored.result["passed"] is False

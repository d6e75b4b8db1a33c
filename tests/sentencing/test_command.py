"""``warden sentence`` as a user runs it (the lead attaches it to ``warden``; here it runs on its own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.sentencing.reports import report_with
from warden.cli.sentence import sentence_command
from warden.errors import CaseError, UsageError

NEWS = ["--offence", "possession", "--a", "50", "--b", "150", "--c", "1494", "--date", "2025-09-01"]


def invoke(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(sentence_command, list(args))
    return result.exit_code, result.output, result.exception


def test_the_news_case_typed_by_hand_prints_its_steps() -> None:
    code, out, error = invoke(*NEWS, "--plea-stage", "first", "--sentence", "20m")
    assert (code, error) == (0, None)
    assert "Category A: starting point 1 year's custody; range 26 weeks' custody to 3 years' custody" in out
    assert "Tested 20 months' custody: within the range, can be suspended, notification 10 years." in out
    assert "This case: guilty plea indicated at the first stage" in out


def test_json_is_the_reports_form() -> None:
    code, out, _ = invoke(*NEWS, "--json", "--age", "35", "--previous-convictions", "0")
    assert code == 0
    result = json.loads(out)
    assert result["engine"] == "warden.sentencing/1"
    assert result["inputs"]["age"] == 35
    assert result["category"] == "A"


def test_the_counts_of_a_case_are_read_from_its_report(tmp_path: Path) -> None:
    report = report_with({"A": (0, 0, 0, 0), "B": (3, 3, 1, 1), "C": (20, 19, 0, 0)})
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code, out, _ = invoke("--case", str(tmp_path), "--offence", "possession", "--json")
    assert code == 0
    section = json.loads(out)
    assert section["counts"]["B"]["images"] == 4
    assert [a["category"] for a in section["assessments"]] == ["B"]
    code, text, _ = invoke("--case", str(tmp_path))
    assert code == 0 and "production" in text


def test_a_case_without_a_report_is_a_case_error(tmp_path: Path) -> None:
    _, _, error = invoke("--case", str(tmp_path))
    assert isinstance(error, CaseError)
    assert "warden scan" in error.message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--offence", "possession", "--a", "1"], "--a, --b and --c"),
        ([*NEWS, "--sentence", "twenty months"], "--sentence"),
        ([*NEWS, "--aggravating", "nonsense"], "not an aggravating factor"),
        ([*NEWS, "--date", "2013-01-01"], "no guideline data"),
        ([*NEWS, "--conviction-date", "2025-09-02", "--sentence-date", "2025-09-01"], "must run"),
    ],
)
def test_bad_input_is_a_usage_error_that_says_what_is_wrong(args: list[str], message: str) -> None:
    _, _, error = invoke(*args)
    assert isinstance(error, UsageError)
    assert message in error.message


def test_both_a_case_and_typed_counts_is_a_usage_error(tmp_path: Path) -> None:
    _, _, error = invoke("--case", str(tmp_path), "--a", "1")
    assert isinstance(error, UsageError)


def test_the_factor_ids_can_be_listed() -> None:
    code, out, _ = invoke("--list-factors")
    assert code == 0
    assert "moving-images" in out and "(statutory)" in out and "remorse" in out


def test_every_option_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "sentencing.md").read_text(encoding="utf-8")
    for param in sentence_command.params:
        for option in param.opts:
            assert option in text, option

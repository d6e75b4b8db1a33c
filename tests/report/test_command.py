"""``warden report CASE``: the formats asked for, the indictment printed, bad options refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.report.cases import build_small_case
from warden.cli.report import report_command
from warden.errors import UsageError


def test_default_formats_are_everything_but_pdf_and_the_indictment_is_printed(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    result = CliRunner().invoke(report_command, [str(small.case.path)], catch_exceptions=False)
    assert result.exit_code == 0
    names = sorted(p.name for p in small.case.path.iterdir() if p.name.startswith("report"))
    assert names == ["report-vics.json", "report.csv", "report.html", "report.json"]
    assert "category A       3       0      3  (1/0)" in result.output
    assert "of which disputed: 1" in result.output
    assert "audit log verified" in result.output


def test_formats_and_output_folder_are_chosen(tmp_path: Path) -> None:
    small = build_small_case(tmp_path)
    out = tmp_path / "for-cps"
    result = CliRunner().invoke(
        report_command,
        [str(small.case.path), "--format", "json,csv", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.csv", "report.json"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "docx"], "unknown report format 'docx'"),
        (["--profile", "uk", "--format", "json"], "--profile applies to the vics format only"),
        (["--format", "vics", "--profile", "no-such"], "no category profile named 'no-such'"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    small = build_small_case(tmp_path)
    with pytest.raises(UsageError, match=message):
        report_command.main([str(small.case.path), *arguments], standalone_mode=False)
    assert not any(p.name.startswith("report") for p in small.case.path.iterdir())


def test_a_pdf_without_weasyprint_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warden.errors import DependencyMissingError

    small = build_small_case(tmp_path)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    with pytest.raises(DependencyMissingError, match=r"warden\[report\]") as raised:
        report_command.main([str(small.case.path), "--format", "pdf"], standalone_mode=False)
    assert raised.value.exit_code == 9

"""Grades feed back: a case's grades become a hash set in the store, export as VICS 2.0 for submission, and
the next case's scan finds those images by themselves."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.report.cases import SmallCase, build_small_case
from warden.case.grades_to_store import add_grades_to_store
from warden.case.items import load_items
from warden.cli import main
from warden.cli.hashset import from_grades_command
from warden.errors import HashSetExistsError, UsageError
from warden.grading.feedback import hashset_from_grades
from warden.hashsets.readers import read_hashset
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.report.case_report import build_case_report
from warden.scan.run import ScanOptions, run_scan


@pytest.fixture
def small(tmp_path: Path) -> SmallCase:
    return build_small_case(tmp_path)


def entries_by_path(small: SmallCase, include_disputed: bool = False) -> dict[str, Category]:
    feedback = hashset_from_grades(
        small.case.id, load_items(small.case.engine), "g", include_disputed=include_disputed
    )
    return {entry.source_id or "": entry.category for entry in feedback.hashset.entries}


def test_confirmed_and_unreviewed_grades_go_in_and_disputed_ones_only_when_asked(small: SmallCase) -> None:
    case_id = small.case.id
    assert entries_by_path(small) == {
        f"{case_id}:laptop/b.png": Category.B,
        f"{case_id}:laptop/e.jpg": Category.NOT_INDECENT,
    }
    assert entries_by_path(small, include_disputed=True)[f"{case_id}:laptop/c.jpg"] is Category.C


def test_an_entry_carries_every_hash_of_the_graded_file(small: SmallCase) -> None:
    items = {item.path: item for item in load_items(small.case.engine)}
    feedback = hashset_from_grades(small.case.id, items.values(), "g")
    entry = next(e for e in feedback.hashset.entries if e.category is Category.B)
    graded = items["b.png"]
    assert (entry.md5, entry.sha1, entry.sha256, entry.pdq) == (
        graded.md5,
        graded.sha1,
        graded.sha256,
        graded.pdq,
    )
    assert feedback.left_out_disputed == 1 and feedback.graded == 3
    assert feedback.hashset.format == "grades"


def test_the_set_is_stored_audited_and_shown_in_the_report(small: SmallCase) -> None:
    store = HashSetStore.from_settings()
    _, manifest = add_grades_to_store(small.case, store, "case-grades")
    assert store.names() == ["case-grades"] and manifest["entries"] == 2
    events = build_case_report(small.case)["continuity"]["events"]
    made = [event for event in events if event["action"] == "hashset.from_grades"]
    assert len(made) == 1 and "case-grades" in made[0]["summary"] and "2 entries" in made[0]["summary"]
    with pytest.raises(HashSetExistsError):
        add_grades_to_store(small.case, store, "case-grades")


def test_a_case_without_usable_grades_makes_no_set(tmp_path: Path) -> None:
    from warden.case.folder import Case

    case = Case.open(tmp_path / "empty", create=True)
    with pytest.raises(UsageError, match="no grade"):
        add_grades_to_store(case, HashSetStore.from_settings(), "nothing")


def test_exported_as_vics_it_reads_back_and_its_csv_has_the_recorded_checksum(
    small: SmallCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = CliRunner().invoke(
        from_grades_command,
        [str(small.case.path), "--name", "upstream", "--include-disputed"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and "stored 3 entries as 'upstream'" in result.output
    submission = tmp_path / "submission.json"
    assert (
        main(["hashset", "export", "upstream", "--format", "vics", "--profile", "uk", "-o", str(submission)])
        == 0
    )
    back = read_hashset(submission, "back")
    assert sorted(entry.category.value for entry in back.entries) == ["B", "C", "not_indecent"]
    assert all(entry.md5 and entry.sha1 and entry.pdq for entry in back.entries)
    capsys.readouterr()
    assert main(["hashset", "export", "upstream"]) == 0
    exported = capsys.readouterr().out.encode("utf-8")
    manifest = HashSetStore.from_settings().manifest("upstream")
    assert hashlib.sha256(exported).hexdigest() == manifest["source_sha256"]


def test_the_next_case_finds_the_graded_images_by_themselves(small: SmallCase, tmp_path: Path) -> None:
    store = HashSetStore.from_settings()
    add_grades_to_store(small.case, store, "grades-1")
    seized = tmp_path / "next-exhibit"
    seized.mkdir()
    shutil.copyfile(small.evidence["laptop"] / "b.png", seized / "copy-of-b.png")
    shutil.copyfile(small.evidence["laptop"] / "d.jpg", seized / "never-graded.jpg")
    result = run_scan(ScanOptions([seized], ["grades-1"], tmp_path / "next-case", workers=1), store)
    items = {item["path"]: item for item in build_case_report(result.case)["items"]}
    assert items["copy-of-b.png"]["category"] == "B"
    assert items["copy-of-b.png"]["established_by"] == "hashset-exact"
    assert items["copy-of-b.png"]["match"]["source_id"] == f"{small.case.id}:laptop/b.png"
    assert items["never-graded.jpg"]["category"] is None

"""The shipped law data: complete, dated, and honest about what was verified."""

from __future__ import annotations

from datetime import date

import pytest

from tests.sentencing.data import raw_files
from warden.sentencing.build import build_law, checks
from warden.sentencing.bundled import bundled_law
from warden.sentencing.law import OFFENCES, NoVersionError


def test_the_shipped_data_loads_with_a_cell_for_every_offence_and_category() -> None:
    law = bundled_law()
    table = law.guidelines.on(date(2025, 1, 1)).table
    assert sorted(table) == sorted((o, c) for o in OFFENCES for c in "ABC")


def test_every_source_says_where_it_is_and_whether_it_was_read() -> None:
    for source in bundled_law().sources.values():
        assert source.url and source.title
        assert source.read is not None or "Not read" in source.note, source.id


def test_only_a_primary_source_that_was_read_can_verify_a_figure() -> None:
    law = bundled_law()
    for name, check in checks(law):
        assert check.reason, name
        if check.verified:
            readers = [law.sources[s] for s in check.sources]
            assert any(s.primary and s.read for s in readers), name


def test_the_guideline_table_itself_is_marked_unverified_with_its_reason() -> None:
    # The Council's page could not be read: no cell may claim verification.
    for cell in bundled_law().guidelines.on(date(2025, 1, 1)).table.values():
        assert not cell.check.verified
        assert "not reachable" in cell.check.reason


def test_no_category_range_rises_above_its_statutory_maximum() -> None:
    law = bundled_law()
    for (offence, _), cell in law.guidelines.on(date(2025, 1, 1)).table.items():
        assert cell.high.custodial_term() <= law.offences[offence].maximum


def test_each_rule_is_chosen_by_its_own_date() -> None:
    law = bundled_law()
    assert law.suspension.on(date(2026, 3, 21)).id == "two-year-limit"
    assert law.suspension.on(date(2026, 3, 22)).id == "sentencing-act-2026"
    assert law.pleas.on(date(2017, 6, 1)).id == "sc-plea-2017-06-01"
    with pytest.raises(NoVersionError, match="begins 2017-06-01"):
        law.pleas.on(date(2017, 5, 31))
    with pytest.raises(NoVersionError, match="begins 2014-04-01"):
        law.guidelines.on(date(2014, 3, 31))


def test_a_later_guideline_is_a_new_version_that_applies_from_its_date() -> None:
    files = raw_files()
    later = dict(files["guideline_iioc"]["versions"][0], id="sc-iioc-2030", effective="2030-01-01")
    later["table"] = {**later["table"], "possession": {**later["table"]["possession"]}}
    later["table"]["possession"]["A"] = dict(later["table"]["possession"]["A"], starting_point="18m")
    files["guideline_iioc"]["versions"].append(later)
    law = build_law(files)
    assert str(law.guidelines.on(date(2029, 12, 31)).table[("possession", "A")].starting_point) == (
        "1 year's custody"
    )
    assert str(law.guidelines.on(date(2030, 1, 1)).table[("possession", "A")].starting_point) == (
        "18 months' custody"
    )


def test_a_figure_citing_an_unlisted_source_is_refused() -> None:
    files = raw_files()
    files["offences"]["offences"][0]["check"]["sources"] = ["nowhere"]
    with pytest.raises(ValueError, match="nowhere"):
        build_law(files)


def test_a_verified_figure_without_a_source_is_refused() -> None:
    files = raw_files()
    files["offences"]["offences"][0]["check"] = {"verified": True, "sources": [], "reason": "trust me"}
    with pytest.raises(ValueError, match="must cite a source"):
        build_law(files)


def test_a_starting_point_outside_its_range_is_refused() -> None:
    files = raw_files()
    files["guideline_iioc"]["versions"][0]["table"]["possession"]["A"]["starting_point"] = "4y"
    with pytest.raises(ValueError, match="outside the range"):
        build_law(files)

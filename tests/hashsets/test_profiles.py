"""Category profiles: the built-in schemes, user profiles by name or path, and refusals that name the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from warden.errors import UsageError
from warden.hashsets.profiles import (
    CategoryProfile,
    list_profiles,
    load_profile,
    profile_key,
    user_profile_dir,
)
from warden.model.categories import Category


def user_profile(name: str, body: dict[str, object]) -> Path:
    directory = user_profile_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_uk_profile_maps_the_legal_categories() -> None:
    uk = load_profile("uk")
    assert [uk.category_for(code) for code in (1, 2, 3, 0, None)] == [
        Category.A,
        Category.B,
        Category.C,
        Category.NOT_INDECENT,
        Category.UNCATEGORISED,
    ]
    assert uk.category_for(5) is None
    assert uk.origin == "built-in"


def test_us_profile_never_invents_a_uk_category() -> None:
    us = load_profile("us")
    assert [us.category_for(code) for code in (0, 1, 2, 3, 4, None)] == [
        Category.NOT_INDECENT,  # non-pertinent
        Category.UNCATEGORISED,  # child abuse material: listed, to be graded
        Category.UNCATEGORISED,  # exploitive / age difficult: may be indecent in the UK
        Category.UNCATEGORISED,  # CGI / animation: may be a pseudo-photograph
        Category.NOT_INDECENT,  # comparison
        Category.UNCATEGORISED,
    ]
    assert not any(category.is_indecent for category in us.map.values())


def test_codes_are_read_however_a_list_writes_them() -> None:
    assert [profile_key(code) for code in (1, "1", " 01 ", 1.0, None, "", "POSITIVE_CLASS")] == [
        "1",
        "1",
        "1",
        "1",
        "null",
        "null",
        "positive_class",
    ]
    with pytest.raises(ValueError, match="cannot be True"):
        profile_key(True)


def test_code_for_writes_back_what_reads_the_same() -> None:
    us = load_profile("us")
    assert us.code_for(Category.UNCATEGORISED) == "null"
    assert us.code_for(Category.NOT_INDECENT) == "0"
    assert us.code_for(Category.A) is None
    assert load_profile("uk").code_for(Category.C) == "3"


def test_user_profile_by_name_and_by_path(tmp_path: Path) -> None:
    body = {
        "name": "force-x",
        "description": "our scheme",
        "map": {"1": "A", "9": "c", "null": "uncategorised"},
    }
    path = user_profile("force-x", body)
    profile = load_profile("force-x")
    assert profile.category_for(9) is Category.C
    assert profile.origin == str(path)
    elsewhere = tmp_path / "mine.json"
    elsewhere.write_text(json.dumps(body | {"name": "whatever"}), encoding="utf-8")
    assert load_profile(str(elsewhere)).name == "whatever"
    assert load_profile(elsewhere).category_for("1") is Category.A
    names = [p.name for p in list_profiles()]
    assert names[:3] == ["threatexchange", "uk", "us"]
    assert "force-x" in names


def test_digest_follows_the_mapping() -> None:
    base = {"name": "p", "map": {"1": "A"}}
    one = CategoryProfile.from_json(base, "a")
    assert one.digest == CategoryProfile.from_json(base | {"description": "changed"}, "b").digest
    assert one.digest != CategoryProfile.from_json({"name": "p", "map": {"1": "B"}}, "c").digest


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"name": "p", "map": {"1": "D"}}, "unknown category 'D'"),
        ({"name": "p", "map": {"1": "A", "01": "B"}}, "maps '01' twice"),
        ({"name": "p", "map": {"1": ""}}, "must be a category name"),
        ({"name": "p", "maps": {}}, "unknown field 'maps'"),
        ({"name": "P Q", "map": {}}, "'name' must be"),
        ({"name": "p"}, "'map' is missing"),
        ({"name": "p", "map": []}, "must be a JSON object"),
        ([], "must be a JSON object"),
    ],
)
def test_malformed_profile_is_refused_naming_the_file(tmp_path: Path, body: object, words: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_profile(path)
    assert str(path) in caught.value.message
    assert words in caught.value.message


def test_broken_json_profile_names_line(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"name": "p",\n "map": {,}}', encoding="utf-8")
    with pytest.raises(UsageError, match="line 2"):
        load_profile(path)


def test_unknown_name_lists_what_there_is() -> None:
    with pytest.raises(UsageError, match="known: threatexchange, uk, us"):
        load_profile("nope")
    with pytest.raises(UsageError, match="does not exist"):
        load_profile("missing.json")


def test_user_profile_may_not_shadow_a_builtin() -> None:
    user_profile("uk", {"name": "uk", "map": {"1": "C"}})
    with pytest.raises(UsageError, match="has the name of the built-in profile"):
        load_profile("uk")


def test_profile_given_by_path_may_not_take_a_builtin_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "uk", "map": {"1": "C"}}), encoding="utf-8")
    with pytest.raises(UsageError, match="is a built-in profile's"):
        load_profile(path)


def test_profile_found_by_name_must_carry_that_name() -> None:
    user_profile("ours", {"name": "theirs", "map": {}})
    with pytest.raises(UsageError, match="not 'ours'"):
        load_profile("ours")


def test_profiles_live_under_warden_home() -> None:
    assert user_profile_dir() == Path(os.environ["WARDEN_HOME"]) / "profiles"

"""Category profiles: named, editable JSON maps from a list's category codes to Warden's categories.

A profile is data, never code::

    {"name": "uk", "description": "...", "map": {"0": "not_indecent", "1": "A", "null": "uncategorised"},
     "tags": {"some_tag": "C"}}

``map`` keys are a list's category codes: numbers as text (``"1"``), text labels (``"positive_class"``,
matched without regard to case) or ``"null"`` for "the list gives no category". ``tags`` (optional) maps
free-text tags, for formats that carry them (ThreatExchange CSV). Built-in profiles ship as package data in
``warden/hashsets/profiles/``; user profiles live in ``$WARDEN_HOME/profiles/<name>.json`` or are given by
path. A code a profile does not map is never guessed: the reader rejects the file and names the record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from warden import settings
from warden.errors import UsageError
from warden.model.categories import Category

NULL_KEY = "null"
"""The map key for a record whose category is missing or null."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_FIELDS = {"name", "description", "map", "tags"}


def profile_key(code: object) -> str:
    """The map key for a category code as a list writes it: ``1``, ``"1"``, ``"POSITIVE_CLASS"``, null.

    Raises:
        ValueError: the code is neither a whole number, a text label nor null.
    """
    if code is None:
        return NULL_KEY
    if isinstance(code, bool):
        raise ValueError(f"a category cannot be {code!r}")
    if isinstance(code, int):
        return str(code)
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    if isinstance(code, str):
        text = code.strip()
        if not text:
            return NULL_KEY
        if text.isdigit():
            return str(int(text))
        return text.lower()
    raise ValueError(f"a category cannot be {str(code)[:20]!r}")


@dataclass(frozen=True, slots=True)
class CategoryProfile:
    """A named map from a list's category codes (and optionally its tags) to Warden categories.

    Attributes:
        name: the stable name recorded with every set read through it.
        description: what scheme it encodes and where that scheme comes from.
        map: category code (see :func:`profile_key`) to category.
        tags: tag (lower case) to category, for lists that carry free-text tags.
        origin: ``built-in`` or the path of the JSON file it was read from.
    """

    name: str
    description: str
    map: Mapping[str, Category]
    tags: Mapping[str, Category] = field(default_factory=dict)
    origin: str = "built-in"

    def category_for(self, code: object) -> Category | None:
        """The category this profile gives ``code``, or None when it does not map it (or cannot read it)."""
        try:
            return self.map.get(profile_key(code))
        except ValueError:
            return None

    def tag_category(self, tag: str) -> Category | None:
        """The category this profile gives a tag, or None."""
        return self.tags.get(tag.strip().lower())

    def code_for(self, category: Category) -> str | None:
        """The code to write for ``category``: ``null`` when null maps to it, else its smallest code.

        Several codes may map to one category (``us`` maps 1, 2 and 3 to uncategorised); writing picks one
        so that reading the file back through the same profile gives the same category.
        """
        codes = [code for code, mapped in self.map.items() if mapped is category]
        if NULL_KEY in codes:
            return NULL_KEY
        numbers = sorted(int(code) for code in codes if code.isdigit())
        if numbers:
            return str(numbers[0])
        return min(codes) if codes else None

    @property
    def digest(self) -> str:
        """SHA-256 of the profile's mapping, so a record can show exactly which version of an editable
        profile was used."""
        body = {"map": {k: v.value for k, v in sorted(self.map.items())}}
        body["tags"] = {k: v.value for k, v in sorted(self.tags.items())}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_json(cls, data: Any, origin: str) -> CategoryProfile:
        """Build a profile from parsed JSON, checking every field.

        Raises:
            UsageError: a field is missing, unknown or malformed; the message names ``origin``.
        """

        def bad(problem: str) -> UsageError:
            return UsageError(f"category profile {origin}: {problem}")

        if not isinstance(data, dict):
            raise bad("must be a JSON object")
        unknown = sorted(set(data) - _FIELDS)
        if unknown:
            raise bad(f"unknown field {unknown[0]!r} (fields are name, description, map, tags)")
        name = data.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise bad("'name' must be lower-case letters, digits, '.', '_' or '-'")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise bad("'description' must be text")
        if "map" not in data:
            raise bad("'map' is missing")
        return cls(
            name=name,
            description=description,
            map=_read_map(data["map"], "map", bad),
            tags=_read_map(data.get("tags", {}), "tags", bad),
            origin=origin,
        )


def _read_map(raw: Any, what: str, bad: Callable[[str], UsageError]) -> dict[str, Category]:
    if not isinstance(raw, dict):
        raise bad(f"'{what}' must be a JSON object of code -> category")
    mapped: dict[str, Category] = {}
    for code, value in raw.items():
        try:
            key = profile_key(code) if what == "map" else code.strip().lower()
        except ValueError as exc:
            raise bad(f"'{what}' key {code!r}: {exc}") from None
        if not key:
            raise bad(f"'{what}' has an empty key")
        if key in mapped:
            raise bad(f"'{what}' maps {code!r} twice")
        if not isinstance(value, str) or not value.strip():
            raise bad(f"'{what}' value for {code!r} must be a category name")
        try:
            mapped[key] = Category.parse(value)
        except ValueError as exc:
            raise bad(f"'{what}' value for {code!r}: {exc}") from None
    return mapped


def user_profile_dir() -> Path:
    """Where user profiles live: ``$WARDEN_HOME/profiles``."""
    return settings.get_path(settings.HOME) / "profiles"


def _builtin_dir() -> Any:
    return resources.files("warden.hashsets") / "profiles"


def _builtin_names() -> list[str]:
    return sorted(item.name[:-5] for item in _builtin_dir().iterdir() if item.name.endswith(".json"))


def _load_file(text: str, origin: str) -> CategoryProfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"category profile {origin}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    return CategoryProfile.from_json(data, origin)


def _looks_like_path(name_or_path: str | Path) -> bool:
    if isinstance(name_or_path, Path):
        return True
    return name_or_path.endswith(".json") or "/" in name_or_path or "\\" in name_or_path


def load_profile(name_or_path: str | Path) -> CategoryProfile:
    """A built-in or user profile by name, or a profile file by path.

    A name is looked up among the built-in profiles and in :func:`user_profile_dir`; a user profile may not
    share a built-in's name (neither would silently win). A profile found by name must carry that name.

    Raises:
        UsageError: no such profile, two with the name, or the file is malformed.
    """
    if _looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise UsageError(f"category profile file {path} does not exist")
        profile = _load_file(path.read_text(encoding="utf-8-sig"), str(path))
        if profile.name in _builtin_names():
            raise UsageError(
                f"category profile {path}: its name {profile.name!r} is a built-in profile's; give it a "
                "name of its own so it is clear which one a set was read with"
            )
        return profile
    name = str(name_or_path).strip().lower()
    if not _NAME.fullmatch(name):
        raise UsageError(f"{name_or_path!r} is not a profile name or a path to a .json file")
    user_path = user_profile_dir() / f"{name}.json"
    builtin = name in _builtin_names()
    if builtin and user_path.is_file():
        raise UsageError(
            f"user profile {user_path} has the name of the built-in profile {name!r}; rename it "
            "(and its 'name' field) so it is clear which one a set was read with"
        )
    if builtin:
        profile = _load_file((_builtin_dir() / f"{name}.json").read_text(encoding="utf-8"), "built-in")
    elif user_path.is_file():
        profile = _load_file(user_path.read_text(encoding="utf-8-sig"), str(user_path))
    else:
        known = ", ".join(profile_names()) or "none"
        raise UsageError(
            f"no category profile named {name!r} (known: {known}); or give a path to a .json file"
        )
    if profile.name != name:
        raise UsageError(f"category profile {profile.origin}: its 'name' is {profile.name!r}, not {name!r}")
    return profile


def profile_names() -> list[str]:
    """Names of the built-in profiles, then of the user profiles, each sorted."""
    directory = user_profile_dir()
    users = sorted(path.stem for path in directory.glob("*.json")) if directory.is_dir() else []
    builtins = _builtin_names()
    return builtins + [name for name in users if name not in builtins]


def list_profiles() -> list[CategoryProfile]:
    """Every built-in and user profile, built-in first.

    Raises:
        UsageError: a user profile file is malformed or shadows a built-in one.
    """
    return [load_profile(name) for name in profile_names()]

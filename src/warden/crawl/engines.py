"""Forum-engine profiles: named JSON data saying, per engine, where its pages show boards, threads, users,
their roles, posts and rules, registration, invitation and payment pages, and how to recognise the engine.

A profile is data, never code (CSS selectors and words)::

    {"name": "phpbb", "description": "...",
     "detect": {"generator": ["phpbb"], "selectors": ["body#phpbb"], "text": ["powered by phpbb"]},
     "boards": "a.forumtitle", "threads": "a.topictitle", "thread_title": "h2.topic-title",
     "users": [{"item": "dl.postprofile", "name": "a.username", "rank": "dd.profile-rank", "group": ""}],
     "posts": {"item": "div.post", "author": "a.username", "time": "time"},
     "roles": {"administrator": {"words": ["admin"], "selectors": ["[style*='AA0000']"]}, ...},
     "pages": {"rules": {"words": ["rules"], "selectors": ["a[href*='mode=terms']"]}, ...}}

A profile's ``roles`` and ``pages`` add to the ``generic`` profile's (words and selectors). Built-in
profiles ship in ``warden/crawl/profiles/`` and register, in :data:`BUILT_IN` order, into :data:`ENGINES`
(a registry refusing a duplicate name); :func:`load_engine` also reads a user's profile file by path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lxml.cssselect import CSSSelector, SelectorError

from warden.errors import UsageError
from warden.registry import Registry

ROLES = ("administrator", "moderator", "member")
"""The roles a page can show, most powerful first (the first whose evidence a user matches is theirs)."""
PAGE_KINDS = ("rules", "registration", "invitation", "payment")
"""The kinds of page the report lists."""
BUILT_IN = ("phpbb", "mybb", "smf", "vbulletin", "xenforo", "discourse", "vichan", "generic")
"""Built-in profiles, in the order engine detection breaks ties in."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_FIELDS = {
    "name",
    "description",
    "detect",
    "boards",
    "threads",
    "thread_title",
    "users",
    "posts",
    "roles",
    "pages",
}
_USER_FIELDS = {"item", "name", "rank", "group"}
_POST_FIELDS = {"item", "author", "time", "link"}


@dataclass(frozen=True, slots=True)
class Marks:
    """How a role or a kind of page shows: words in text (whole words, any case) and CSS selectors."""

    words: tuple[str, ...] = ()
    selectors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkSource:
    """Where a page links to boards or threads: each ``link`` is one, its text the title; or, with ``item``,
    each item is one, its first ``link`` the address and its first ``title`` (else the link's text) the title
    (an imageboard's thread, whose subject is not its link)."""

    link: str
    item: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class UserSource:
    """Where a page lists users: each ``item`` holds one or more ``name`` links, and may show a rank or
    a group (a team page's "Administrators" heading, say) that applies to every name in it."""

    item: str
    name: str
    rank: str = ""
    group: str = ""


@dataclass(frozen=True, slots=True)
class PostSource:
    """Where a page shows posts, and in each its author, its time as shown and its own link."""

    item: str
    author: str
    time: str = ""
    link: str = ""


@dataclass(frozen=True, slots=True)
class EngineProfile:
    """One forum engine's markup, as selectors (see the module's docstring for the JSON form).

    Attributes:
        name: stable name, recorded with what was extracted through it.
        description: which engine and versions the selectors were written for.
        generator: words of a ``<meta name="generator">`` that identify the engine.
        detect_selectors: selectors only the engine's pages match (class names, ids).
        detect_text: words of the engine's footer ("Powered by phpBB").
        boards, threads: selectors of the links to boards (forums) and to threads.
        thread_title: selector of the thread's title on a thread page.
        users, posts: where users and posts show.
        roles: role -> how the role shows.
        pages: page kind -> how links to such pages (and the pages themselves) show.
        origin: ``built-in`` or the file it was read from.
    """

    name: str
    description: str
    generator: tuple[str, ...]
    detect_selectors: tuple[str, ...]
    detect_text: tuple[str, ...]
    boards: tuple[LinkSource, ...]
    threads: tuple[LinkSource, ...]
    thread_title: str
    users: tuple[UserSource, ...]
    posts: tuple[PostSource, ...]
    roles: dict[str, Marks]
    pages: dict[str, Marks]
    origin: str = "built-in"

    @classmethod
    def from_json(cls, data: Any, origin: str, inherit: EngineProfile | None = None) -> EngineProfile:
        """Build a profile from parsed JSON, checking every field and compiling every selector.

        Args:
            data: the parsed JSON.
            origin: where it came from, named in errors.
            inherit: the profile whose ``roles`` and ``pages`` this one's add to.

        Raises:
            UsageError: a field is missing, unknown or malformed, or a selector is not valid CSS.
        """
        reader = _Reader(origin)
        if not isinstance(data, dict):
            raise reader.bad("must be a JSON object")
        reader.known(data, _FIELDS, "")
        name = data.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise reader.bad("'name' must be lower-case letters, digits, '.', '_' or '-'")
        detect = data.get("detect", {})
        if not isinstance(detect, dict):
            raise reader.bad("'detect' must be an object")
        reader.known(detect, {"generator", "selectors", "text"}, "detect.")
        roles = reader.marks_map(data, "roles", ROLES, inherit.roles if inherit else None)
        pages = reader.marks_map(data, "pages", PAGE_KINDS, inherit.pages if inherit else None)
        return cls(
            name=name,
            description=reader.text(data, "description"),
            generator=tuple(w.lower() for w in reader.words(detect, "generator")),
            detect_selectors=reader.selectors(detect, "selectors"),
            detect_text=tuple(w.lower() for w in reader.words(detect, "text")),
            boards=reader.links(data, "boards"),
            threads=reader.links(data, "threads"),
            thread_title=reader.selector(data, "thread_title"),
            users=tuple(
                UserSource(**reader.source(u, _USER_FIELDS, "users")) for u in reader.listed(data, "users")
            ),
            posts=tuple(
                PostSource(**reader.source(p, _POST_FIELDS, "posts")) for p in reader.listed(data, "posts")
            ),
            roles=roles,
            pages=pages,
            origin=origin,
        )


class _Reader:
    """Checks one profile's fields, naming the profile in every complaint."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def bad(self, problem: str) -> UsageError:
        return UsageError(f"forum-engine profile {self.origin}: {problem}")

    def known(self, data: dict[str, Any], fields: set[str], where: str) -> None:
        unknown = sorted(set(data) - fields)
        if unknown:
            raise self.bad(f"unknown field '{where}{unknown[0]}' (fields are {', '.join(sorted(fields))})")

    def text(self, data: dict[str, Any], key: str) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise self.bad(f"'{key}' must be text")
        return value

    def selector(self, data: dict[str, Any], key: str) -> str:
        value = self.text(data, key).strip()
        if value:
            try:
                CSSSelector(value)
            except SelectorError as error:
                raise self.bad(f"'{key}' is not a CSS selector lxml can use ({error})") from None
        return value

    def words(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            raise self.bad(f"'{key}' must be a list of non-empty texts")
        return tuple(w.strip() for w in value)

    def selectors(self, data: dict[str, Any], key: str) -> tuple[str, ...]:
        return tuple(self.selector({key: s}, key) for s in self.words(data, key))

    def links(self, data: dict[str, Any], key: str) -> tuple[LinkSource, ...]:
        value = data.get(key, [])
        entries = value if isinstance(value, list) else [value]
        found = []
        for entry in entries:
            if isinstance(entry, str):
                entry = {"link": entry}
            if not isinstance(entry, dict):
                raise self.bad(f"'{key}' must be a selector, an object or a list of them")
            self.known(entry, {"link", "item", "title"}, f"{key}.")
            fields = {
                field: self.selector({f"{key}.{field}": entry.get(field, "")}, f"{key}.{field}")
                for field in ("link", "item", "title")
            }
            if not fields["link"]:
                raise self.bad(f"each of '{key}' needs a 'link' selector")
            found.append(LinkSource(**fields))
        return tuple(found)

    def listed(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = data.get(key, [])
        value = [value] if isinstance(value, dict) else value
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.bad(f"'{key}' must be an object or a list of objects")
        return value

    def source(self, data: dict[str, Any], fields: set[str], key: str) -> dict[str, str]:
        self.known(data, fields, f"{key}.")
        found = {field: self.selector(data, field) for field in fields if field in data}
        required = "name" if key == "users" else "author"
        if not found.get("item") or not found.get(required):
            raise self.bad(f"each of '{key}' needs 'item' and '{required}' selectors")
        return found

    def marks_map(
        self, data: dict[str, Any], key: str, names: tuple[str, ...], inherited: dict[str, Marks] | None
    ) -> dict[str, Marks]:
        raw = data.get(key, {})
        if not isinstance(raw, dict):
            raise self.bad(f"'{key}' must be an object")
        self.known(raw, set(names), f"{key}.")
        marks: dict[str, Marks] = {}
        for name in names:
            entry = raw.get(name, {})
            if not isinstance(entry, dict):
                raise self.bad(f"'{key}.{name}' must be an object with 'words' and 'selectors'")
            self.known(entry, {"words", "selectors"}, f"{key}.{name}.")
            base = inherited.get(name, Marks()) if inherited else Marks()
            words = tuple(w.lower() for w in self.words(entry, "words"))
            marks[name] = Marks(
                base.words + tuple(w for w in words if w not in base.words),
                base.selectors
                + tuple(s for s in self.selectors(entry, "selectors") if s not in base.selectors),
            )
        return marks


ENGINES: Registry[EngineProfile] = Registry("forum-engine profile")
"""The profiles: the built-in ones registered on first use by :func:`engines`, a third party's alike."""


def _read(text: str, origin: str, inherit: EngineProfile | None) -> EngineProfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"forum-engine profile {origin}: not valid JSON ({error.msg} at line {error.lineno})"
        ) from None
    return EngineProfile.from_json(data, origin, inherit)


def engines() -> Registry[EngineProfile]:
    """The registry, with the built-in profiles registered (``generic`` first read, others inheriting it)."""
    if "generic" not in ENGINES:
        folder = resources.files("warden.crawl") / "profiles"
        generic = _read((folder / "generic.json").read_text(encoding="utf-8"), "built-in", None)
        for name in BUILT_IN:
            profile = generic if name == "generic" else None
            if profile is None:
                profile = _read((folder / f"{name}.json").read_text(encoding="utf-8"), "built-in", generic)
            if profile.name != name:
                raise UsageError(f"built-in forum-engine profile {name}.json calls itself {profile.name!r}")
            ENGINES.register(name, profile)
    return ENGINES


def load_engine(name_or_path: str | Path) -> EngineProfile:
    """A registered profile by name, or a user's profile file (``.json``) by path.

    Raises:
        UsageError: no profile has the name, or the file is missing, malformed or takes a registered name.
    """
    registry = engines()
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".json") or "/" in text:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise UsageError(f"forum-engine profile file {path} does not exist")
        profile = _read(path.read_text(encoding="utf-8-sig"), str(path), registry.get("generic"))
        if profile.name in registry:
            raise UsageError(
                f"forum-engine profile {path}: its name {profile.name!r} is a registered profile's; give "
                "it a name of its own so the record shows which one was used"
            )
        return profile
    if text not in registry:
        raise UsageError(f"no forum-engine profile named {text!r} (known: {', '.join(registry.names())})")
    return registry.get(text)

"""What one page shows about how a site is run: boards, threads, users and their roles as shown, posts,
rules, registration, invitation and payment pages, payment addresses, and what it could not tell.

Pure: a page's bytes, its address and charset, and a forum-engine profile (:mod:`warden.crawl.engines`) in;
a :class:`SiteStructure` out. The engine is recognised from the page when no profile is given. Roles are
reported as the page shows them, with what showed them (a rank's words, a group heading, a mark the engine
puts on staff names); a rank with no role word in it is kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from warden.crawl.engines import PAGE_KINDS, ROLES, EngineProfile, LinkSource, Marks, engines
from warden.crawl.html_page import HtmlPage, parse_page
from warden.crawl.payments import PaymentsSeen, find_payments

MAX_ENTRIES = 2_000
"""Entries kept at most per list (boards, threads, users, posts, page links) of one page."""
_MAX_TEXT = 300  # characters kept of a title, a name or a rank


@dataclass(frozen=True, slots=True)
class LinkSeen:
    """A board or a thread the page links to."""

    title: str | None
    url: str


@dataclass(frozen=True, slots=True)
class UserSeen:
    """A user the page names, with their role as the page shows it.

    Attributes:
        name: as shown.
        url: their profile's address, when the name links to one.
        role: ``administrator``, ``moderator``, ``member``, the rank as written when it names no role, or
            None when the page shows nothing of it.
        rank: the rank or title text shown beside the name, if any.
        shown_by: what showed the role ("rank 'Site Admin'", "group 'Administrators'", "mark ...").
    """

    name: str
    url: str | None
    role: str | None
    rank: str | None
    shown_by: str | None


@dataclass(frozen=True, slots=True)
class PostSeen:
    """A post: its author, its time as shown (and as the markup states it, when it does), its thread."""

    author: str | None
    time_shown: str | None
    time_stated: str | None
    thread: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class PageLink:
    """A link to a rules, registration, invitation or payment page, or this page being one (``url`` is the
    page's own), and what showed it."""

    kind: str
    url: str
    text: str
    shown_by: str


@dataclass(frozen=True, slots=True)
class SiteStructure:
    """What one page shows; ``not_found`` names each field the profile looks for that the page lacks."""

    url: str
    engine: str
    engine_shown_by: tuple[str, ...]
    boards: tuple[LinkSeen, ...] = ()
    threads: tuple[LinkSeen, ...] = ()
    thread_title: str | None = None
    users: tuple[UserSeen, ...] = ()
    posts: tuple[PostSeen, ...] = ()
    pages: tuple[PageLink, ...] = ()
    payments: PaymentsSeen = field(default_factory=PaymentsSeen)
    not_found: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The structure as JSON-ready values (payment words under ``payments.hints``, marked as hints)."""
        return {
            "url": self.url,
            "engine": self.engine,
            "engine_shown_by": list(self.engine_shown_by),
            "boards": [{"title": b.title, "url": b.url} for b in self.boards],
            "threads": [{"title": t.title, "url": t.url} for t in self.threads],
            "thread_title": self.thread_title,
            "users": [
                {"name": u.name, "url": u.url, "role": u.role, "rank": u.rank, "shown_by": u.shown_by}
                for u in self.users
            ],
            "posts": [
                {
                    "author": p.author,
                    "time_shown": p.time_shown,
                    "time_stated": p.time_stated,
                    "thread": p.thread,
                    "url": p.url,
                }
                for p in self.posts
            ],
            "pages": [
                {"kind": p.kind, "url": p.url, "text": p.text, "shown_by": p.shown_by} for p in self.pages
            ],
            "payments": self.payments.to_json(),
            "not_found": list(self.not_found),
            "problems": list(self.problems),
        }


def extract_structure(
    body: bytes, url: str, charset: str | None = None, profile: EngineProfile | None = None
) -> SiteStructure:
    """Parse ``body`` within bounds and read what it shows through ``profile`` (recognised when None)."""
    return read_structure(parse_page(body, url, charset), profile)


def detect_engine(page: HtmlPage) -> tuple[EngineProfile, tuple[str, ...]]:
    """The registered profile whose marks the page shows most (``generic`` when none), and those marks."""
    registry = engines()
    if page.root is None:
        return registry.get("generic"), ()
    lower = "translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    generator = " ".join(str(c) for c in page.root.xpath(f"//meta[{lower}='generator']/@content")).lower()
    text = page.text(200_000).lower()
    best: tuple[int, EngineProfile | None, tuple[str, ...]] = (0, None, ())
    for profile in registry:
        reasons = [f"generator '{w}'" for w in profile.generator if w in generator]
        reasons += [f"markup '{s}'" for s in profile.detect_selectors if _select(page.root, s)]
        reasons += [f"text '{w}'" for w in profile.detect_text if w in text]
        if len(reasons) > best[0]:
            best = (len(reasons), profile, tuple(reasons))
    if best[1] is None:
        return registry.get("generic"), ()
    return best[1], best[2]


def read_structure(page: HtmlPage, profile: EngineProfile | None = None) -> SiteStructure:
    """What ``page`` shows, read through ``profile`` (recognised from the page when None); never raises."""
    shown_by: tuple[str, ...] = ("chosen",)
    problems = list(page.problems)
    if profile is None:
        try:
            profile, shown_by = detect_engine(page)
        except (etree.LxmlError, ValueError) as error:
            profile, shown_by = engines().get("generic"), ()
            problems.append(f"the engine could not be recognised ({error})")
    result = SiteStructure(page.url, profile.name, shown_by, problems=tuple(problems))
    if page.root is None:
        return replace(result, not_found=_looked_for(profile))
    try:
        return _read(page, profile, result)
    except (etree.LxmlError, ValueError) as error:
        return replace(result, problems=(*result.problems, f"the page could not be read ({error})"))


def _read(page: HtmlPage, profile: EngineProfile, result: SiteStructure) -> SiteStructure:
    root, base = page.root, page.url
    thread_title = _first_text(root, profile.thread_title) if profile.thread_title else None
    if thread_title is None:
        thread_title = _first_text(root, "title")
    boards = _links(root, base, profile.boards)
    threads = _links(root, base, profile.threads)
    users = _users(root, base, profile)
    posts = _posts(root, base, profile, thread_title)
    pages = _pages(root, base, profile)
    payments = find_payments(page.text())
    if payments.addresses and not any(p.kind == "payment" and p.url == base for p in pages):
        shown = f"this page: shows {len(payments.addresses)} cryptocurrency address(es) whose checksum holds"
        pages += (PageLink("payment", base, thread_title or "", shown),)
    missing = [
        name
        for name, wanted, found in (
            ("boards", profile.boards, boards),
            ("threads", profile.threads, threads),
            ("thread title", profile.thread_title, thread_title if profile.thread_title else None),
            ("users", profile.users, users),
            ("roles", profile.users, [u for u in users if u.role in ROLES]),
            ("posts", profile.posts, posts),
        )
        if wanted and not found
    ]
    missing += [f"{kind} page" for kind in PAGE_KINDS if not any(p.kind == kind for p in pages)]
    return replace(
        result,
        boards=boards,
        threads=threads,
        thread_title=thread_title,
        users=users,
        posts=posts,
        pages=pages,
        payments=payments,
        not_found=tuple(missing),
        problems=result.problems + payments.problems,
    )


def _looked_for(profile: EngineProfile) -> tuple[str, ...]:
    fields: list[tuple[str, object]] = [
        ("boards", profile.boards),
        ("threads", profile.threads),
        ("thread title", profile.thread_title),
        ("users", profile.users),
        ("roles", profile.users),
        ("posts", profile.posts),
    ]
    return tuple(name for name, wanted in fields if wanted) + tuple(f"{kind} page" for kind in PAGE_KINDS)


@lru_cache(maxsize=512)
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css)


def _select(element: Any, css: str) -> list[Any]:
    if not css:
        return []
    found: list[Any] = _selector(css)(element)
    return found


def _attr(element: Any, name: str) -> str | None:
    value = element.get(name)
    return str(value) if value is not None else None


def _text(element: Any) -> str | None:
    text = " ".join(str(element.xpath("string()")).split())[:_MAX_TEXT]
    return text or None


def _first_text(root: Any, css: str) -> str | None:
    for element in _select(root, css)[:50]:
        text = _text(element)
        if text:
            return text
    return None


def _href(element: Any, base: str) -> str | None:
    link = element if element.tag == "a" and element.get("href") else None
    if link is None:
        inner = element.xpath(".//a[@href]")
        link = inner[0] if inner else None
    href = _attr(link, "href") if link is not None else None
    if not href or href.strip().lower().startswith(("javascript:", "data:", "mailto:")):
        return None
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def _links(root: Any, base: str, sources: tuple[LinkSource, ...]) -> tuple[LinkSeen, ...]:
    seen: dict[str, LinkSeen] = {}
    for source in sources:
        if source.item:
            for item in _select(root, source.item):
                links = _select(item, source.link)
                url = _href(links[0], base) if links else None
                title = _first_text(item, source.title) if source.title else None
                if url and url not in seen:
                    seen[url] = LinkSeen(title or (_text(links[0]) if links else None), url)
        else:
            for element in _select(root, source.link):
                url = _href(element, base)
                if url and url not in seen:
                    seen[url] = LinkSeen(_text(element), url)
        if len(seen) >= MAX_ENTRIES:
            break
    return tuple(seen.values())[:MAX_ENTRIES]


@lru_cache(maxsize=256)
def _words(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])", re.I)


def _word_in(marks: Marks, text: str | None) -> str | None:
    pattern = _words(marks.words)
    match = pattern.search(text) if pattern and text else None
    return match.group(1) if match else None


def _role(
    profile: EngineProfile, name_element: Any, rank: str | None, group: str | None
) -> tuple[str | None, str | None]:
    for role in ROLES:
        if _word_in(profile.roles[role], rank):
            return role, f"rank '{rank}'"
    for role in ROLES:
        if _word_in(profile.roles[role], group):
            return role, f"group '{group}'"
    for role in ROLES:
        for css in profile.roles[role].selectors:
            if _select(name_element, css):
                return role, f"mark '{css}' of the {profile.name} profile"
    if rank:
        return rank, f"rank '{rank}' (no role word in it)"
    return None, None


def _users(root: Any, base: str, profile: EngineProfile) -> tuple[UserSeen, ...]:
    found: dict[str, UserSeen] = {}
    for source in profile.users:
        for item in _select(root, source.item):
            rank = _first_text(item, source.rank) if source.rank else None
            group = _first_text(item, source.group) if source.group else None
            for element in _select(item, source.name)[:200]:
                name = _text(element)
                if not name:
                    continue
                role, shown_by = _role(profile, element, rank, group)
                user = UserSeen(name, _href(element, base), role, rank, shown_by)
                known = found.get(name)
                if known is None or _weight(user) > _weight(known):
                    found[name] = replace(user, url=user.url or (known.url if known else None))
                if len(found) >= MAX_ENTRIES:
                    return tuple(found.values())
    return tuple(found.values())


def _weight(user: UserSeen) -> int:
    """How much a user's role evidence says: a role word beats an engine's mark beats a bare rank."""
    if user.role in ROLES:
        return 2 if (user.shown_by or "").startswith("mark") else 3
    return 1 if user.role else 0


def _posts(root: Any, base: str, profile: EngineProfile, thread: str | None) -> tuple[PostSeen, ...]:
    posts: list[PostSeen] = []
    for source in profile.posts:
        for item in _select(root, source.item):
            authors = _select(item, source.author)
            times = _select(item, source.time) if source.time else []
            links = _select(item, source.link) if source.link else []
            stated = next(
                (_attr(t, a) for t in times for a in ("datetime", "title", "data-time") if t.get(a)), None
            )
            posts.append(
                PostSeen(
                    author=_text(authors[0]) if authors else None,
                    time_shown=_text(times[0]) if times else None,
                    time_stated=stated[:_MAX_TEXT] if stated else None,
                    thread=thread,
                    url=_href(links[0], base) if links else None,
                )
            )
            if len(posts) >= MAX_ENTRIES:
                return tuple(posts)
    return tuple(posts)


def _url_words(url: str) -> str:
    parts = urlsplit(url)
    return " ".join(re.split(r"[^a-z0-9]+", f"{parts.path} {parts.query}".lower()))


def _pages(root: Any, base: str, profile: EngineProfile) -> tuple[PageLink, ...]:
    found: dict[tuple[str, str], PageLink] = {}
    own_title = " ".join(filter(None, (_first_text(root, "title"), _first_text(root, "h1"))))
    form_fields = " ".join(
        " ".join(re.split(r"[^a-z0-9]+", str(v).lower()))
        for v in root.xpath("//form//input/@name | //form//input/@placeholder | //form//label//text()")[:200]
    )
    for kind in PAGE_KINDS:
        marks = profile.pages[kind]
        word = _word_in(marks, own_title) or _word_in(marks, _url_words(base))
        field_word = None if word else _word_in(marks, form_fields)
        if word or field_word:
            how = f"this page: word '{word}'" if word else f"this page: form field '{field_word}'"
            found[(kind, base)] = PageLink(kind, base, own_title[:_MAX_TEXT], how)
        for css in marks.selectors:
            for element in _select(root, css)[:100]:
                url = _href(element, base)
                if url and (kind, url) not in found:
                    found[(kind, url)] = PageLink(kind, url, _text(element) or "", f"mark '{css}'")
    for anchor in _anchors(root):
        url = _href(anchor, base)
        if not url:
            continue
        text = _text(anchor) or ""
        for kind in PAGE_KINDS:
            if (kind, url) in found:
                continue
            word = _word_in(profile.pages[kind], text) or _word_in(profile.pages[kind], _url_words(url))
            if word:
                found[(kind, url)] = PageLink(kind, url, text, f"word '{word}'")
        if len(found) >= MAX_ENTRIES:
            break
    return tuple(found.values())


def _anchors(root: Any) -> Iterable[Any]:
    anchors: Iterable[Any] = root.iter("a")
    return anchors

"""The local test forum rendered: every path it answers, with its bytes, in a plain phpBB-like markup.

Built once per test process (:func:`built`) from :mod:`tests.crawl.forum` and ``../shared/media``; thumbnails,
the 320-pixel copies and the re-encoded and mirrored copies are new JPEGs made here with Pillow.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from tests.crawl import forum
from tests.crawl.forum import ALBUMS, BOARD_PAGE, BOARDS, GALLERY_PAGE, THREAD_PAGE, USERS, Post, Thread, User
from tests.media import media

STYLESHEET = "/styles/prosilver/theme/stylesheet.css"
LOGO = "/styles/prosilver/theme/images/site_logo.png"
TEAM = "/memberlist.php?mode=team"
MEMBERS = "/memberlist.php"
RULES = "/ucp.php?mode=terms"
REGISTER = "/ucp.php?mode=register"
LINKS = "/links.php"
"""The page listing the hostile endpoints (linked from the home page only when the site is hostile)."""


@dataclass(frozen=True, slots=True)
class Resource:
    """What the site answers at one path."""

    content_type: str
    body: bytes
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Served:
    """What a served image or video is.

    Attributes:
        source: the shared media file it comes from (``photos/...`` or ``videos/...``), None for the logo.
        kind: ``original`` (the shared file's own bytes), ``thumbnail``, ``medium``, ``reencoded``,
            ``mirrored``, ``video`` or ``logo``.
    """

    source: str | None
    kind: str


@dataclass(slots=True)
class Built:
    """The rendered site: resources by path (with query), and what each path is."""

    resources: dict[str, Resource] = field(default_factory=dict)
    pages: set[str] = field(default_factory=set)
    media: dict[str, Served] = field(default_factory=dict)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _resized(photo: str, width: int) -> bytes:
    with Image.open(media("photos", photo)) as image:
        image.thumbnail((width, width))
        return _jpeg(image, 80)


def _reencoded(photo: str) -> bytes:
    with Image.open(media("photos", photo)) as image:
        return _jpeg(image, 50)


def _mirrored(photo: str) -> bytes:
    with Image.open(media("photos", photo)) as image:
        return _jpeg(ImageOps.mirror(image.convert("RGB")), 90)


def _logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 24), (40, 70, 120)).save(out, "PNG")
    return out.getvalue()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _user_link(user: User) -> str:
    colour = {"administrator": ' style="color: #AA0000;"', "moderator": ' style="color: #00AA00;"'}.get(
        user.role, ""
    )
    return f'<a href="{_e("." + user.path)}"{colour} class="username">{_e(user.name)}</a>'


def _page(title: str, body: str, *, links: bool) -> bytes:
    extra = f'<li><a href="{LINKS}">Mirrors and links</a></li>' if links else ""
    return f"""<!DOCTYPE html>
<html lang="en-gb"><head><meta charset="utf-8"><title>{_e(title)} - Owl Hollow</title>
<link href="{STYLESHEET}" rel="stylesheet"></head>
<body id="phpbb"><div class="headerbar"><h1><a href="/">Owl Hollow</a></h1></div>
<ul class="navbar"><li><a href="/">Board index</a></li><li><a href="{_e(RULES)}">Rules</a></li>
<li><a href="{_e(REGISTER)}">Register</a></li><li><a href="{MEMBERS}">Members</a></li>
<li><a href="{_e(TEAM)}">The team</a></li><li><a href="/gallery.php?album=1">Gallery</a></li>{extra}</ul>
<div id="page-body">{body}</div>
<div class="copyright">Powered by phpBB&reg; Forum Software &copy; phpBB Limited</div></body></html>
""".encode()


def _pagination(base: str, total: int, size: int, start: int) -> str:
    items = []
    for first in range(0, total, size):
        href = base if first == 0 else f"{base}&start={first}"
        number = first // size + 1
        if first == start:
            items.append(f'<li class="active"><span>{number}</span></li>')
        else:
            items.append(f'<li><a class="button" href="{_e(href)}">{number}</a></li>')
    return f'<div class="pagination">{total} items <ul>{"".join(items)}</ul></div>'


def _pages(base: str, total: int, size: int) -> Iterable[tuple[str, int]]:
    for first in range(0, max(total, 1), size):
        yield (base if first == 0 else f"{base}&start={first}"), first


def _post(post: Post, number: int) -> str:
    return f"""<div id="p{number}" class="post">
<dl class="postprofile"><dt>{_user_link(post.author)}</dt>
<dd class="profile-rank"><span class="rank-title">{_e(post.author.rank_title)}</span></dd></dl>
<div class="postbody"><h3><a href="#p{number}">Post {number}</a></h3>
<p class="author">by {_user_link(post.author)} &raquo; <time datetime="{post.time}">{post.time}</time></p>
<div class="content">{_e(post.text)}{post.html}</div></div></div>"""


def _render_thread(thread: Thread, add: Callable[[str, str, str], None]) -> None:
    for path, start in _pages(thread.path, len(thread.posts), THREAD_PAGE):
        posts = "".join(
            _post(post, thread.id * 100 + start + n)
            for n, post in enumerate(thread.posts[start : start + THREAD_PAGE])
        )
        heading = f'<h2 class="topic-title"><a href="{_e("." + thread.path)}">{_e(thread.title)}</a></h2>'
        add(
            path,
            thread.title,
            heading + _pagination(thread.path, len(thread.posts), THREAD_PAGE, start) + posts,
        )


def _render_boards(add: Callable[[str, str, str], None]) -> None:
    all_threads = forum.threads()
    for board in BOARDS:
        mine = [thread for thread in all_threads if thread.board == board.id]
        for path, start in _pages(board.path, len(mine), BOARD_PAGE):
            rows = "".join(
                f'<li class="row"><a href="{_e("." + thread.path)}" class="topictitle">{_e(thread.title)}</a>'
                f" by {_user_link(thread.posts[0].author)}</li>"
                for thread in mine[start : start + BOARD_PAGE]
            )
            body = f"<h2>{_e(board.title)}</h2>{_pagination(board.path, len(mine), BOARD_PAGE, start)}"
            add(path, board.title, f'{body}<ul class="topiclist topics">{rows}</ul>')
    for thread in all_threads:
        _render_thread(thread, add)


def _render_people(add: Callable[[str, str, str], None]) -> None:
    for user in USERS:
        body = (
            f'<h2>Viewing profile - <span class="username">{_e(user.name)}</span></h2>'
            f'<dl class="details"><dt>Rank:</dt><dd class="profile-rank"><span class="rank-title">'
            f"{_e(user.rank_title)}</span></dd><dt>Joined:</dt><dd>2023-11-{user.id:02d}</dd></dl>"
        )
        add(user.path, f"Viewing profile - {user.name}", body)
    rows = "".join(
        f'<li>{_user_link(user)} <span class="rank-title">{_e(user.rank_title)}</span></li>' for user in USERS
    )
    add(MEMBERS, "Members", f'<h2>Members</h2><ul class="memberlist">{rows}</ul>')
    groups = "".join(
        f"<h3>{title}</h3><ul>{''.join(f'<li>{_user_link(u)}</li>' for u in USERS if u.role == role)}</ul>"
        for role, title in (("administrator", "Administrators"), ("moderator", "Global moderators"))
    )
    add(TEAM, "The team", f"<h2>The team</h2>{groups}")


def _render_static_pages(add: Callable[[str, str, str], None]) -> None:
    forums = "".join(
        f'<li class="row"><a href="{_e("." + board.path)}" class="forumtitle">{_e(board.title)}</a>'
        f"<br>{_e(board.description)}</li>"
        for board in BOARDS
    )
    add("/", "Board index", f'<ul class="topiclist forums">{forums}</ul>')
    add(
        RULES,
        "Board rules",
        """<h2>Board rules</h2><ol class="rules">
<li>Members only post what they are asked to post in the right board.</li>
<li>No sharing of invitation codes outside the board.</li>
<li>Moderators decide; appeals go to the administrator.</li></ol>""",
    )
    add(REGISTER, "Register", f"""<h2>Register</h2><p>Registration is by invitation only. Enter the invitation
code a member gave you (for example {forum.INVITATION}).</p><p>Membership fee: 0.001 BTC to
<code class="address">{forum.BITCOIN}</code> or 0.5 XMR to <code class="address">{forum.MONERO}</code>.
Then send the transaction id to a moderator.</p>
<form method="post" action="./ucp.php?mode=register"><input name="invitation"></form>""")  # fmt: skip


def _render_galleries(add: Callable[[str, str, str], None]) -> None:
    for album, (title, photos) in ALBUMS.items():
        base = f"/gallery.php?album={album}"
        for path, start in _pages(base, len(photos), GALLERY_PAGE):
            cells = "".join(
                f'<li><a href="{forum.full(photo)}"><img src="{forum.thumb(photo)}" alt="{photo}"></a></li>'
                for photo in photos[start : start + GALLERY_PAGE]
            )
            others = "".join(f'<a href="/gallery.php?album={a}">{_e(t)}</a> ' for a, (t, _) in ALBUMS.items())
            body = f"<h2>{_e(title)}</h2><p>{others}</p>{_pagination(base, len(photos), GALLERY_PAGE, start)}"
            add(path, title, f'{body}<ul class="gallery">{cells}</ul>')


def _media(built: Built) -> None:
    def put(path: str, body: bytes, served: Served, content_type: str = "image/jpeg") -> None:
        built.resources[path] = Resource(content_type, body)
        built.media[path] = served

    for photo in forum.all_photos():
        source = f"photos/{photo}"
        original = media("photos", photo).read_bytes()
        if photo == forum.ROBOTS_PHOTO:
            put(forum.ROBOTS_DISALLOWED + photo, original, Served(source, "original"))
            continue
        if photo in (forum.WRONG_TYPE_PHOTO, forum.TRUNCATED_PHOTO):
            continue  # served by the traps only
        put(forum.full(photo), original, Served(source, "original"))
        if photo in forum.thumbnailed():
            put(forum.thumb(photo), _resized(photo, 150), Served(source, "thumbnail"))
    put(forum.medium(forum.TABBY), _resized(forum.TABBY, 320), Served(f"photos/{forum.TABBY}", "medium"))
    for listed in forum.LISTED:
        if listed.copies:
            paths = forum.copy_paths(listed.photo)
            put(paths["reencoded"], _reencoded(listed.photo), Served(f"photos/{listed.photo}", "reencoded"))
            put(paths["mirrored"], _mirrored(listed.photo), Served(f"photos/{listed.photo}", "mirrored"))
    video = f"/media/video/{forum.VIDEO}"
    put(
        video,
        media("videos", forum.VIDEO).read_bytes(),
        Served(f"videos/{forum.VIDEO}", "video"),
        "video/mp4",
    )
    put(LOGO, _logo(), Served(None, "logo"), "image/png")
    css = f"""body {{ font-family: sans-serif; }}
.headerbar {{ background-image: url("../../../media/full/{forum.BANNER}"); background-size: cover; }}
.headerbar h1 {{ background: url(images/site_logo.png) no-repeat; padding-left: 70px; }}
"""
    built.resources[STYLESHEET] = Resource("text/css; charset=utf-8", css.encode())
    robots = f"User-agent: *\nDisallow: {forum.ROBOTS_DISALLOWED}\n"
    built.resources["/robots.txt"] = Resource("text/plain; charset=utf-8", robots.encode())


@functools.cache
def _media_only() -> Built:
    result = Built()
    _media(result)
    return result


def links_page(items: str) -> Resource:
    """The page listing the hostile endpoints, ``items`` being its ``<li>`` elements."""
    return Resource(
        "text/html; charset=utf-8",
        _page("Mirrors and links", f"<h2>Mirrors and links</h2><ul>{items}</ul>", links=True),
    )


@functools.cache
def built(hostile: bool) -> Built:
    """The whole site but the links page (:func:`links_page`); when ``hostile``, every menu links to it."""
    result = Built()

    def add(path: str, title: str, body: str) -> None:
        result.resources[path] = Resource("text/html; charset=utf-8", _page(title, body, links=hostile))
        result.pages.add(path)

    _render_static_pages(add)
    _render_boards(add)
    _render_people(add)
    _render_galleries(add)
    media_only = _media_only()
    result.resources.update(media_only.resources)
    result.media.update(media_only.media)
    return result

"""Site structure from one page: each built-in engine's markup (short benign gardening forums written
here), the local test forum's own pages, and hostile pages (huge, deeply nested, broken encoding) that never
raise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.crawl.engines import engines, load_engine
from warden.crawl.structure import SiteStructure, extract_structure
from warden.errors import UsageError

BASE = "http://forum.example.test/"


def _page(body: str, head: str = "", title: str = "Green Fingers") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>".encode()
    )


def _roles(structure: SiteStructure) -> dict[str, str | None]:
    return {user.name: user.role for user in structure.users}


PHPBB = _page(
    """<div id="page-body"><h2 class="topic-title"><a href="./viewtopic.php?t=4">Tomato blight</a></h2>
<div id="p10" class="post"><dl class="postprofile"><dt><a href="./memberlist.php?mode=viewprofile&u=2"
 style="color: #AA0000;" class="username-coloured">Hazel</a></dt><dd class="profile-rank">Site
 Admin</dd></dl>
<div class="postbody"><h3><a href="#p10">Re: Tomato blight</a></h3><p class="author">by <a
 href="./memberlist.php?mode=viewprofile&u=2" style="color: #AA0000;"
 class="username-coloured">Hazel</a> &raquo;
 <time datetime="2024-05-02T09:00:00+00:00">Thu May 02, 2024 9:00 am</time></p><div class="content">Cut the
 leaves.</div></div></div>
<div id="p11" class="post"><dl class="postprofile"><dt><a href="./memberlist.php?mode=viewprofile&u=5"
 class="username">Rowan</a></dt><dd class="profile-rank">Seedling</dd></dl><div class="postbody"><p
 class="author">by
 <a href="./memberlist.php?mode=viewprofile&u=5" class="username">Rowan</a> &raquo; <time
 datetime="2024-05-02T10:00:00+00:00">Thu May 02, 2024 10:00 am</time></p></div></div>
<a href="./ucp.php?mode=terms">Terms of use</a> <a href="./ucp.php?mode=register">Register</a></div>
<div class="copyright">Powered by phpBB&reg; Forum Software</div>""",
    title="Tomato blight - Green Fingers",
)

MYBB = _page(
    """<table><tr><td class="trow1"><strong><a href="forumdisplay.php?fid=2">Vegetable
 patch</a></strong></td></tr>
</table><div class="post" id="post_7"><div class="post_author"><div class="author_information"><strong><span
 class="largetext"><a href="member.php?action=profile&uid=1">Bramble</a></span></strong><br><span
 class="smalltext">Super Moderator</span></div></div><div class="post_head"><span
 class="post_date">05-02-2024, 09:00
 AM</span> <a href="showthread.php?tid=3&pid=7#pid7">#1</a></div></div>
<div id="copyright">Powered By <a href="https://mybb.com">MyBB</a></div>"""
)

SMF = _page(
    """<div id="main_content_section"><h2 class="display_title"><span id="top_subject">Compost
 heaps</span></h2>
<div class="windowbg" id="msg21"><div class="post_wrapper"><div class="poster"><h4><a
 href="index.php?action=profile;u=1">Moss</a></h4><ul class="user_info"><li
 class="membergroup">Administrator</li>
<li class="postgroup">Newbie</li></ul></div><div class="postarea"><div class="keyinfo"><div
 class="postinfo"><a
 href="index.php?topic=3.msg21#msg21" class="smalltext">May 02, 2024, 09:00:00
 AM</a></div></div></div></div></div>
</div><div id="footer"><a href="https://www.simplemachines.org">SMF 2.1.4</a> &copy; Simple
 Machines</div>"""
)

VBULLETIN = _page(
    """<h2 class="forumtitle"><a href="forumdisplay.php?f=3">Herb garden</a></h2>
<a id="thread_title_9" class="title" href="showthread.php?t=9">Basil bolting</a>
<li class="postbitlegacy postcontainer" id="post_40"><div class="userinfo"><a class="username"
 href="member.php?u=4">
<strong>Thyme</strong></a><span class="usertitle">Moderator</span></div><span class="date">05-02-2024, 09:00
</span><a class="postcounter" href="showthread.php?p=40#post40">#1</a></li>""",
    head='<meta name="generator" content="vBulletin 4.2.5">',
)

XENFORO = _page(
    """<div class="p-pageWrapper"><h1 class="p-title-value">Raised beds</h1>
<article class="message message--post"><section class="message-user"><h4 class="message-name"><a
 href="/members/sorrel.1/" class="username"><span class="username--staff username--moderator
 username--admin"
>Sorrel</span></a></h4><h5 class="userTitle message-userTitle">Gardener in chief</h5></section><ul
 class="message-attribution-main"><li><a href="/threads/raised-beds.5/post-9"><time class="u-dt"
 datetime="2024-05-02T09:00:00+0000">May 2, 2024</time></a></li></ul></article>
<article class="message message--post"><section class="message-user"><h4 class="message-name"><a
 href="/members/yarrow.2/" class="username"><span class="username--staff
 username--moderator">Yarrow</span></a></h4>
<h5 class="userTitle message-userTitle">Weeder</h5></section></article></div>""",
    head="",
).replace(b"<html>", b'<html id="XF">')

DISCOURSE = _page(
    """<div id="main-outlet"><div id="topic-title"><h1><a href="/t/seed-swap/12">Seed swap</a></h1></div>
<div class="topic-body crawler-post"><div class="crawler-post-meta"><span class="creator"
 itemprop="author"><a
 itemprop="url" href="/u/fern"><span itemprop="name">fern</span></a></span><span
 class="crawler-post-infos"><time
 itemprop="datePublished" datetime="2024-05-02T09:00:00Z" class="post-time">May 2, 2024,
 9:00am</time></span></div>
</div><section class="about admins"><h3>Our Admins</h3><a href="/u/fern">fern</a></section>
<section class="about moderators"><h3>Our Moderators</h3><a href="/u/clover">clover</a></section>
<a href="/guidelines">Guidelines</a> <a href="/signup">Sign Up</a></div>""",
    head='<meta name="generator" content="Discourse 3.2.0 - https://github.com/discourse/discourse">',
)

VICHAN = _page(
    """<div class="boardlist">[ <a href="/veg/" title="Vegetables">veg</a> / <a href="/fl/"
 title="Flowers">fl</a> ]
</div><form name="postcontrols"><div class="thread" id="thread_1"><div class="post op" id="op_1"><p
 class="intro"><span class="subject">Potato thread</span> <span class="name">Anonymous</span> <time
 datetime="2024-05-02T09:00:00Z">05/02/24 (Thu) 09:00:00</time> <a class="post_no"
 href="/veg/res/1.html#1">No.</a>
<a href="/veg/res/1.html">[Reply]</a></p></div><div class="post reply" id="reply_2"><p class="intro"><span
 class="name">Parsnip</span> <span class="capcode">## Admin</span> <time>05/02/24 (Thu)
 09:05:00</time></p></div>
</div></form><p class="unimportant">Tinyboard + vichan</p>"""
)


@pytest.mark.parametrize(
    ("body", "engine", "roles"),
    [
        (PHPBB, "phpbb", {"Hazel": "administrator", "Rowan": "Seedling"}),
        (MYBB, "mybb", {"Bramble": "moderator"}),
        (SMF, "smf", {"Moss": "administrator"}),
        (VBULLETIN, "vbulletin", {"Thyme": "moderator"}),
        (XENFORO, "xenforo", {"Sorrel": "administrator", "Yarrow": "moderator"}),
        (DISCOURSE, "discourse", {"fern": "administrator", "clover": "moderator"}),
        (VICHAN, "vichan", {"Anonymous": None, "Parsnip": "administrator"}),
    ],
)
def test_each_engine_is_recognised_and_its_staff_read_with_what_showed_their_role(
    body: bytes, engine: str, roles: dict[str, str | None]
) -> None:
    structure = extract_structure(body, BASE, "utf-8")
    assert structure.engine == engine
    assert structure.engine_shown_by
    assert _roles(structure) == roles
    assert all(u.shown_by for u in structure.users if u.role)


def test_a_phpbb_thread_page_gives_its_title_posts_with_times_as_shown_and_its_rules_and_registration() -> (
    None
):
    structure = extract_structure(PHPBB, BASE + "viewtopic.php?t=4", "utf-8")
    assert structure.thread_title == "Tomato blight"
    assert [(p.author, p.time_shown, p.time_stated) for p in structure.posts] == [
        ("Hazel", "Thu May 02, 2024 9:00 am", "2024-05-02T09:00:00+00:00"),
        ("Rowan", "Thu May 02, 2024 10:00 am", "2024-05-02T10:00:00+00:00"),
    ]
    assert {p.thread for p in structure.posts} == {"Tomato blight"}
    pages = {(p.kind, p.url) for p in structure.pages}
    assert ("rules", BASE + "ucp.php?mode=terms") in pages
    assert ("registration", BASE + "ucp.php?mode=register") in pages
    hazel = next(u for u in structure.users if u.name == "Hazel")
    assert hazel.url == BASE + "memberlist.php?mode=viewprofile&u=2"
    assert hazel.shown_by == "rank 'Site Admin'"


def test_boards_and_threads_are_listed_with_titles_and_absolute_addresses() -> None:
    vb = extract_structure(VBULLETIN, BASE, "utf-8")
    assert [(b.title, b.url) for b in vb.boards] == [("Herb garden", BASE + "forumdisplay.php?f=3")]
    assert [(t.title, t.url) for t in vb.threads] == [("Basil bolting", BASE + "showthread.php?t=9")]
    chan = extract_structure(VICHAN, BASE, "utf-8")
    assert [b.url for b in chan.boards] == [BASE + "veg/", BASE + "fl/"]
    assert [(t.title, t.url) for t in chan.threads] == [("Potato thread", BASE + "veg/res/1.html")]


def test_what_the_profile_looks_for_and_the_page_lacks_is_named() -> None:
    structure = extract_structure(MYBB, BASE, "utf-8")
    assert "threads" in structure.not_found
    assert "payment page" in structure.not_found
    assert "users" not in structure.not_found


def test_a_page_of_no_known_engine_is_read_with_the_generic_profile() -> None:
    body = _page(
        '<h1>Allotment news</h1><a href="/rules">Site rules</a> <a href="/invite">Invite a friend</a>'
        '<a href="/donate">Donate</a>'
    )
    structure = extract_structure(body, BASE, None)
    assert structure.engine == "generic"
    assert structure.engine_shown_by == ()
    kinds = {p.kind: p.url for p in structure.pages}
    assert kinds == {"rules": BASE + "rules", "invitation": BASE + "invite", "payment": BASE + "donate"}
    assert "users" in structure.not_found


def test_a_page_showing_a_verified_address_is_a_payment_page_and_lists_it() -> None:
    body = _page("<h2>Support us</h2><p>BTC: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa</p>")
    structure = extract_structure(body, BASE + "support", "utf-8")
    assert [a.address for a in structure.payments.addresses] == ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"]
    assert any(p.kind == "payment" and p.url == BASE + "support" for p in structure.pages)
    assert json.loads(json.dumps(structure.to_json()))["payments"]["addresses"][0]["checksum"] == "verified"


def test_the_local_test_forum_shows_every_members_role() -> None:
    from tests.crawl import forum, forum_pages

    built = forum_pages.built(False)
    roles: dict[str, set[str | None]] = {}
    for path in sorted(built.pages):
        structure = extract_structure(built.resources[path].body, "http://127.0.0.1:8000" + path, "utf-8")
        assert structure.engine == "phpbb"
        for user in structure.users:
            roles.setdefault(user.name, set()).add(user.role)
    assert {name: found - {None} for name, found in roles.items()} == {u.name: {u.role} for u in forum.USERS}


# Hostile pages: each gives what could be read and a note, never an exception.


def test_a_huge_page_is_cut_before_parsing_and_says_so() -> None:
    from warden.crawl.html_page import parse_page
    from warden.crawl.structure import read_structure

    body = _page('<a class="forumtitle" href="/f1">Roses</a>' + "<p>weeds</p>" * 200_000)
    structure = read_structure(parse_page(body, BASE, "utf-8", max_bytes=100_000))
    assert [b.title for b in structure.boards] == ["Roses"]
    assert any("only the first" in p for p in structure.problems)


def test_a_page_of_too_many_elements_is_read_up_to_the_cap() -> None:
    from warden.crawl.html_page import parse_page
    from warden.crawl.structure import read_structure

    page = parse_page(_page("<span>x</span>" * 50_000), BASE, "utf-8", max_elements=1_000)
    structure = read_structure(page)
    assert any("more than 1,000 elements" in p for p in structure.problems)


def test_a_deeply_nested_page_is_read_to_the_parsers_depth_and_says_so() -> None:
    body = _page('<a class="forumtitle" href="/f1">Roses</a>' + "<div>" * 100_000 + "</div>" * 100_000)
    structure = extract_structure(body, BASE, "utf-8")
    assert [b.title for b in structure.boards] == ["Roses"]
    assert any("nests elements" in p for p in structure.problems)


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        (b"<html><body><a class='forumtitle' href='/f'>Ros\xe9s \xff\xfe</a></body></html>", "utf-8"),
        (b"<a class='forumtitle' href='/f'>Roses</a>", "no-such-charset"),
        (b"\x00\x01\x02\xff" * 1000, None),
        (b"", None),
        (b"<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>", None),
    ],
)
def test_broken_bytes_never_raise(body: bytes, charset: str | None) -> None:
    structure = extract_structure(body, BASE, charset)
    assert isinstance(structure.to_json(), dict)


def test_bytes_that_are_not_the_declared_encoding_are_noted() -> None:
    structure = extract_structure(b"<a class='forumtitle' href='/f'>Ros\xe9s</a>", BASE, "utf-8")
    assert any("not valid utf-8" in p for p in structure.problems)
    assert structure.boards[0].title == "Ros\ufffds"


# Profiles are data.


def test_every_built_in_engine_has_a_profile_and_a_name_is_registered_once() -> None:
    registry = engines()
    assert registry.names() == [
        "phpbb",
        "mybb",
        "smf",
        "vbulletin",
        "xenforo",
        "discourse",
        "vichan",
        "generic",
    ]
    assert all(registry.get(name).pages["rules"].words for name in registry.names())


def test_a_users_profile_file_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "allotment.json"
    good.write_text(
        json.dumps({"name": "allotment", "boards": "a.plot", "users": {"item": "li", "name": "b"}})
    )
    profile = load_engine(good)
    page = _page('<a class="plot" href="/p1">Plot 1</a><li><b>Ivy</b> Moderator</li>')
    structure = extract_structure(page, BASE, "utf-8", profile)
    assert [b.title for b in structure.boards] == ["Plot 1"]
    assert structure.engine == "allotment"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "boards": "a[[["}))
    with pytest.raises(UsageError, match=r"'boards\.link' is not a CSS selector"):
        load_engine(bad)
    taken = tmp_path / "taken.json"
    taken.write_text(json.dumps({"name": "phpbb"}))
    with pytest.raises(UsageError, match="registered profile"):
        load_engine(taken)

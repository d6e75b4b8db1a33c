"""The local test forum as data: who posts, which photos it shows and where, and which are listed under which
made-up category. Pure facts: :mod:`tests.crawl.forum_pages` renders them and :mod:`tests.crawl.site`
serves them.

Every photo is a benign file of ``../shared/media/photos``; the categories are made up for the tests.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tests.media import media
from warden.hashing.item import hash_file

BITCOIN = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
"""The Bitcoin wiki's example address (Base58Check, valid checksum): public documentation, nobody's wallet."""
MONERO = "44W7M5onBbyitiWMELvNNNSqQtVXHvarnfdLj5jt2mzsLyr99jhcwwCiDeuqbn6AeZZkmE8gNgvA6UwWe5JdyvDmEaLF9Tc"
"""A made-up standard Monero address with a valid Keccak-256 checksum: network byte 18 and, as spend and view
keys, the SHA-256 of ``b"warden made-up monero spend key"`` and ``b"warden made-up monero view key"``
(points nobody holds a key for)."""
INVITATION = "OWL-7731-FERN"
"""The made-up invitation code the registration page asks for."""

VIDEO = "doorknob-hd-no-bar.mp4"
POSTER = "n01443537_goldfish.jpg"
"""The photo whose thumbnail is the video's poster (its original is also in a post)."""
"""The clip of ``../shared/media/videos`` a post embeds with ``<video><source>``."""

ROBOTS_DISALLOWED = "/private/"
"""The path ``robots.txt`` disallows; it holds :data:`ROBOTS_PHOTO` only."""
ROBOTS_PHOTO = "n02510455_giant_panda.jpg"


@dataclass(frozen=True, slots=True)
class User:
    """A member of the forum as its pages show them.

    Attributes:
        id: the ``u=`` of the profile page.
        name: user name.
        role: ``administrator``, ``moderator`` or ``member``.
        rank_title: the rank the pages print beside the name.
    """

    id: int
    name: str
    role: str
    rank_title: str

    @property
    def path(self) -> str:
        """The profile page."""
        return f"/memberlist.php?mode=viewprofile&u={self.id}"


USERS: tuple[User, ...] = (
    User(2, "Nightjar", "administrator", "Administrator"),
    User(3, "Kestrel", "moderator", "Moderator"),
    User(4, "Osprey", "moderator", "Moderator"),
    User(5, "Wren", "member", "Member"),
    User(6, "Plover", "member", "Member"),
    User(7, "Dunlin", "member", "Member"),
)
ADMIN, MOD1, MOD2, WREN, PLOVER, DUNLIN = USERS


@dataclass(frozen=True, slots=True)
class Listed:
    """A photo in the test hash set, under a made-up category.

    Attributes:
        photo: its file name in ``../shared/media/photos``.
        category: ``A``, ``B`` or ``C`` (made up).
        via: how the site refers to its original: ``gallery link``, ``img``, ``srcset``, ``inline style``,
            ``stylesheet``.
        copies: True when the site also serves a re-encoded (JPEG quality 50) and a mirrored copy.
    """

    photo: str
    category: str
    via: str
    copies: bool


LISTED: tuple[Listed, ...] = (
    Listed("n01530575_brambling.jpg", "A", "gallery link", copies=True),
    Listed("n01614925_bald_eagle.jpg", "A", "img", copies=True),
    Listed("n02123045_tabby.jpg", "B", "srcset", copies=False),
    Listed("n02391049_zebra.jpg", "B", "inline style", copies=True),
    Listed("n09472597_volcano.jpg", "C", "stylesheet", copies=False),
    Listed("n07745940_strawberry.jpg", "C", "gallery link", copies=False),
)
BRAMBLING, EAGLE, TABBY, ZEBRA, VOLCANO, STRAWBERRY = (listed.photo for listed in LISTED)

ALBUMS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: (
        "Birds and beasts",
        (
            "n01531178_goldfinch.jpg",
            "n01558993_robin.jpg",
            BRAMBLING,
            "n01582220_magpie.jpg",
            "n01608432_kite.jpg",
            "n02056570_king_penguin.jpg",
            "n02129165_lion.jpg",
            "n02441942_weasel.jpg",
            "n02504458_African_elephant.jpg",
        ),
    ),
    2: (
        "Kitchen",
        (
            "n07579787_plate.jpg",
            "n07583066_guacamole.jpg",
            "n07614500_ice_cream.jpg",
            "n07693725_bagel.jpg",
            STRAWBERRY,
            "n07873807_pizza.jpg",
        ),
    ),
}
"""Gallery albums: title and photos, :data:`GALLERY_PAGE` to a page as thumbnails linking to the originals."""
GALLERY_PAGE = 4

BANNER = VOLCANO
"""The photo the stylesheet sets as the header's background."""
COVER = ZEBRA
"""The photo a post sets as an inline ``style`` background."""
WRONG_TYPE_PHOTO = "n01910747_jellyfish.jpg"
"""The photo a trap serves as ``text/html``."""
TRUNCATED_PHOTO = "n01944390_snail.jpg"
"""The photo a trap sends half of."""


@dataclass(frozen=True, slots=True)
class Post:
    """One post: author, time, text (plain) and extra HTML (images, video) after it."""

    author: User
    time: str
    text: str
    html: str = ""


@dataclass(frozen=True, slots=True)
class Thread:
    """A topic in a board."""

    id: int
    board: int
    title: str
    posts: tuple[Post, ...]

    @property
    def path(self) -> str:
        return f"/viewtopic.php?t={self.id}"


@dataclass(frozen=True, slots=True)
class Board:
    """A forum (board) of the site."""

    id: int
    title: str
    description: str

    @property
    def path(self) -> str:
        return f"/viewforum.php?f={self.id}"


BOARDS: tuple[Board, ...] = (
    Board(1, "Announcements", "News and rules from the team"),
    Board(2, "Pictures", "Share your photos"),
    Board(3, "Videos and reposts", "Clips, and things found elsewhere"),
)
BOARD_PAGE = 3
"""Threads to a board page (``viewforum.php?f=N&start=3``...)."""
THREAD_PAGE = 4
"""Posts to a thread page (``viewtopic.php?t=N&start=4``...)."""


def full(photo: str) -> str:
    """The path of a photo's original bytes."""
    return f"/media/full/{photo}"


def thumb(photo: str) -> str:
    """The path of a photo's small thumbnail (a new JPEG made with Pillow)."""
    return f"/media/thumb/{photo}"


def medium(photo: str) -> str:
    """The path of a photo's 320-pixel copy, offered only in ``srcset``."""
    return f"/media/medium/{photo}"


def copy_paths(photo: str) -> dict[str, str]:
    """The attachment paths of a listed photo's ``reencoded`` and ``mirrored`` copies."""
    number = next(i for i, listed in enumerate(LISTED) if listed.photo == photo)
    return {
        "reencoded": f"/download/file.php?id={101 + 2 * number}",
        "mirrored": f"/download/file.php?id={102 + 2 * number}",
    }


def _img(photo: str) -> str:
    return f'<img class="postimage" src="{full(photo)}" alt="{photo}">'


def _thumbnail_link(photo: str) -> str:
    return f'<a href="{full(photo)}"><img src="{thumb(photo)}" alt="{photo}" width="150"></a>'


def _attachments(photo: str) -> str:
    paths = copy_paths(photo)
    return "".join(
        f'<dl class="attachbox"><dd><img class="postimage" src="{path.replace("&", "&amp;")}" alt="copy">'
        f"</dd></dl>"
        for path in paths.values()
    )


def threads() -> tuple[Thread, ...]:
    """Every thread of the site, with its posts."""
    srcset = (
        f'<img src="{thumb(TABBY)}" srcset="{medium(TABBY)} 2x, {full(TABBY)} 1200w" '
        f'sizes="(min-width: 800px) 1200px, 150px" alt="tabby">'
    )
    cover = f'<div class="cover" style="background-image: url(\'{full(COVER)}\'); height: 200px"></div>'
    video = (
        f'<video controls preload="none" poster="{thumb(POSTER)}">'
        f'<source src="/media/video/{VIDEO}" type="video/mp4"></video>'
    )
    pictures = [
        Thread(
            10 + n,
            2,
            f"Photos, part {n + 1}",
            (
                Post(WREN, f"2024-03-{n + 2:02d}T10:00:00Z", f"Some of mine, set {n + 1}.", _img(photo)),
                Post(MOD1, f"2024-03-{n + 2:02d}T11:30:00Z", "Nice ones, thanks."),
            ),
        )
        for n, photo in enumerate(("n01855672_goose.jpg", EAGLE, "n02085620_Chihuahua.jpg", POSTER))
    ]
    long_thread = Thread(
        20,
        2,
        "The long photo thread",
        tuple(
            Post(
                (WREN, PLOVER, DUNLIN, MOD2)[n % 4],
                f"2024-04-{n + 1:02d}T09:00:00Z",
                f"Post number {n + 1} of the long thread.",
                {1: srcset, 4: cover}.get(n, ""),
            )
            for n in range(6)
        ),
    )
    return (
        Thread(
            1,
            1,
            "Board rules: read before posting",
            (
                Post(
                    ADMIN,
                    "2024-01-05T08:00:00Z",
                    "Read the rules before you post.",
                    '<a href="./ucp.php?mode=terms">Board rules</a>',
                ),
            ),
        ),
        Thread(
            2,
            1,
            "Membership is by invitation",
            (
                Post(
                    ADMIN,
                    "2024-01-06T08:00:00Z",
                    "New members need an invitation and a membership fee.",
                    '<a href="./ucp.php?mode=register">Register</a>',
                ),
                Post(MOD1, "2024-01-06T09:15:00Z", "Send your payment proof to a moderator."),
            ),
        ),
        *pictures,
        long_thread,
        Thread(30, 3, "A short clip", (Post(PLOVER, "2024-05-01T20:00:00Z", "Found this clip.", video),)),
        Thread(
            31,
            3,
            "Reposts from elsewhere",
            (
                Post(
                    DUNLIN,
                    "2024-05-02T21:00:00Z",
                    "Same pictures, found on another site.",
                    "".join(_attachments(listed.photo) for listed in LISTED if listed.copies),
                ),
                Post(
                    MOD2,
                    "2024-05-02T22:00:00Z",
                    "Moved here from Pictures.",
                    f'<img src="{ROBOTS_DISALLOWED}{ROBOTS_PHOTO}" alt="">',
                ),
            ),
        ),
    )


def all_photos() -> tuple[str, ...]:
    """Every shared photo the site serves in some form."""
    names = {photo for _, photos in ALBUMS.values() for photo in photos}
    names |= {listed.photo for listed in LISTED}
    names |= {"n01855672_goose.jpg", "n02085620_Chihuahua.jpg", POSTER}
    names |= {ROBOTS_PHOTO, WRONG_TYPE_PHOTO, TRUNCATED_PHOTO}
    return tuple(sorted(names))


def thumbnailed() -> frozenset[str]:
    """The photos the site shows as thumbnails: the albums', the ``srcset`` one's and the video's poster."""
    return frozenset({photo for _, photos in ALBUMS.values() for photo in photos} | {TABBY, POSTER})


def write_hash_set(folder: Path) -> Path:
    """Write the canonical Warden CSV of :data:`LISTED` (columns md5, sha1, sha256, pdq, category, source_id;
    source ids ``site-photo-0``...) into ``folder`` and return its path (``folder/site-photos.csv``)."""
    path = folder / "site-photos.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["md5", "sha1", "sha256", "pdq", "category", "source_id"])
        for number, listed in enumerate(LISTED):
            hashes = hash_file(media("photos", listed.photo))
            writer.writerow(
                [hashes.md5, hashes.sha1, hashes.sha256, hashes.pdq, listed.category, f"site-photo-{number}"]
            )
    return path

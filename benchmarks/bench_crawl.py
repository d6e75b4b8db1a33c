"""`warden crawl` throughput on the local test forum, beside ``wget --mirror`` of the same site, in one run.

    python benchmarks/bench_crawl.py [--copies N] [--photos-per-copy P] [--no-match] [--no-wget]

Serves the crawl tests' forum (``tests/crawl/site.py``, ``hostile=False``) on loopback, made bigger: N photo
sets (default 20) of P photos each (default 24) from ../shared/media, each set two gallery albums of
paginated thumbnails linking to the originals, reached from the home page through a list of sets. Then, one
after the other against the same server:

- ``warden crawl URL --delay 0`` at the default concurrency (4), and again with ``--concurrency 8``;
- ``wget --mirror --page-requisites --no-parent -e robots=on -P TMP URL`` (GNU Wget as Debian ships it,
  ``apt-get install wget``; skipped, and said so, when it is missing), one connection at a time as wget does;
- ``warden crawl URL --delay 0 --hashset SET``: the same crawl with the matching of every image and video
  fetched (a scan of the capture) included, as a row of its own.

Each contender gets a fresh case or folder; both keep to the one host and honour robots.txt. Files, pages and
bytes are counted from the site's own request log (GET requests answered, the bodies' sizes), so every row is
measured the same way; seconds are the command's wall time, start-up included (a first row shows what
``warden crawl`` takes to start, make the case and fetch its first URLs). Loopback only; every
command has a time limit.
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from tests.crawl.forum_pages import STYLESHEET, Resource, Served  # noqa: E402
from tests.crawl.site import Request, Site  # noqa: E402
from tests.media import media  # noqa: E402

PER_PAGE = 4
"""Thumbnails to a gallery page, as on the forum's own galleries."""
SETS = "/sets.php"
LIMIT_SECONDS = 1800
"""Most seconds any one command may take."""


@functools.cache
def _thumbnail(photo: str) -> bytes:
    with Image.open(media("photos", photo)) as image:
        image.draft("RGB", (300, 300))
        image.thumbnail((150, 150))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()


def _html(title: str, body: str) -> Resource:
    page = f"""<!DOCTYPE html>
<html lang="en-gb"><head><meta charset="utf-8"><title>{html.escape(title)} - Owl Hollow</title>
<link href="{STYLESHEET}" rel="stylesheet"></head>
<body id="phpbb"><div class="headerbar"><h1><a href="/">Owl Hollow</a></h1></div>
<div id="page-body">{body}</div></body></html>
"""
    return Resource("text/html; charset=utf-8", page.encode())


class BigSite(Site):
    """The forum with ``copies`` more photo sets of ``per_copy`` photos each (bench only).

    Set ``c`` is served at ``/gallery.php?set=c&album=a`` (two albums, paginated), its photos at
    ``/media/full/setC/NAME`` (the shared file's bytes) and ``/media/thumb/setC/NAME`` (a new 150-pixel JPEG).
    """

    def __init__(self, copies: int, per_copy: int) -> None:
        super().__init__(hostile=False)
        photos = sorted(path.name for path in media("photos").glob("*.jpg"))
        listing = []
        for copy in range(1, copies + 1):
            chosen = [photos[(copy * per_copy + n) % len(photos)] for n in range(per_copy)]
            half = (per_copy + 1) // 2
            albums = {1: chosen[:half], 2: chosen[half:]}
            for album, names in albums.items():
                self._album(copy, album, names, albums)
            listing.append(f'<li><a href="/gallery.php?set={copy}&amp;album=1">Photo set {copy}</a></li>')
        self._add_page(SETS, _html("Photo sets", f"<h2>Photo sets</h2><ul>{''.join(listing)}</ul>"))
        home = self.resources["/"]
        link = f'<div id="page-body"><p><a href="{SETS}">Photo sets</a></p>'.encode()
        self.resources["/"] = Resource(home.content_type, home.body.replace(b'<div id="page-body">', link, 1))

    def _add_page(self, path: str, resource: Resource) -> None:
        self.resources[path] = resource
        self._pages.add(path)

    def _add_media(self, path: str, body: bytes, served: Served) -> None:
        self.resources[path] = Resource("image/jpeg", body)
        self._media[path] = served

    def _album(self, copy: int, album: int, names: list[str], albums: dict[int, list[str]]) -> None:
        base = f"/gallery.php?set={copy}&album={album}"
        others = " ".join(
            f'<a href="{html.escape(f"/gallery.php?set={copy}&album={a}")}">Album {a}</a>' for a in albums
        )
        starts = range(0, max(len(names), 1), PER_PAGE)
        pages = [base if start == 0 else f"{base}&start={start}" for start in starts]
        pagination = "".join(
            f'<li><a href="{html.escape(path)}">{n + 1}</a></li>' for n, path in enumerate(pages)
        )
        for path, start in zip(pages, starts, strict=True):
            cells = []
            for name in names[start : start + PER_PAGE]:
                full, thumb = f"/media/full/set{copy}/{name}", f"/media/thumb/set{copy}/{name}"
                self._add_media(
                    full, media("photos", name).read_bytes(), Served(f"photos/{name}", "original")
                )
                self._add_media(thumb, _thumbnail(name), Served(f"photos/{name}", "thumbnail"))
                cells.append(f'<li><a href="{full}"><img src="{thumb}" alt="{html.escape(name)}"></a></li>')
            body = (
                f"<h2>Photo set {copy}, album {album}</h2><p>{others}</p>"
                f'<ul class="pagination">{pagination}</ul><ul class="gallery">{"".join(cells)}</ul>'
            )
            self._add_page(path, _html(f"Photo set {copy}", body))


@dataclass(frozen=True, slots=True)
class Measured:
    """One contender's run: wall seconds, and what the site served it."""

    name: str
    seconds: float
    files: int
    pages: int
    bytes: int


def _served(site: Site, requests: list[Request]) -> tuple[int, int, int]:
    """(files, pages, bytes) answered to these requests: every GET, the HTML ones, the bodies' bytes."""
    origin = site.url.rstrip("/")
    files = pages = size = 0
    for request in requests:
        if request.method != "GET":
            continue
        resource = site.resources.get(request.url.removeprefix(origin))
        files += 1
        if resource is None:
            size += len(b"not found")
            continue
        size += len(resource.body)
        pages += resource.content_type.startswith("text/html")
    return files, pages, size


def _run(site: Site, name: str, command: list[str], env: dict[str, str]) -> Measured:
    before = len(site.log)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=LIMIT_SECONDS)
    seconds = time.perf_counter() - start
    # wget exits 8 when any URL got an error answer (the forum's links to pages it does not serve).
    if done.returncode not in (0, 8) or (done.returncode == 8 and command[0] != "wget"):
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
        raise SystemExit(f"bench_crawl: {name} failed with exit code {done.returncode}")
    files, pages, size = _served(site, site.log[before:])
    return Measured(name, seconds, files, pages, size)


def _print(rows: list[Measured], site: Site, copies: int, load: tuple[float, float, float]) -> None:
    total = sum(len(resource.body) for resource in site.resources.values())
    print(
        f"site: the crawl tests' forum + {copies} photo sets on loopback, {len(site.page_urls)} pages, "
        f"{len(site.media)} images and videos, {len(site.resources)} URLs, {total / 1e6:.1f} MB; "
        f"{os.cpu_count()} CPUs; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'contender':58} {'seconds':>8} {'files':>6} {'pages':>6} {'MB':>6} {'files/s':>8} {'pages/s':>8} "
        f"{'MB/s':>6}"
    )
    print("-" * 112)
    for row in rows:
        print(
            f"{row.name:58} {row.seconds:8.2f} {row.files:6d} {row.pages:6d} {row.bytes / 1e6:6.1f} "
            f"{row.files / row.seconds:8.1f} {row.pages / row.seconds:8.1f} "
            f"{row.bytes / 1e6 / row.seconds:6.2f}"
        )
    print(
        "warden crawl does per response what wget does not: a WARC record pair with digests, fsynced, and "
        "the URL's state and the record's SHA-256 in the case database (resumable after kill -9)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the bigger forum, run every contender against it, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=20, help="photo sets added to the forum")
    parser.add_argument("--photos-per-copy", type=int, default=24, help="photos in each set")
    parser.add_argument("--no-match", action="store_true", help="leave out the crawl with --hashset")
    parser.add_argument("--no-wget", action="store_true", help="leave out wget")
    args = parser.parse_args(argv)
    wget = None if args.no_wget else shutil.which("wget")
    with tempfile.TemporaryDirectory(prefix="warden-bench-crawl-") as temp:
        folder = Path(temp)
        env = dict(os.environ, WARDEN_HOME=str(folder / "home"), WARDEN_KEY_FILE=str(folder / "key"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT / "src"), env.get("PYTHONPATH"))))
        warden = [sys.executable, "-m", "warden.cli", "crawl"]
        site = BigSite(args.copies, args.photos_per_copy)
        with site:
            load = os.getloadavg()
            seed = site.url
            # Warm the interpreter's imports and the page cache once, untimed.
            subprocess.run(
                [*warden, seed, "--case", str(folder / "warm"), "--delay", "0", "--max-pages", "5"],
                capture_output=True,
                env=env,
                timeout=LIMIT_SECONDS,
                check=True,
            )
            rows = [
                _run(
                    site,
                    "warden crawl --max-pages 2 (start-up, case, first URLs)",
                    [*warden, seed, "--case", str(folder / "one"), "--delay", "0", "--max-pages", "2"],
                    env,
                ),
                _run(
                    site,
                    "warden crawl --delay 0 (concurrency 4)",
                    [*warden, seed, "--case", str(folder / "c4"), "--delay", "0"],
                    env,
                ),
                _run(
                    site,
                    "warden crawl --delay 0 --concurrency 8",
                    [*warden, seed, "--case", str(folder / "c8"), "--delay", "0", "--concurrency", "8"],
                    env,
                ),
            ]
            if wget:
                mirror = [wget, "--mirror", "--page-requisites", "--no-parent", "-e", "robots=on"]
                rows.append(
                    _run(
                        site,
                        "wget --mirror --page-requisites --no-parent",
                        [*mirror, "-P", str(folder / "wget"), seed],
                        env,
                    )
                )
            else:
                print("wget is not installed (apt-get install wget): its row is left out")
            if not args.no_match:
                hash_set = site.hash_set_csv(folder)
                match = [*warden, seed, "--case", str(folder / "match"), "--delay", "0", "--quiet"]
                rows.append(
                    _run(
                        site,
                        "warden crawl --delay 0 --hashset (matching included)",
                        [*match, "--hashset", str(hash_set)],
                        env,
                    )
                )
        _print(rows, site, args.copies, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The takedown draft and the IWF-style URL list: addresses, categories and times only, never an image or a
hash; what is not known said as plainly as what is."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from warden.crawl.hosting import hosting_facts
from warden.crawl.takedown import MatchedMedia, takedown_notice, url_list
from warden.model.categories import Category

T1 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
T2 = datetime(2024, 5, 3, 18, 30, tzinfo=UTC)
SITE = "http://forum.example.test"
MEDIA = [
    MatchedMedia(f"{SITE}/files/b.jpg", Category.B, "exact", T1, T2, f"{SITE}/gallery.php?album=1"),
    MatchedMedia(f"{SITE}/files/a.jpg", Category.A, "pdq", T1, T1, f"{SITE}/viewtopic.php?t=4"),
    MatchedMedia(f"{SITE}/files/logo.png", Category.NOT_INDECENT, "exact", T1, T1),
    MatchedMedia(f"{SITE}/files/b.jpg", Category.C, "exact", T2, T2),
]
HOSTING = [hosting_facts("forum.example.test", addresses=["203.0.113.7"], headers=[("Server", "nginx/1.25")])]


def test_the_url_list_has_one_line_per_address_with_its_most_serious_category() -> None:
    assert url_list(MEDIA) == f"{SITE}/files/a.jpg\tA\n{SITE}/files/b.jpg\tB\n"


def test_the_draft_lists_each_address_with_category_times_page_and_kind_of_match() -> None:
    text = takedown_notice(MEDIA, HOSTING, T2).text()
    assert text.startswith("DRAFT - takedown notice")
    assert f"  {SITE}/files/a.jpg\n    category A; a pdq perceptual match: a lead, not confirmed" in text
    assert "category B; the file is an exact copy (cryptographic hash)" in text
    assert "first fetched 2024-05-02T09:00:00+00:00, last fetched 2024-05-03T18:30:00+00:00" in text
    assert f"linked from {SITE}/gallery.php?album=1" in text
    assert "forum.example.test: resolved address (IPv4): 203.0.113.7" in text
    assert "header Server (web server software): nginx/1.25" in text
    assert "1 other matched file(s) are not listed" in text
    assert "logo.png" not in text
    assert "Not known:\n  - whether the files are still served after the last fetch time" in text
    assert "perceptual matches show the listed images" in text


def test_the_json_draft_carries_the_same_facts_and_says_it_holds_no_image() -> None:
    data = json.loads(json.dumps(takedown_notice(MEDIA, HOSTING, T2).to_json()))
    assert data["contains_images"] is False
    assert data["most_serious_category"] == "A"
    assert [(m["url"], m["category"], m["match"]) for m in data["media"]] == [
        (f"{SITE}/files/a.jpg", "A", "pdq"),
        (f"{SITE}/files/b.jpg", "B", "exact"),
        (f"{SITE}/files/b.jpg", "C", "exact"),
    ]
    assert data["left_out_not_indecent"] == 1
    assert data["hosting"][0]["host"] == "forum.example.test"
    assert not any("hash" in key for m in data["media"] for key in m)


def test_a_draft_with_no_hosting_facts_says_none_were_recorded() -> None:
    text = takedown_notice(MEDIA[:1], [], T2).text()
    assert "Hosting facts seen by the crawl:\n  none recorded" in text
    assert "perceptual" not in text

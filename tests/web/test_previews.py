"""Previews: blurred and greyscale by default; the clear image only after a deliberate, audited reveal that
ends when the examiner moves on."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select, update

from tests.web.conftest import api, login
from tests.web.small_case import BROKEN, VALLEY, VIDEO, item_ids
from warden.case import schema
from warden.case.folder import Case
from warden.web.previews import BLURRED_SIDE


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def reveals_logged(case: Case) -> list[tuple[str, dict[str, object]]]:
    with case.engine.connect() as connection:
        rows = connection.execute(
            select(schema.audit_log.c.actor, schema.audit_log.c.detail).where(
                schema.audit_log.c.action == "preview.reveal"
            )
        ).all()
    return [(actor, json.loads(detail)) for actor, detail in rows]


def test_the_blurred_preview_is_small_greyscale_and_unlike_the_clear_image(
    client: TestClient, case: Case
) -> None:
    photo = item_ids(case)[VALLEY[0]]
    csrf = login(client, "ann")
    blurred = client.get(f"/previews/{photo}")
    assert blurred.status_code == 200 and blurred.headers["x-warden-preview"] == "blurred"
    assert blurred.headers["cache-control"] == "no-store"
    small = image(blurred.content)
    assert small.mode == "L"
    assert max(small.size) <= BLURRED_SIDE
    client.post(f"/previews/{photo}/reveal", headers=api(csrf))
    clear = client.get(f"/previews/{photo}/clear")
    assert clear.status_code == 200 and clear.headers["x-warden-preview"] == "clear"
    big = image(clear.content)
    assert big.mode == "RGB" and max(big.size) > BLURRED_SIDE
    assert blurred.content != clear.content
    # The blurred one has lost the detail: compared at the same size, it differs from the clear one in grey.
    grey = big.convert("L").resize(small.size)
    assert ImageStat.Stat(ImageChops.difference(grey, small)).mean[0] > 3


def test_the_clear_image_needs_a_reveal_which_is_audited(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    photo, other = ids[VALLEY[0]], ids[VALLEY[3]]
    csrf = login(client, "ann")
    refused = client.get(f"/previews/{photo}/clear")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_revealed"
    answer = client.post(f"/previews/{photo}/reveal", headers=api(csrf)).json()
    expected = {
        "item": photo,
        "url": f"/previews/{photo}/clear",
        "seconds": 30,
    }  # the reveal's configured span
    assert answer == expected
    assert reveals_logged(case) == [("ann", {"item": photo, "evidence": "evidence", "path": VALLEY[0]})]
    assert client.get(f"/previews/{photo}/clear").status_code == 200
    # Revealing another item blurs the first again.
    client.post(f"/previews/{other}/reveal", headers=api(csrf))
    assert client.get(f"/previews/{photo}/clear").status_code == 403
    assert client.get(f"/previews/{other}/clear").status_code == 200
    # Moving on (the next page of the queue, another item) ends the reveal.
    client.get("/queue")
    assert client.get(f"/previews/{other}/clear").status_code == 403


def test_a_reveal_is_one_session_s_and_grading_ends_it(app: object, case: Case) -> None:
    photo = item_ids(case)[VALLEY[0]]
    ann = TestClient(app, headers={"Origin": "http://testserver"})  # type: ignore[arg-type]
    rob = TestClient(app, headers={"Origin": "http://testserver"})  # type: ignore[arg-type]
    csrf = login(ann, "ann")
    login(rob, "rob")
    ann.post(f"/previews/{photo}/reveal", headers=api(csrf))
    assert rob.get(f"/previews/{photo}/clear").status_code == 403
    ann.post("/grades", data={"items": [photo], "category": "C"}, headers=api(csrf))
    assert ann.get(f"/previews/{photo}/clear").status_code == 403


def test_without_script_a_reveal_opens_the_item_page_with_the_clear_image(
    client: TestClient, case: Case
) -> None:
    photo = item_ids(case)[VALLEY[2]]
    csrf = login(client, "ann")
    before = client.get(f"/items/{photo}").text
    assert f'src="/previews/{photo}"' in before and "/clear" not in before
    response = client.post(
        f"/previews/{photo}/reveal",
        data={"csrf_token": csrf},
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/items/{photo}"
    assert f'src="/previews/{photo}/clear"' in client.get(f"/items/{photo}").text


def test_items_inside_a_zip_and_exif_thumbnails_are_previewed(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    login(client, "ann")
    for path in (VALLEY[1], VALLEY[2]):
        response = client.get(f"/previews/{ids[path]}")
        assert response.headers["x-warden-preview"] == "blurred", path
        assert image(response.content).mode == "L"


def test_a_video_shows_a_blurred_keyframe_strip(client: TestClient, case: Case) -> None:
    video = item_ids(case)[VIDEO]
    csrf = login(client, "ann")
    strip = image(client.get(f"/previews/{video}").content)
    assert strip.mode == "L" and strip.width > 3 * strip.height
    client.post(f"/previews/{video}/reveal", headers=api(csrf))
    clear = image(client.get(f"/previews/{video}/clear").content)
    assert clear.mode == "RGB" and clear.width > 3 * clear.height
    page = client.get(f"/items/{video}").text
    assert "<video" not in page and "keyframes" in page


def test_what_cannot_be_read_gets_a_placeholder_saying_so(client: TestClient, case: Case) -> None:
    ids = item_ids(case)
    login(client, "ann")
    broken = client.get(f"/previews/{ids[BROKEN]}")
    assert broken.status_code == 200 and broken.headers["x-warden-preview"] == "unavailable"
    assert broken.headers["content-type"] == "image/png"
    with case.engine.begin() as connection:
        connection.execute(update(schema.evidence).values(path="/nowhere/evidence"))
    moved = client.get(f"/previews/{ids[VALLEY[4]]}")
    assert moved.headers["x-warden-preview"] == "unavailable"
    assert client.get("/previews/99999").status_code == 404

"""POST /v1/hash: a benign photo or video is hashed exactly as `warden hash` hashes it; uploads too large,
damaged, hostile or not media each get one clear JSON error, and the service goes on answering."""

from __future__ import annotations

import dataclasses
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.media import media
from tests.serve.conftest import MAX_UPLOAD, config_for
from tests.serve.served import Service, serving
from warden.cli import main

PHOTO = ("photos", "n01440764_tench.jpg")
VIDEO = ("videos", "test-padded-dimensions.mp4")


@pytest.fixture(scope="module")
def hasher_key(service: Service) -> str:
    return service.key("uploader", "hash")


def _warden_hash(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["hash", "--variants", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert isinstance(result, dict)
    return result


def _upload(client: httpx.Client, data: bytes, name: str = "upload.jpg") -> httpx.Response:
    return client.post("/v1/hash", files={"file": (name, data, "application/octet-stream")})


def test_a_photo_gets_the_hashes_warden_hash_gives(
    service: Service, hasher_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = media(*PHOTO)
    expected = _warden_hash(path, capsys)
    with service.client(hasher_key) as client:
        response = _upload(client, path.read_bytes())
    assert response.status_code == 200, response.text
    answer = response.json()
    for name in ("md5", "sha1", "sha256", "pdq", "pdq_quality", "media", "format", "width", "height"):
        assert answer[name] == expected[name], name
    assert answer["pdq_variants"] == expected["pdq_variants"]
    assert len(answer["pdq_variants"]) >= 8
    assert "path" not in answer  # the spool's name is nobody's business


def test_the_photo_as_the_raw_body_gets_the_same_answer(service: Service, hasher_key: str) -> None:
    data = media(*PHOTO).read_bytes()
    with service.client(hasher_key) as client:
        form = _upload(client, data).json()
        raw = client.post("/v1/hash", content=data, headers={"Content-Type": "image/jpeg"}).json()
    assert raw == form


def test_a_video_gets_its_vpdq_frames(
    service: Service, hasher_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("vpdq")
    path = media(*VIDEO)
    expected = _warden_hash(path, capsys)
    with service.client(hasher_key) as client:
        response = _upload(client, path.read_bytes(), "clip.mp4")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["media"] == "movie" and answer["sha256"] == expected["sha256"]
    assert answer["vpdq"] == expected["vpdq"] and answer["vpdq"]


def test_an_oversized_upload_is_refused_with_413(service: Service, hasher_key: str) -> None:
    too_big = b"\xff\xd8\xff\xe0" + bytes(MAX_UPLOAD)
    with service.client(hasher_key) as client:
        declared = _upload(client, too_big)

        def chunks() -> Iterator[bytes]:  # no Content-Length: refused as the bytes arrive
            for start in range(0, len(too_big), 1 << 16):
                yield too_big[start : start + (1 << 16)]

        streamed = client.post("/v1/hash", content=chunks(), headers={"Content-Type": "image/jpeg"})
        after = _upload(client, media(*PHOTO).read_bytes())
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "upload_too_large"
    assert after.status_code == 200


def test_a_damaged_photo_is_refused_with_422_and_the_next_is_hashed(
    service: Service, hasher_key: str
) -> None:
    data = media(*PHOTO).read_bytes()
    with service.client(hasher_key) as client:
        damaged = _upload(client, data[: len(data) // 2])
        after = _upload(client, data)
    assert damaged.status_code == 422
    error = damaged.json()["error"]
    assert error["code"] == "unhashable" and "could not be decoded" in error["message"]
    assert after.status_code == 200 and after.json()["pdq"]


def _png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_without_being_decoded(service: Service, hasher_key: str) -> None:
    with service.client(hasher_key) as client:
        bomb = _upload(client, _png_claiming(60000, 60000), "bomb.png")
        after = client.get("/status")
    assert bomb.status_code == 422
    assert bomb.json()["error"]["code"] == "unhashable"
    assert after.status_code == 200


def test_what_is_not_an_image_or_video_is_refused_with_415(service: Service, hasher_key: str) -> None:
    with service.client(hasher_key) as client:
        text = _upload(client, b"just some words, not a picture\n", "words.jpg")
        form_without_file = client.post("/v1/hash", data={"other": "x"}, files={"x": ("a", b"b")})
        urlencoded = client.post("/v1/hash", data={"file": "x"})
    assert text.status_code == 415 and text.json()["error"]["code"] == "not_media"
    assert form_without_file.status_code == 400
    assert urlencoded.status_code == 415


def test_every_upload_is_deleted_once_answered(service: Service, hasher_key: str) -> None:
    with service.client(hasher_key) as client:
        _upload(client, media(*PHOTO).read_bytes())
        _upload(client, b"damaged")
    assert service.config.spool is not None
    spools = list(service.config.spool.glob("warden-serve-*"))
    assert len(spools) == 1 and spools[0].stat().st_mode & 0o077 == 0
    assert list(spools[0].iterdir()) == []


def test_a_video_over_the_length_limit_is_refused_with_413_before_it_is_decoded(tmp_path: Path) -> None:
    pytest.importorskip("vpdq")
    config = dataclasses.replace(
        config_for(f"sqlite:///{tmp_path / 'service.db'}", tmp_path / "spool"), max_video_seconds=2
    )
    with serving(config) as service, service.client(service.key("v", "hash")) as client:
        response = _upload(client, media(*VIDEO).read_bytes(), "clip.mp4")  # 5 s long
    assert response.status_code == 413
    message = response.json()["error"]["message"]
    assert "over the limit of 2 s" in message
    assert "declares 5 s" in message  # its container said so: no frame was decoded

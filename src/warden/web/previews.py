"""Previews of evidence for the review app: blurred and greyscale by default, clear only for a reveal.

A blurred preview is made from a copy shrunk to :data:`DETAIL_SIDE` pixels across, then enlarged and
blurred: the bytes sent carry no more detail than that, whatever a browser does with them. The clear image
(at most :data:`CLEAR_SIDE` pixels across) is only ever sent for an item the examiner chose to reveal.
Videos get a strip of a few keyframes, blurred the same way (both made by :mod:`warden.previews`). Previews
are made from the evidence's own bytes (found again by :mod:`warden.evidence.locate`, under the container
limits the case's scans used for that exhibit, raised ones included), held in memory (least recently used
first out) and never written to disk. An item that cannot be shown gets a placeholder saying why.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import Engine

from warden.case.items import evidence_roots, read_item
from warden.case.raised_limits import recorded_raises
from warden.evidence.base import Limits
from warden.evidence.limits import raised
from warden.evidence.locate import open_item
from warden.evidence.names import root_path
from warden.hashing.decode import DecodeError, decode_still
from warden.model.hashes import Media
from warden.previews import KeyframeError, blur, keyframes, strip

BLURRED_SIDE = 160
"""Longest side of a blurred preview as shown (small, by design)."""
DETAIL_SIDE = 20
"""Longest side of the copy a blurred preview is made from: shapes and tones, no detail."""
CLEAR_SIDE = 512
"""Longest side of a revealed image."""


@dataclass(frozen=True, slots=True)
class Preview:
    """Image bytes to send, and why they are a placeholder if they are one."""

    data: bytes
    media_type: str
    problem: str | None = None


def _blur(image: Image.Image, side: int = BLURRED_SIDE) -> Image.Image:
    """Greyscale, shrunk to :data:`DETAIL_SIDE` across, enlarged to ``side`` and blurred."""
    return blur(image, side=side, detail=DETAIL_SIDE, radius=side / 40)


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    """The image as JPEG bytes."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def placeholder(problem: str) -> bytes:
    """A plain grey PNG saying that the item cannot be shown, and why."""
    image = Image.new("L", (BLURRED_SIDE, BLURRED_SIDE * 3 // 4), 205)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11)
    lines = ["no preview", *textwrap.wrap(problem, 26)[:5]]
    for number, line in enumerate(lines):
        draw.text((6, 6 + number * 15), line, fill=40, font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class _Cache:
    """Least-recently-used bytes, bounded in total size."""

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._size = 0
        self._entries: OrderedDict[tuple[int, str], Preview] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> Preview | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[int, str], preview: Preview) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            self._size -= len(old.data) if old else 0
            self._entries[key] = preview
            self._size += len(preview.data)
            while self._size > self._max and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.data)


class Previews:
    """Makes and keeps the previews of one case's items.

    Args:
        engine: the case database (where each item is).
        limits: container bounds for reaching items inside containers (the settings'); a limit a scan
            raised for one exhibit (``warden scan --raise-limit``) is raised for that exhibit's items too.
        cache_bytes: memory held by generated previews.
        max_pixels: images declaring more pixels are not decoded (decompression-bomb guard).
        max_bytes: stills larger than this are not read for a preview.
    """

    def __init__(
        self, engine: Engine, limits: Limits, *, cache_bytes: int, max_pixels: int, max_bytes: int
    ) -> None:
        self._engine = engine
        self._limits = limits
        self._cache = _Cache(cache_bytes)
        self._max_pixels = max_pixels
        self._max_bytes = max_bytes

    def blurred(self, item_id: int) -> Preview | None:
        """The blurred, greyscale preview (a strip for a video); None when there is no such item."""
        return self._get(item_id, "blurred")

    def clear(self, item_id: int) -> Preview | None:
        """The clear image (a strip for a video): only for an item the examiner revealed."""
        return self._get(item_id, "clear")

    def _get(self, item_id: int, kind: str) -> Preview | None:
        cached = self._cache.get((item_id, kind))
        if cached is not None:
            return cached
        with self._engine.connect() as connection:
            item = read_item(connection, item_id)
            roots = evidence_roots(connection)
        if item is None:
            return None
        limits = self._limits_for(item.evidence)
        try:
            clear, blurred = self._render(
                Path(root_path(roots[item.evidence])), item.path, item.media, item.format, limits
            )
        except (OSError, DecodeError, KeyframeError) as error:
            return Preview(placeholder(str(error)), "image/png", str(error))
        except Exception as error:  # hostile bytes reach archive readers and decoders that raise anything
            problem = f"{type(error).__name__}: {error}"
            return Preview(placeholder(problem), "image/png", problem)
        self._cache.put((item_id, "clear"), clear)
        self._cache.put((item_id, "blurred"), blurred)
        return clear if kind == "clear" else blurred

    def _limits_for(self, exhibit: str) -> Limits:
        """The limits the case's scans walked ``exhibit`` with: read again for each preview made, as a scan
        may raise one while the app runs."""
        return raised(self._limits, exhibit, recorded_raises(self._engine).get(exhibit, {}))

    def _render(
        self, evidence: Path, item_path: str, media: Media, format_name: str | None, limits: Limits
    ) -> tuple[Preview, Preview]:
        if media is Media.MOVIE:
            with open_item(evidence, item_path, limits) as stream:
                frames = keyframes(stream)
            clear = strip(frames)
            hidden = strip([_blur(frame, side=max(frame.size) // 2) for frame in frames])
        elif media is Media.STILL:
            with open_item(evidence, item_path, limits) as stream:
                data = stream.read(self._max_bytes + 1)
            if len(data) > self._max_bytes:
                raise OSError(f"over {self._max_bytes} bytes: too large to preview")
            decoded = decode_still(data, format_name, max_pixels=self._max_pixels, reduce_to=None)
            clear = Image.fromarray(decoded.pixels).convert("RGB")
            clear.thumbnail((CLEAR_SIDE, CLEAR_SIDE), Image.Resampling.LANCZOS)
            hidden = _blur(clear)
        else:
            raise OSError("not an image or a video")
        return Preview(jpeg(clear, 85), "image/jpeg"), Preview(jpeg(hidden, 70), "image/jpeg")

"""A benign demo case built from the shared public media: a seized-folder look-alike and a made-up hash set.

Nothing here is or depicts anything unlawful: the "listed" images are ordinary photos of animals and places
from ``../shared/media``, given made-up categories, and the evidence tree holds exact copies, edited copies
(recompressed, resized, greyscale, captioned, PNG/WebP, mirrored, rotated, bordered), unrelated photos,
videos, and a few broken files. The builder knows what every file should come out as, so the demo (and the
end-to-end test, with another seed) can check the scan's counts exactly.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from warden.model.categories import Category
from warden.model.hashes import VpdqFrame

Edit = Callable[[Image.Image], Image.Image]


def _caption(image: Image.Image) -> Image.Image:
    """Meme-style text written over the picture, as captioned copies usually are."""
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    width, height = out.size
    font = ImageFont.load_default(size=max(10, height // 14))
    draw.text(
        (width // 20, height - height // 6),
        "shared on holiday :)",
        fill=(255, 255, 255),
        font=font,
        stroke_width=max(1, height // 150),
        stroke_fill=(0, 0, 0),
    )
    return out


def _border(colour: tuple[int, int, int], sides: tuple[float, float, float, float]) -> Edit:
    def edit(image: Image.Image) -> Image.Image:
        width, height = image.size
        left, top, right, bottom = (round(f * (width if i % 2 == 0 else height)) for i, f in enumerate(sides))
        return ImageOps.expand(image.convert("RGB"), border=(left, top, right, bottom), fill=colour)

    return edit


EDITS: dict[str, tuple[Edit, str, dict[str, int]]] = {
    # name: (edit, file format, save options)
    "recompressed": (lambda im: im.convert("RGB"), "JPEG", {"quality": 45}),
    "resized": (
        lambda im: im.resize((max(64, im.width // 2), max(64, im.height // 2))),
        "JPEG",
        {"quality": 90},
    ),
    "greyscale": (lambda im: im.convert("L"), "JPEG", {"quality": 90}),
    "captioned": (_caption, "JPEG", {"quality": 90}),
    "png": (lambda im: im, "PNG", {}),
    "webp": (lambda im: im, "WEBP", {"quality": 85}),
    "mirrored": (lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "JPEG", {"quality": 90}),
    "rotated90": (lambda im: im.transpose(Image.Transpose.ROTATE_90), "JPEG", {"quality": 90}),
    "rotated180": (lambda im: im.transpose(Image.Transpose.ROTATE_180), "JPEG", {"quality": 90}),
    "rotated270": (lambda im: im.transpose(Image.Transpose.ROTATE_270), "JPEG", {"quality": 90}),
    "bordered": (_border((0, 0, 0), (0.08, 0.08, 0.08, 0.08)), "JPEG", {"quality": 90}),
    "letterboxed": (_border((0, 0, 0), (0.0, 0.15, 0.0, 0.15)), "JPEG", {"quality": 90}),
    "white-frame-mirrored": (
        lambda im: _border((255, 255, 255), (0.05, 0.1, 0.05, 0.1))(
            im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        ),
        "JPEG",
        {"quality": 90},
    ),
}

_EXTENSION = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}

FOLDERS = (
    "DCIM/Camera",
    "Downloads",
    "Pictures/2024/holiday",
    "Users/guest/AppData/Local/Temp",
    "WhatsApp/Media",
)

# Videos in the shared media come in families of edited variants; the first of each pair is listed.
VIDEO_PAIRS = (("chair-orig-22-sd-bar.mp4", "chair-22-sd-grey-bar.mp4"),)


@dataclass
class DemoCase:
    """What the builder made, and what a correct scan must find.

    Attributes:
        evidence: the seized-folder look-alike.
        hashset: the demo hash set (canonical CSV).
        expected: path (relative to ``evidence``) -> expected category value, ``None`` for unmatched
            media and other files, or ``"error"`` for a broken file.
        media_kind: path -> ``still``, ``movie`` or ``other``.
        sha1: path -> SHA-1 of the file.
        origin: path -> how the file was made (``<edit> of <photo>``), for a reader checking a result.
    """

    evidence: Path
    hashset: Path
    expected: dict[str, str | None] = field(default_factory=dict)
    media_kind: dict[str, str] = field(default_factory=dict)
    sha1: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, category: str | None, kind: str, sha1: str, origin: str) -> None:
        """Record what the file at ``path`` (relative to ``evidence``) is and must come out as."""
        self.expected[path] = category
        self.media_kind[path] = kind
        self.sha1[path] = sha1
        self.origin[path] = origin

    def expected_counts(self) -> dict[str, dict[str, int]]:
        """Files and distinct SHA-1 per category, stills and movies apart, as the report must give them."""
        counts: dict[str, dict[str, int]] = {}
        for category in ("A", "B", "C"):
            row = {"stills_files": 0, "stills_unique": 0, "movies_files": 0, "movies_unique": 0}
            for kind, prefix in (("still", "stills"), ("movie", "movies")):
                paths = [p for p, c in self.expected.items() if c == category and self.media_kind[p] == kind]
                row[f"{prefix}_files"] = len(paths)
                row[f"{prefix}_unique"] = len({self.sha1[p] for p in paths})
            counts[category] = row
        return counts


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()  # noqa: S324 - an identity, not a security use


def build_demo(
    media: Path,
    out: Path,
    *,
    seed: int = 2026,
    listed: int = 24,
    unrelated: int = 16,
    hasher: Callable[[Path], dict[str, object]],
) -> DemoCase:
    """Build the evidence tree and the hash set under ``out`` (which must not exist or be empty).

    Args:
        media: the shared media folder.
        out: where to build.
        seed: picks the photos, edits and categories; another seed gives an unseen case of the same kind.
        listed: photos that go into the hash set.
        unrelated: photos that are in the evidence but not listed.
        hasher: returns ``hash_file(...).to_json()`` for a path (the demo's hash set is made with Warden's
            own hashing, the way a hotline would list a file).
    """
    rng = random.Random(seed)
    photos = sorted((media / "photos").glob("*.jpg"))
    chosen = rng.sample(photos, listed + unrelated)
    listed_photos, unrelated_photos = chosen[:listed], chosen[listed:]
    evidence = out / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    demo = DemoCase(evidence=evidence, hashset=out / "hashsets" / "demo-hashset.csv")
    rows: list[dict[str, str]] = []
    edit_names = list(EDITS)
    categories = [Category.A.value, Category.B.value, Category.C.value]

    def place(name: str) -> Path:
        folder = evidence / rng.choice(FOLDERS)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def remember(path: Path, category: str | None, kind: str, how: str = "") -> None:
        demo.add(path.relative_to(evidence).as_posix(), category, kind, _sha1(path), how)

    for index, photo in enumerate(listed_photos):
        category = categories[index % 3]
        hashes = hasher(photo)
        rows.append(_row(hashes, category, f"DEMO-{index + 1:04d}"))
        # Every listed photo appears as an exact copy or edited copy; some more than once.
        copies = ["exact", edit_names[index % len(edit_names)]]
        if index % 4 == 0:
            copies.append(rng.choice(edit_names))
        for number, how in enumerate(copies):
            stem = f"IMG_{rng.randint(1000, 9999)}_{number}"
            if how == "exact":
                target = place(stem + ".jpg")
                shutil.copyfile(photo, target)
            else:
                edit, fmt, save = EDITS[how]
                with Image.open(photo) as image:
                    edited = edit(image.convert("RGB"))
                target = place(stem + _EXTENSION[fmt])
                edited.save(target, fmt, **save)
            remember(target, category, "still", f"{how} of {photo.name}")
    for photo in unrelated_photos:
        target = place(f"DSC{rng.randint(10000, 99999)}.jpg")
        shutil.copyfile(photo, target)
        remember(target, None, "still", f"unrelated {photo.name}")
    for index, (listed_video, variant) in enumerate(VIDEO_PAIRS):
        source = media / "videos" / listed_video
        category = categories[(index + 1) % 3]
        rows.append(_row(hasher(source), category, f"DEMO-V{index + 1:03d}"))
        for name in (listed_video, variant):
            target = evidence / "Videos" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(media / "videos" / name, target)
            remember(target, category, "movie", f"copy of {name}")
    _archive(evidence / "Downloads" / "holiday_pics.zip", listed_photos, unrelated_photos, rows, demo)
    _broken_files(evidence / "Downloads", listed_photos[0], rng, remember)
    _write_hashset(demo.hashset, rows)
    return demo


_ZIP_TIME = (2024, 1, 1, 12, 0, 0)


def _archive(
    target: Path, listed: list[Path], unrelated: list[Path], rows: list[dict[str, str]], demo: DemoCase
) -> None:
    """A zip holding exact copies of two listed photos and one unrelated one: found inside the archive."""
    target.parent.mkdir(parents=True, exist_ok=True)
    members = {f"holiday/{photo.name}": photo for photo in (listed[1], listed[2], unrelated[0])}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, photo in members.items():
            # A fixed time and mode: the same demo gives the same zip, so its reports can be compared.
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            archive.writestr(info, photo.read_bytes())
    container = target.relative_to(demo.evidence).as_posix()
    demo.add(container, None, "other", _sha1(target), "zip archive")
    categories = {row["sha1"]: row["category"] for row in rows}
    for name, photo in members.items():
        sha1 = _sha1(photo)
        demo.add(
            f"{container}//{name}", categories.get(sha1), "still", sha1, f"zip member, copy of {photo.name}"
        )


def _row(hashes: dict[str, object], category: str, source_id: str) -> dict[str, str]:
    frames = hashes.get("vpdq") or []
    assert isinstance(frames, list)
    vpdq = " ".join(
        VpdqFrame(pdq=f["pdq"], quality=int(f["quality"]), timestamp=float(f["timestamp"])).to_text()
        for f in frames
    )
    return {
        "md5": str(hashes["md5"]),
        "sha1": str(hashes["sha1"]),
        "sha256": str(hashes["sha256"]),
        "pdq": str(hashes.get("pdq") or ""),
        "category": category,
        "source_id": source_id,
        "vpdq": vpdq,
    }


def _write_hashset(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(
            stream, fieldnames=["md5", "sha1", "sha256", "pdq", "category", "source_id", "vpdq"]
        )
        writer.writeheader()
        writer.writerows(rows)


def _broken_files(folder: Path, photo: Path, rng: random.Random, remember: Callable[..., None]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = photo.read_bytes()
    truncated = folder / "truncated_download.jpg"
    truncated.write_bytes(data[: len(data) // 3])
    remember(truncated, "error", "still")
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    remember(empty, None, "other")  # a fact, not an error: counted under zero_byte_files
    noise = folder / "noise.png"
    noise.write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(4096))
    remember(noise, "error", "still")
    notes = folder / "notes.txt"
    notes.write_text("shopping list: bread, milk\n", encoding="utf-8")
    remember(notes, None, "other")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (120, 120, 120)).save(buffer, "PNG")
    flat = folder / "blank.png"
    flat.write_bytes(buffer.getvalue())
    remember(flat, None, "still")

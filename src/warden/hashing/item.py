"""Hash one file: digests from a single read, then PDQ and its variants for a still, or vPDQ for a movie."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden import settings
from warden.hashing.borders import Borders
from warden.hashing.decode import DecodedStill, DecodeError, decode_still
from warden.hashing.digests import Identity, NotRegularFileError, open_evidence, read_and_digest
from warden.hashing.pdq import FAST_MIN_SIDE, PdqVariant, pdq_hash
from warden.hashing.robust import robust_pdq
from warden.hashing.sniff import Sniffed, sniff
from warden.model.hashes import Media, VideoHash, vpdq_to_text
from warden.model.records import ItemError

if TYPE_CHECKING:  # video modules are imported when a movie is hashed: `warden hash` of a photo skips them
    from warden.hashing.video_bars import VideoBars

READ, DECODE, PDQ, VPDQ = "read", "decode", "pdq", "vpdq"
"""The stages an item error can come from."""
VIDEO_LIMIT = "video-limit"
"""The stage of the error of a movie not hashed because it declares more than ``max_video_seconds``."""
VIDEO_VARIANTS = "vpdq-variants"
"""The stage of the error of a movie whose vPDQ was computed but not its extra frames (dense, mirrored,
trimmed): it still matches whole copies by the reference rule."""


def _setting_int(setting: settings.Setting) -> Callable[[], int]:
    return lambda: settings.get_int(setting)


def _seconds_per_hash() -> float:
    raw = settings.get_str(settings.VPDQ_SECONDS_PER_HASH)
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{settings.VPDQ_SECONDS_PER_HASH.env_var} must be a number, got {raw!r}") from None


@dataclass(frozen=True, slots=True)
class HashOptions:
    """How to hash; the defaults come from Warden's settings (and their environment variables).

    Attributes:
        exact_pdq: decode stills at full resolution, the reference way, instead of the fast reduced decode.
        variants: also hash the 8 rotations/mirrors and, when there are uniform bars, the image without them.
        video: compute vPDQ for movies (needs the ``vpdq`` package).
        vpdq_seconds_per_hash: seconds between hashed video frames; 0 hashes every frame.
        vpdq_threads: FFmpeg decoding threads per video; 0 lets FFmpeg choose.
        max_image_bytes: larger stills get digests only, and an error.
        max_image_pixels: stills declaring more pixels are not decoded (decompression-bomb guard).
        max_video_seconds: movies whose container declares a longer length are not hashed (0: no limit);
            the item gets a :data:`VIDEO_LIMIT` error.
        video_variants: also hash a movie's frames densely, mirrored and without black bars, to find
            excerpts, compilations and edited copies (see :mod:`warden.hashing.video_variants`).
        video_timeout: seconds each FFmpeg pass for those frames may take.
    """

    exact_pdq: bool = False
    variants: bool = True
    video: bool = True
    vpdq_seconds_per_hash: float = field(default_factory=_seconds_per_hash)
    vpdq_threads: int = 0
    max_image_bytes: int = field(default_factory=_setting_int(settings.MAX_IMAGE_BYTES))
    max_image_pixels: int = field(default_factory=_setting_int(settings.MAX_IMAGE_PIXELS))
    max_video_seconds: float = 0.0
    video_variants: bool = True
    video_timeout: float = field(default_factory=lambda: float(settings.get_int(settings.ITEM_TIMEOUT)))


@dataclass(slots=True)
class FileHashes:
    """Everything hashing learned about one file. Fields stay None where they do not apply or failed.

    Attributes:
        path: the file as given.
        media: still, movie or other, from the magic bytes.
        format: the sniffed format (``jpeg``, ``mp4``, ...), None when unrecognised.
        size: bytes read.
        md5: MD5 of the content (hex); likewise ``sha1`` and ``sha256``.
        pdq: PDQ hash of the still as displayed (EXIF orientation applied).
        pdq_quality: its quality, 0-100; under 50 it never matches perceptually.
        pdq_method: ``fast`` (decoded at reduced scale, or a colour JPEG read as its luma channel) or
            ``exact`` (full decode, the reference way; also in fast mode for grey JPEGs and for other
            formats too small to reduce).
        width: full width of the still as displayed; likewise ``height``.
        animated: the file has several frames; only the first was hashed.
        pdq_variants: every PDQ variant, ``original`` first (see :mod:`warden.hashing.robust`).
        borders: the uniform bars cut off for the ``trimmed*`` variants, in pixels of the full image.
        vpdq: the video's frames, for a movie.
        video_variants: a movie's extra frames by variant (``original`` sampled densely, ``mirrored``,
            ``trimmed``...), beside its vPDQ; see :mod:`warden.hashing.video_variants`.
        video_bars: the black bars found on the movie's key frames, as shares of each side.
        errors: what went wrong, stage by stage; the fields that could be filled are filled.
    """

    path: str
    media: Media = Media.OTHER
    format: str | None = None
    size: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_method: str | None = None
    width: int | None = None
    height: int | None = None
    animated: bool = False
    pdq_variants: list[PdqVariant] = field(default_factory=list)
    borders: Borders | None = None
    vpdq: VideoHash | None = None
    video_variants: dict[str, VideoHash] = field(default_factory=dict)
    video_bars: VideoBars | None = None
    errors: list[ItemError] = field(default_factory=list)

    @property
    def pdq_matchable(self) -> bool:
        """True when the still has a PDQ hash of enough quality to match perceptually."""
        return self.pdq_quality is not None and self.pdq_quality >= settings.get_int(settings.PDQ_MIN_QUALITY)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: one object per file in ``warden hash`` output (a movie's also has
        ``video_variants`` and ``video_bars`` when they were computed)."""
        record: dict[str, Any] = {
            "path": self.path,
            "media": self.media.value,
            "format": self.format,
            "size": self.size,
            "md5": self.md5,
            "sha1": self.sha1,
            "sha256": self.sha256,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            "pdq_method": self.pdq_method,
            "width": self.width,
            "height": self.height,
            "animated": self.animated,
            "pdq_variants": [variant._asdict() for variant in self.pdq_variants],
            "borders": self.borders.to_json() if self.borders else None,
            "vpdq": None
            if self.vpdq is None
            else [
                {"pdq": frame.pdq, "quality": frame.quality, "timestamp": round(frame.timestamp, 3)}
                for frame in self.vpdq
            ],
            "errors": [error._asdict() for error in self.errors],
        }
        if self.video_variants:  # a movie's extra frames, only where they were computed
            record["video_variants"] = {
                name: vpdq_to_text(frames) for name, frames in self.video_variants.items()
            }
            record["video_bars"] = self.video_bars.to_json() if self.video_bars else None
        return record


def hash_file(
    path: Path, options: HashOptions | None = None, *, identity: Identity | None = None
) -> FileHashes:
    """Hash one file, reading it once (a video is read again by vPDQ). Never raises for a bad file.

    Args:
        path: the file; opened read-only.
        options: how to hash; None takes the settings' defaults.
        identity: ``(st_dev, st_ino)`` the file had when listed: another file in its place is not read.

    Returns:
        The hashes, with every problem in ``errors``.
    """
    options = options or HashOptions()
    result = FileHashes(path=str(path))
    sniffed = Sniffed(Media.OTHER, None)

    def keep(head: bytes) -> int:
        nonlocal sniffed
        sniffed = sniff(head)  # read_and_digest calls this once, with the head it returns
        return options.max_image_bytes if sniffed.media is Media.STILL else 0

    try:
        with open_evidence(path, identity) as stream:
            read = read_and_digest(stream, keep)
    except NotRegularFileError:
        result.errors.append(
            ItemError(READ, "not a regular file (a folder, pipe, socket or device): not read")
        )
        return result
    except OSError as error:
        result.errors.append(ItemError(READ, f"cannot read the file: {error.strerror or error}"))
        return result
    digests, data = read.digests, read.data
    del read
    result.md5, result.sha1, result.sha256 = digests.md5, digests.sha1, digests.sha256
    result.size = digests.size
    result.media, result.format = sniffed.media, sniffed.format
    if digests.size == 0:
        pass  # an empty file is a fact, counted apart in the report: its digests are all it has
    elif sniffed.media is Media.STILL and data is None:
        message = (
            f"image of {digests.size} bytes is over the max_image_bytes limit of {options.max_image_bytes}"
        )
        result.errors.append(ItemError(DECODE, f"{message}: digests only"))
    elif sniffed.media is Media.STILL and data is not None:
        decoded = _decode(result, data, options)
        del data  # only the pixels are needed from here on
        if decoded is not None:
            _hash_still(result, decoded, options)
    elif sniffed.media is Media.MOVIE and options.video:
        _hash_movie(result, path, options)
    return result


def _decode(result: FileHashes, data: bytes, options: HashOptions) -> DecodedStill | None:
    try:
        return decode_still(
            data,
            result.format,
            max_pixels=options.max_image_pixels,
            reduce_to=None if options.exact_pdq else FAST_MIN_SIDE,
        )
    except DecodeError as error:
        result.errors.append(ItemError(DECODE, str(error)))
        return None


def _hash_still(result: FileHashes, decoded: DecodedStill, options: HashOptions) -> None:
    result.width, result.height, result.animated = decoded.width, decoded.height, decoded.animated
    result.pdq_method = "fast" if decoded.fast else "exact"
    try:
        if options.variants:
            robust = robust_pdq(decoded.pixels)
            result.pdq_variants = robust.variants
            result.errors += [ItemError(PDQ, failure.describe()) for failure in robust.failures]
            if robust.borders is not None:
                height, width = decoded.pixels.shape[:2]
                result.borders = robust.borders.scaled(decoded.width / width, decoded.height / height)
            result.pdq, result.pdq_quality = robust.variants[0].pdq, robust.variants[0].quality
        else:
            result.pdq, result.pdq_quality = pdq_hash(decoded.pixels)
    except Exception as error:  # the item's boundary: whatever pdqhash raises is this item's problem only
        result.errors.append(ItemError(PDQ, f"cannot compute PDQ: {type(error).__name__}: {error}"))


def _hash_movie(result: FileHashes, path: Path, options: HashOptions) -> None:
    from warden.hashing.video import VideoHashError, declared_seconds, hash_video
    from warden.hashing.video_frames import FramesError
    from warden.hashing.video_variants import video_variants

    declared = (
        declared_seconds(str(path)) if options.max_video_seconds > 0 or options.video_variants else None
    )
    if options.max_video_seconds > 0 and declared is not None and declared > options.max_video_seconds:
        limit = f"{options.max_video_seconds:g}"
        result.errors.append(
            ItemError(VIDEO_LIMIT, f"declares {declared:.0f} s, over the limit of {limit} s")
        )
        return
    try:
        result.vpdq = hash_video(
            path, seconds_per_hash=options.vpdq_seconds_per_hash, threads=options.vpdq_threads
        )
    except (VideoHashError, ValueError) as error:
        result.errors.append(ItemError(VPDQ, str(error)))
        return
    if options.video_variants:
        try:
            variants = video_variants(path, declared=declared, timeout=options.video_timeout)
        except (FramesError, ValueError) as error:
            message = f"dense, mirrored and trimmed frames not hashed: {error}"
            result.errors.append(ItemError(VIDEO_VARIANTS, message))
            return
        result.video_variants, result.video_bars = variants.frames, variants.bars

"""Decode a still image's bytes to 8-bit RGB pixels for PDQ: bomb guard, strict reading, EXIF orientation,
reduced scale."""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from warden.hashing.jpeg_header import read_header
from warden.hashing.sniff import HEAD_BYTES, sniff
from warden.hashing.strict import DamagedImage, check_gif, check_png, read_jpeg

if TYPE_CHECKING:  # Pillow is imported when an image needs it: a common JPEG is decoded without it
    from PIL import Image

Pixels = npt.NDArray[np.uint8]
"""Height x width x 3 RGB pixels; may be a read-only or broadcast view."""

_ORIENTATION_TAG = 0x0112


@functools.cache
def _upright_turns() -> dict[int, Image.Transpose]:
    """The turn that shows an image upright, by EXIF orientation (the table ``ImageOps.exif_transpose``
    uses)."""
    from PIL import Image

    return {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }


_UPRIGHT_VIEWS: dict[int, Callable[[Pixels], Pixels]] = {
    2: lambda pixels: pixels[:, ::-1],
    3: lambda pixels: pixels[::-1, ::-1],
    4: lambda pixels: pixels[::-1],
    5: lambda pixels: pixels.swapaxes(0, 1),
    6: lambda pixels: pixels.swapaxes(0, 1)[:, ::-1],
    7: lambda pixels: pixels.swapaxes(0, 1)[::-1, ::-1],
    8: lambda pixels: pixels.swapaxes(0, 1)[::-1],
}
"""The same turns (:func:`_upright_turns`) as views of the pixels (height x width x channels), copying
nothing."""

# Only the plug-in of the sniffed format may open the bytes: no guessing, and no plug-in that runs an external
# program (Pillow's EPS plug-in calls Ghostscript) is ever reached with evidence.
_PILLOW_FORMATS: dict[str, tuple[str, ...]] = {
    "jpeg": ("JPEG",),
    "png": ("PNG",),
    "gif": ("GIF",),
    "webp": ("WEBP",),
    "tiff": ("TIFF",),
    "bmp": ("BMP",),
    "heic": ("HEIF",),
    "avif": ("AVIF", "HEIF"),
    "jp2": ("JPEG2000",),
    "ico": ("ICO",),
    "psd": ("PSD",),
}


class DecodeError(Exception):
    """The bytes could not be decoded to pixels; the message says why, for the item's error record."""


@dataclass(frozen=True, slots=True)
class DecodedStill:
    """Pixels ready for PDQ and what a report needs to know about how they were obtained.

    Attributes:
        pixels: RGB, turned upright per the EXIF orientation; smaller than the image when ``reduced``.
        width: width of the full image as displayed (after the EXIF turn).
        height: height of the full image as displayed.
        animated: the file holds more than one frame; only the first was decoded.
        reduced: decoded at reduced scale (JPEG in the DCT domain, other formats by box averaging).
        fast: not decoded the reference way: at reduced scale, or a colour JPEG read as its luma channel
            alone (JPEG's Y is PDQ's luma, up to rounding: hashes within a few bits of the reference's).
    """

    pixels: Pixels
    width: int
    height: int
    animated: bool
    reduced: bool
    fast: bool = False


def decode_still(
    data: bytes, format_name: str | None, *, max_pixels: int, reduce_to: int | None
) -> DecodedStill:
    """Decode the first frame of a still image.

    Args:
        data: the whole file.
        format_name: the sniffed format (see :mod:`warden.hashing.sniff`), which alone decides the decoder;
            None sniffs it here.
        max_pixels: images declaring more pixels are refused (decompression-bomb guard).
        reduce_to: when set, decode at the smallest power-of-two scale (1/2, 1/4, 1/8) that keeps both sides
            at least this many pixels; None decodes at full resolution, the reference way.

    Raises:
        DecodeError: truncated, corrupt or unsupported data, or too many pixels.
    """
    format_name = format_name or sniff(data[:HEAD_BYTES]).format
    formats = _PILLOW_FORMATS.get(format_name or "")
    if formats is None:
        raise DecodeError(f"no decoder for {format_name or 'unrecognised'} images")
    if format_name == "jpeg":
        plain = _plain_jpeg(data, max_pixels, reduce_to)
        if plain is not None:
            return plain
    return _with_pillow(data, format_name, formats, max_pixels, reduce_to)


def _plain_jpeg(data: bytes, max_pixels: int, reduce_to: int | None) -> DecodedStill | None:
    """A common JPEG decoded by libjpeg-turbo alone, without Pillow (see :mod:`warden.hashing.jpeg_header`);
    None when it is one for Pillow to read.

    Raises:
        DecodeError: too many pixels, or missing or damaged data.
    """
    header = read_header(data)
    if header is None:
        return None
    _check_size(header.width, header.height, max_pixels)
    scale = 1 if reduce_to is None else _scale(header.width, header.height, reduce_to)
    size = (header.width, header.height)
    try:
        array = _jpeg(data, header.mode, scale, size, grey=reduce_to is not None)
    except DamagedImage as error:
        raise DecodeError(str(error)) from None
    if array is None:
        return None
    colour = header.mode != "L"
    return _finished(
        array, size, header.orientation, animated=False, fast_luma=colour and reduce_to is not None
    )


def _with_pillow(
    data: bytes, format_name: str | None, formats: tuple[str, ...], max_pixels: int, reduce_to: int | None
) -> DecodedStill:
    from PIL import Image, ImageFile

    # Pillow reads AVIF itself; pillow-heif is the fallback there and the only way to read HEIC.
    heif_ready = format_name in ("heic", "avif") and _heif_opener_registered()
    if format_name == "heic" and not heif_ready:
        raise DecodeError("HEIC images need pillow-heif: install it with  pip install 'warden[heic]'")
    # Pillow's bomb limit and its way with truncated files are process-wide: set for this decode, then put
    # back. A truncated file is an error to record, not an image to guess at: some libraries (WeasyPrint, on
    # import) switch Pillow to padding truncated images with grey for everyone in the process.
    pixels_before, truncated_before = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = max_pixels, False
    try:
        return _decode_guarded(data, format_name, formats, max_pixels, reduce_to)
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = pixels_before, truncated_before


def _decode_guarded(
    data: bytes, format_name: str | None, formats: tuple[str, ...], max_pixels: int, reduce_to: int | None
) -> DecodedStill:
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns about odd but harmless files (palette transparency, EXIF quirks); nothing may print.
        # A declared size over the limit warns too: that one must stop the decode.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _decode(data, formats, max_pixels, reduce_to)
        except DecodeError:
            raise
        except DamagedImage as error:
            raise DecodeError(str(error)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise DecodeError(
                f"over the max_image_pixels limit of {max_pixels}, not decoded: {error}"
            ) from None
        except UnidentifiedImageError:
            raise DecodeError(f"not a decodable {format_name or 'image'} file") from None
        except MemoryError:
            raise DecodeError("not enough memory to decode the image") from None
        except OSError as error:
            if format_name == "webp":  # libwebp says no more than that it failed
                raise DecodeError(f"truncated or damaged WebP data: {error}") from None
            raise DecodeError(f"{type(error).__name__}: {error}") from None
        except Exception as error:  # hostile input reaches plug-ins that can raise anything
            raise DecodeError(f"{type(error).__name__}: {error}") from None


def _decode(data: bytes, formats: tuple[str, ...], max_pixels: int, reduce_to: int | None) -> DecodedStill:
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=formats) as image:
        width, height = image.size
        _check_size(width, height, max_pixels)
        animated = _animated(image)
        scale = 1 if reduce_to is None else _scale(width, height, reduce_to)
        array: Pixels | None = None
        if image.format in ("JPEG", "MPO"):
            array = _jpeg(data, image.mode, scale, image.size, grey=reduce_to is not None)
        elif image.format == "PNG":
            check_png(data)
        elif image.format == "GIF":
            check_gif(data)
        colour_jpeg = image.format in ("JPEG", "MPO") and image.mode != "L"
        if array is not None:
            # libjpeg-turbo's pixels as they are: turned upright as views, never through a Pillow image.
            fast_luma = colour_jpeg and reduce_to is not None
            return _finished(array, image.size, _orientation(image), animated=animated, fast_luma=fast_luma)
        pixels, reduced, orientation = _pillow_pixels(image, scale, reduce_to)
    return _finished(
        pixels,
        (width, height),
        orientation,
        animated=animated,
        fast_luma=False,
        upright=True,
        reduced=reduced,
    )


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise DecodeError(
            f"over the max_image_pixels limit of {max_pixels}, not decoded: the image declares "
            f"{width}x{height} = {width * height} pixels (possible decompression bomb)"
        )


def _finished(
    pixels: Pixels,
    size: tuple[int, int],
    orientation: int,
    *,
    animated: bool,
    fast_luma: bool,
    upright: bool = False,
    reduced: bool | None = None,
) -> DecodedStill:
    """The decoded still: ``pixels`` (height x width x 1 or 3; turned upright here as a view unless
    ``upright``) of an image declaring ``size`` (width, height) before its EXIF ``orientation``.
    ``fast_luma``: a colour JPEG read as its luma channel; ``reduced``: None when the pixels' size says."""
    width, height = size
    if reduced is None:
        reduced = (pixels.shape[1], pixels.shape[0]) != (width, height)
    if not upright and orientation in _UPRIGHT_VIEWS:
        pixels = _UPRIGHT_VIEWS[orientation](pixels)
    if orientation in range(5, 9):
        width, height = height, width
    fast = reduced or (fast_luma and pixels.shape[2] == 1)
    if pixels.shape[2] == 1:
        # A grey image is the RGB image with R = G = B; a view avoids copying it three times.
        pixels = np.broadcast_to(pixels, (*pixels.shape[:2], 3))
    return DecodedStill(pixels, width, height, animated, reduced, fast)


def _pillow_pixels(image: Image.Image, scale: int, reduce_to: int | None) -> tuple[Pixels, bool, int]:
    """Pillow's decode: the pixels upright (height x width x 1 or 3), whether reduced, and the EXIF
    orientation."""
    declared = image.size
    reduced = False
    if image.format in ("JPEG", "MPO") and scale >= 2:
        # Grey decoding skips the chroma planes: PDQ uses luma only, and JPEG's Y is PDQ's luma.
        image.draft("L", (reduce_to or 0, reduce_to or 0))
        reduced = image.size != declared
    # Loaded here, strictly, before anything reads the EXIF block: Pillow's getexif() loads a PNG itself, and
    # a failure inside it would be swallowed with the damaged EXIF, leaving a black image.
    image.load()
    frame = image if image.mode in ("RGB", "L") else image.convert("RGB")
    orientation = _orientation(image)
    if reduce_to is not None and not reduced and scale >= 2:
        frame = frame.reduce(scale)
        reduced = True
    if orientation in _upright_turns():
        # The tag read before decoding, applied as ImageOps.exif_transpose would: a converted or reduced frame
        # need not carry the EXIF block any more.
        frame = frame.transpose(_upright_turns()[orientation])
    pixels = np.asarray(frame)
    return (pixels[:, :, np.newaxis] if pixels.ndim == 2 else pixels), reduced, orientation


def _jpeg(data: bytes, mode: str, scale: int, size: tuple[int, int], *, grey: bool) -> Pixels | None:
    """The JPEG's pixels read strictly by libjpeg-turbo, or None for Pillow to decode (CMYK, or a file
    libjpeg-turbo's simple interface does not take); a CMYK file is still checked for missing data.

    ``grey`` reads a colour JPEG as its luma channel alone, skipping the colour planes: PDQ uses luma only,
    and JPEG's Y is PDQ's luma (the same weights), so the fast mode reads it so at every scale.
    """
    if mode not in ("RGB", "L"):
        read_jpeg(data, "CMYK", 8, size)  # only to hear of missing data: Pillow undoes Adobe's inverted CMYK
        return None
    grey = grey or mode == "L"
    return read_jpeg(data, "GRAY" if grey else "RGB", scale, size)


def _animated(image: Image.Image) -> bool:
    """Whether the file holds more than one frame; one whose later frames are cut off still does."""
    try:
        return bool(getattr(image, "n_frames", 1) > 1)
    except Exception:  # counting frames reads them all; the first, which alone is hashed, is checked apart
        return True


def _scale(width: int, height: int, reduce_to: int) -> int:
    """The largest of 8, 4, 2 (else 1) keeping both sides at least ``reduce_to``; Pillow's draft picks so."""
    fits = min(width // reduce_to, height // reduce_to)
    return next((scale for scale in (8, 4, 2) if fits >= scale), 1)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block must not cost the pixels
        return 1
    return value if isinstance(value, int) else 1


@functools.cache
def _heif_opener_registered() -> bool:
    """Register pillow-heif's HEIC/HEIF opener with Pillow once, if it is installed."""
    try:
        import pillow_heif  # optional, and only loaded when the first HEIC or AVIF is seen
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True

"""What an uploaded photo really is, and the copy the platform keeps of it.

The bytes decide, never the file name or the browser's content type: Pillow must recognise a JPEG,
PNG or WebP image within the size and pixel limits, or the upload is refused naming its field. The
kept copy is re-encoded (JPEG, or PNG where the picture has transparency) after turning it upright
and shrinking it to a bounded size, so nothing of the original file survives but its pixels: no
EXIF (camera, time, owner), no XMP, no comments — and no GPS position, unless the person chose to
share their position, in which case only the GPS block is carried over.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from hotline.domain.errors import invalid

ACCEPTED: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Open311 clients may send GIF (GeoReport allows any image); it is re-encoded like the others.
WITH_GIF: Final = {**ACCEPTED, "GIF": "image/gif"}
SUFFIX: Final = {"image/jpeg": ".jpg", "image/png": ".png"}
GPS_IFD: Final = 0x8825


@dataclass(frozen=True)
class Limits:
    """How large an upload may be, and how large the kept copy is (settings `HOTLINE_MEDIA_*`)."""

    max_bytes: int = 10_000_000
    max_pixels: int = 40_000_000
    max_side: int = 1600
    max_files: int = 3
    jpeg_quality: int = 85


@dataclass(frozen=True)
class Prepared:
    """A checked photo, re-encoded and ready to store."""

    data: bytes
    content_type: str
    width: int
    height: int
    original_type: str
    location_kept: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return SUFFIX[self.content_type]


def prepare(
    data: bytes,
    limits: Limits,
    *,
    field: str,
    keep_location: bool = False,
    accept: Mapping[str, str] = ACCEPTED,
) -> Prepared:
    """The kept copy of an uploaded photo; refused (422 naming `field`) when it is not one.
    `accept`: the formats taken in (Pillow's names → type); the kept copy is JPEG or PNG anyway."""
    if not data:
        raise invalid("media.empty", field=field)
    if len(data) > limits.max_bytes:
        raise invalid("media.too_large", field=field, max=limits.max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                if kind not in accept:
                    raise invalid("media.type", field=field)
                if probe.width * probe.height > limits.max_pixels:
                    raise invalid("media.too_many_pixels", field=field, max=limits.max_pixels)
                probe.verify()  # checks the structure (CRCs, chunks) without decoding
            with Image.open(io.BytesIO(data)) as image:
                if kind == "JPEG":  # let libjpeg decode at 1/2, 1/4 or 1/8 when that is still large enough
                    ratio = limits.max_side / max(image.size)
                    if ratio < 1:
                        image.draft("RGB", (round(image.width * ratio), round(image.height * ratio)))
                image.load()  # decodes every pixel: a truncated file fails here
                exif = image.getexif()
                gps = dict(exif.get_ifd(GPS_IFD)) if keep_location else {}
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise invalid("media.type", field=field) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise invalid("media.malformed", field=field) from None
    upright.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    alpha = _has_alpha(upright)
    # Pillow writes some of `info` back on save (a GIF's or JPEG's comment, XMP): keep only colour
    upright.info = {k: v for k, v in upright.info.items() if k == "icc_profile"}
    out = io.BytesIO()
    if alpha:
        upright.convert("RGBA").save(out, "PNG", optimize=True)
        content_type = "image/png"
    else:
        options: dict[str, object] = {"quality": limits.jpeg_quality, "optimize": True}
        if gps:
            kept = Image.Exif()
            kept[GPS_IFD] = gps
            options["exif"] = kept.tobytes()
        upright.convert("RGB").save(out, "JPEG", **options)
        content_type = "image/jpeg"
    return Prepared(
        out.getvalue(),
        content_type,
        upright.width,
        upright.height,
        accept[kind],
        location_kept=bool(gps) and content_type == "image/jpeg",
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)

"""The product image (packshot): checked with Pillow, its dominant colours, and a copy small enough to send.

Pillow reads the header first (format and size are checked before any pixel is decoded, so a
decompression bomb never is), then decodes the whole image (a truncated file is refused).
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image, UnidentifiedImageError

#: What a packshot may be: Pillow's format name → the extension it is stored under.
FORMATS = {"PNG": "png", "JPEG": "jpg"}
MIN_SIDE = 64
MAX_SIDE = 8000
#: The longest side of the copy sent to a video model (a data URI stays well under a megabyte or two).
SEND_SIDE = 1024

RGB = tuple[float, float, float]


class NotAnImage(ValueError):
    """The file is not a PNG or JPEG image Atelier can use (the message says why)."""


@dataclass(frozen=True)
class Packshot:
    """A checked product image."""

    format: str  # "PNG" | "JPEG"
    width: int
    height: int

    @property
    def extension(self) -> str:
        return FORMATS[self.format]

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


def check_packshot(path: Path) -> Packshot:
    """Check that ``path`` is a whole PNG or JPEG of a usable size.

    Raises:
        NotAnImage: not an image, another format, too small or too large, truncated or corrupt.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt, (w, h) = img.format or "", img.size
                if fmt not in FORMATS:
                    raise NotAnImage(f"is a {fmt or 'unknown'} image; use a PNG or JPEG")
                if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE:
                    raise NotAnImage(f"is {w}×{h}; a product image is {MIN_SIDE} to {MAX_SIDE} pixels a side")
                img.load()  # decodes every pixel: a truncated file fails here
    except NotAnImage:
        raise
    except UnidentifiedImageError:
        raise NotAnImage("is not an image (PNG or JPEG)") from None
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise NotAnImage(f"is a damaged image ({exc})") from None
    return Packshot(fmt, w, h)


def _product_pixels(img: Image.Image) -> np.ndarray:
    """The opaque pixels that are not the studio backdrop (near white or near black), as RGB rows."""
    rgba = np.asarray(img.convert("RGBA"), dtype=np.int16).reshape(-1, 4)
    rgb = rgba[rgba[:, 3] > 128][:, :3]
    spread = rgb.max(axis=1) - rgb.min(axis=1)
    level = rgb.mean(axis=1)
    product = rgb[(spread > 24) | ((level > 40) & (level < 215))]
    return product if len(product) >= max(16, len(rgb) // 50) else rgb


def dominant_colours(path: Path, count: int = 4) -> list[tuple[RGB, float]]:
    """The product's main colours (0..1 RGB) with their share of its pixels, most common first.

    The backdrop of a packshot (white or black, or transparent) is left out when there is a product.
    """
    with Image.open(path) as img:
        img.draft("RGB", (256, 256))  # JPEG: decode at a fraction of the size
        small = img.copy()
    small.thumbnail((160, 160))
    pixels = _product_pixels(small)
    if len(pixels) == 0:
        return [((0.5, 0.5, 0.5), 1.0)]
    strip = Image.fromarray(pixels.astype(np.uint8).reshape(1, -1, 3))
    quantized = strip.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    used = sorted(quantized.getcolors() or [], reverse=True)
    total = float(sum(n for n, _ in used))
    out: list[tuple[RGB, float]] = []
    for n, index in used:
        i = 3 * cast(int, index)  # a "P" image's colours are palette indexes
        r, g, b = palette[i : i + 3]
        out.append(((r / 255, g / 255, b / 255), n / total))
    return out


def hex_colour(c: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(max(0.0, min(1.0, v)) * 255) for v in c))


def data_uri(path: Path, max_side: int = SEND_SIDE) -> str:
    """The packshot as a ``data:`` URI, at most ``max_side`` pixels a side (PNG kept PNG, else JPEG)."""
    with Image.open(path) as img:
        fmt = "PNG" if img.format == "PNG" else "JPEG"
        copy = img.convert("RGBA" if fmt == "PNG" else "RGB")
    copy.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    copy.save(buf, format=fmt, **({"optimize": True} if fmt == "PNG" else {"quality": 90}))
    mime = "image/png" if fmt == "PNG" else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"

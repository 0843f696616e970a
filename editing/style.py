"""A campaign's style spec as people read it: labelled fields and the palette as colours."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Any

from PIL import ImageColor

#: Colour words of perfume briefs that are not CSS colour names.
_EXTRA = {
    "amber": "#ffbf00",
    "champagne": "#f7e7ce",
    "blush": "#de5d83",
    "rose gold": "#b76e79",
    "burgundy": "#800020",
    "emerald": "#50c878",
    "sapphire": "#0f52ba",
    "nude": "#e3bc9a",
    "bronze": "#cd7f32",
    "copper": "#b87333",
    "cream": "#fffdd0",
    "pearl": "#eae0c8",
    "onyx": "#353839",
    "charcoal": "#36454f",
    "amethyst": "#9966cc",
    "rose": "#ff007f",
    "mauve": "#e0b0ff",
    "taupe": "#483c32",
    "champagne gold": "#e3c16f",
    "noir": "#0b0b0b",
}
#: Words that shade a colour: lightness multiplier.
_SHADES = {"deep": 0.6, "dark": 0.6, "rich": 0.8, "light": 1.35, "pale": 1.5, "soft": 1.2, "bright": 1.15}


@dataclass(frozen=True)
class StyleField:
    label: str
    value: str


@dataclass(frozen=True)
class Swatch:
    name: str
    hex: str | None  # None: a word that names no colour we know


def _hex(name: str) -> str | None:
    text = " ".join(name.lower().replace("-", " ").split())
    if text.startswith("#") and len(text) in (4, 7):
        try:
            ImageColor.getrgb(text)
            return text
        except ValueError:
            return None
    shade = 1.0
    words = text.split()
    while len(words) > 1 and words[0] in _SHADES:
        shade *= _SHADES[words.pop(0)]
    base = " ".join(words)
    found = _EXTRA.get(base)
    if found is None:
        try:
            red, green, blue = ImageColor.getrgb(base.replace(" ", ""))[:3]
        except ValueError:
            return None
        found = f"#{red:02x}{green:02x}{blue:02x}"
    if shade == 1.0:
        return found
    rgb = [int(found[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    h, light, s = colorsys.rgb_to_hls(*rgb)
    shaded = colorsys.hls_to_rgb(h, max(0.0, min(0.95, light * shade)), s)
    return "#" + "".join(f"{round(c * 255):02x}" for c in shaded)


def palette(style_spec: dict[str, Any]) -> list[Swatch]:
    """The palette of a style spec (``color_palette``: a list or a comma-separated text) as swatches."""
    raw = style_spec.get("color_palette") or style_spec.get("palette") or []
    names = raw.split(",") if isinstance(raw, str) else [str(x) for x in raw]
    return [Swatch(n.strip(), _hex(n)) for n in names if n.strip()]


def fields(style_spec: dict[str, Any]) -> list[StyleField]:
    """Every other entry of the style spec as a labelled line ("Lighting direction: soft golden …")."""
    out: list[StyleField] = []
    for key, value in style_spec.items():
        if key in ("color_palette", "palette"):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        out.append(StyleField(key.replace("_", " ").strip().capitalize(), text))
    return out

"""The procedural scene generator: renders a 9:16 perfume scene from its prompt, offline.

The prompt is read with :mod:`editing.look` (the same words the offline editor
writes), so every attribute moves the pixels the way a viewer expects. Layers are
built once per scene (a graded, dithered background larger than the frame, the
bottle sprite, particle sprites) and each frame only moves them, so a frame costs
a few milliseconds; frames stream into ffmpeg and are never all held in memory.
"""

from __future__ import annotations

import colorsys
import hashlib
import logging
import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, overload

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFilter, ImageFont

from editing.config import Settings
from editing.errors import ProviderError
from editing.media import VideoFormat, ffmpeg_exe, open_frame_writer
from editing.media.packshot import dominant_colours
from editing.providers.base import GeneratedScene, SceneRequest, StepProgress
from editing.providers.offline.look import PALETTES, Look, parse_prompt, resolve, split_prompt

log = logging.getLogger(__name__)

RGB = tuple[float, float, float]
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


# --------------------------------------------------------------------------- colour helpers


def _hex(c: str) -> RGB:
    r, g, b = ImageColor.getrgb(c)[:3]
    return (r / 255.0, g / 255.0, b / 255.0)


def parse_colour(name: str) -> RGB | None:
    """A colour name or hex ("#b76e79", "gold", "rose gold", "deep navy") as RGB in 0..1."""
    text = name.strip().lower()
    if not text:
        return None
    if text in PALETTES:
        return _hex(PALETTES[text][1])
    for candidate in (text, text.replace(" ", ""), text.split()[-1]):
        try:
            return _hex(candidate)
        except ValueError:
            continue
    return None


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _lum(c: RGB) -> float:
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def _sat(c: RGB) -> float:
    return max(c) - min(c)


@dataclass(frozen=True)
class Palette:
    """Colour roles of a scene."""

    deep: RGB  # darkest backdrop
    mid: RGB  # backdrop
    light: RGB  # light pools, highlights
    accent: RGB  # particles, liquid, glows


def palette_from(colours: Sequence[RGB]) -> Palette:
    cols = sorted(colours, key=_lum)
    if len(cols) == 1:
        c = cols[0]
        cols = [_mix(c, (0, 0, 0), 0.7), c, _mix(c, (1, 1, 1), 0.6)]
    elif len(cols) == 2:
        cols = [cols[0], _mix(cols[0], cols[1], 0.5), cols[1]]
    accent = max(colours, key=_sat)
    deep, light = cols[0], cols[-1]
    mid = cols[len(cols) // 2]
    if _lum(deep) > 0.25:
        deep = _mix(deep, (0, 0, 0), 0.6)
    return Palette(deep=deep, mid=mid, light=light, accent=accent)


DEFAULT_COLOURS = ("#17120e", "#5a4634", "#d9c3a0", "#c9a24a")


# --------------------------------------------------------------------------- the scene plan


@dataclass
class Plan:
    """Everything the renderer needs, derived from the prompt, style spec and seed."""

    look: Look
    palette: Palette
    exposure: float  # stops
    contrast: float
    warmth: float
    saturation: float  # multiplier, 0 = black and white
    haze: float  # 0..1 soft glow / bloom
    vignette: float
    glow: RGB  # colour of the key light pool
    glow_strength: float
    backlight: float
    key_side: int  # -1: key light from the left, +1: from the right
    speed: float  # time multiplier for everything that moves
    camera_speed: float
    zoom: float  # framing scale factor
    bottle_x: float  # 0..1 of frame width
    bottle_y: float  # bottle centre, 0..1 of frame height
    bottle_h: float  # bottle height, 0..1 of frame height
    elements: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    product: tuple[RGB, ...] = ()  # the packshot's dominant colours, most common first: the bottle's


def _style_colours(style_spec: dict[str, Any] | None) -> list[RGB]:
    raw = (style_spec or {}).get("color_palette") or []
    if isinstance(raw, str):
        raw = [p for p in raw.replace(";", ",").split(",")]
    out = [c for c in (parse_colour(str(x)) for x in raw) if c is not None]
    return out


_LIGHTING: dict[str, dict[str, float]] = {
    "natural": {},
    "golden hour": {"exposure": 0.35, "warmth": 1.3, "glow": 0.8, "saturation": 0.15},
    "backlit": {"backlight": 1.0, "contrast": 0.3, "exposure": -0.1},
    "soft": {"contrast": -0.7, "haze": 0.25},
    "harsh": {"contrast": 1.0, "vignette": 0.15, "haze": -0.2},
    "neon": {"saturation": 0.9, "exposure": -0.45, "glow": 0.9, "contrast": 0.4},
    "candlelight": {"warmth": 1.9, "exposure": -0.9, "glow": 0.7, "vignette": 0.25},
    "high key": {"exposure": 1.3, "contrast": -0.5, "vignette": -0.2},
    "low key": {"exposure": -1.2, "contrast": 0.7, "vignette": 0.35},
    "night": {"exposure": -1.3, "warmth": -1.3, "saturation": -0.2, "vignette": 0.2},
}
_MOOD: dict[str, dict[str, float]] = {
    "dreamy": {"haze": 0.35, "saturation": -0.15, "exposure": 0.15, "speed": 0.85},
    "mysterious": {"exposure": -0.45, "warmth": -0.35, "vignette": 0.25},
    "energetic": {"saturation": 0.35, "contrast": 0.3, "speed": 1.35},
    "romantic": {"warmth": 0.45, "haze": 0.15, "glow": 0.3},
    "elegant": {"contrast": 0.1},
    "playful": {"saturation": 0.45, "exposure": 0.25, "speed": 1.2},
}
_SETTING_COLOURS: dict[str, tuple[str, ...]] = {
    "beach at sunset": ("#2b1d3f", "#c4566b", "#ffb36b", "#ffd59a"),
    "city at night": ("#070b1c", "#1d2a52", "#5a6fb0", "#ffb347"),
    "marble studio": ("#3a3835", "#9d978e", "#e9e5de", "#c9a24a"),
    "forest": ("#08160d", "#1f4a2a", "#8dbb6a", "#e9d98a"),
    "desert": ("#6b3a1f", "#c9834a", "#f4d3a1", "#f0b35a"),
    "underwater": ("#021a2b", "#0b5570", "#52c1d6", "#b8f0f5"),
}
_NEON = ("#12031f", "#4b0f6b", "#ff3fa4", "#22e4ff")


def stable_seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _scene_colours(look: Look, style_spec: dict[str, Any] | None) -> list[RGB]:
    """Neon's own colours, else the named palette (tinting the place's light), the place's, the style's."""
    setting = str(look.setting)
    if look.lighting == "neon":
        return [_hex(c) for c in _NEON]
    if look.palette:
        colours = [_hex(c) for c in PALETTES[look.palette]]
        if setting in _SETTING_COLOURS:  # the place keeps its light, the palette tints it
            env = [_hex(c) for c in _SETTING_COLOURS[setting]]
            colours = [_mix(e, c, 0.45) for e, c in zip(env, colours, strict=False)]
        return colours
    if setting in _SETTING_COLOURS:
        return [_hex(c) for c in _SETTING_COLOURS[setting]]
    return _style_colours(style_spec) or [_hex(c) for c in DEFAULT_COLOURS]


#: What a setting adds to the lighting and mood adjustments.
_SETTING_ADJUST: dict[str, dict[str, float]] = {
    "city at night": {"exposure": -0.5, "warmth": -0.4},
    "underwater": {"warmth": -0.8},
    "beach at sunset": {"warmth": 0.6},
    "desert": {"warmth": 0.6},
}


def _adjustments(look: Look) -> dict[str, float]:
    """Lighting, mood and setting adjustments summed (speed multiplied)."""
    adj: dict[str, float] = {}
    for table, key in ((_LIGHTING, look.lighting), (_MOOD, look.mood), (_SETTING_ADJUST, look.setting)):
        for k, v in table.get(str(key), {}).items():
            adj[k] = adj.get(k, 0.0) + v if k != "speed" else adj.get(k, 1.0) * v
    return adj


_GLOWS = {"golden hour": "#ffb25e", "candlelight": "#ff9a3c", "night": "#9fb6ff"}


def plan_scene(request: SceneRequest) -> Plan:
    """Read the prompt (over the style spec baseline) into a render plan."""
    look = resolve(
        parse_prompt(request.prompt, perfume_name=request.perfume_name, style_spec=request.style_spec)
    )
    # The layout comes from the concept, not the cinematography block: an edit changes what it
    # says and nothing else (the bottle does not jump sides because the scene got warmer).
    concept, _ = split_prompt(request.prompt)
    layout_seed = stable_seed(concept, request.perfume_name, request.seed)
    rng = np.random.default_rng(stable_seed(layout_seed, "plan"))
    palette = palette_from(_scene_colours(look, request.style_spec))
    adj = _adjustments(look)
    sat_steps = look.num("saturation") + adj.get("saturation", 0.0)
    glow = _hex(_GLOWS[str(look.lighting)]) if str(look.lighting) in _GLOWS else palette.light
    offset = float(rng.uniform(0.07, 0.11)) * (1 if rng.random() < 0.5 else -1)
    key_from_right = "right" in str((request.style_spec or {}).get("lighting_direction", "")).lower()
    return Plan(
        look=look,
        palette=palette,
        exposure=look.num("brightness") * 0.55 + adj.get("exposure", 0.0),
        contrast=look.num("contrast") * 0.35 + adj.get("contrast", 0.0) * 0.35,
        warmth=look.num("warmth") + adj.get("warmth", 0.0),
        saturation=0.0 if look.monochrome else max(0.05, 1.0 + 0.33 * sat_steps),
        haze=max(0.0, min(1.0, 0.12 + adj.get("haze", 0.0))),
        vignette=max(0.0, 0.35 + adj.get("vignette", 0.0)),
        glow=glow,
        glow_strength=max(0.0, 0.55 + adj.get("glow", 0.0) * 0.5),
        backlight=adj.get("backlight", 0.0),
        key_side=1 if key_from_right else -1,
        speed=2 ** look.num("speed") * adj.get("speed", 1.0),
        camera_speed=2 ** look.num("camera_speed"),
        zoom=1.3 ** look.num("zoom"),
        bottle_x=0.5 if look.centred else 0.5 + offset,
        bottle_y=0.6 + 0.06 * look.num("product_y"),
        bottle_h=0.38 * 1.2 ** look.num("product_scale"),
        elements={k: v for k, v in look.elements.items() if v > 0},
        seed=layout_seed % (2**32),
        product=_product_colours(request),
    )


def _product_colours(request: SceneRequest) -> tuple[RGB, ...]:
    """The campaign's packshot's dominant colours (the liquid, then the label), when it has one."""
    if request.product_image is None:
        return ()
    return tuple(colour for colour, _share in dominant_colours(request.product_image, count=3))


# --------------------------------------------------------------------------- grading


class Grade:
    """The scene's colour grade, applied once to every layer (so it cannot flicker)."""

    def __init__(self, plan: Plan) -> None:
        w = plan.warmth
        self.wb = np.array([1 + 0.075 * w, 1 + 0.012 * w, 1 - 0.095 * w], dtype=np.float32).clip(0.5, 1.6)
        self.gain = float(2 ** (0.5 * plan.exposure))
        self.lift = max(0.0, plan.exposure) * 0.04
        self.contrast = float(2**plan.contrast)
        self.saturation = float(plan.saturation)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = x * self.wb * self.gain
        x = x + self.lift * (1.0 - x)
        if self.contrast != 1.0:
            x = 0.42 + (x - 0.42) * self.contrast
        if self.saturation != 1.0:
            luma = x @ _LUMA
            x = luma[..., None] + (x - luma[..., None]) * self.saturation
        np.clip(x, 0.0, None, out=x)
        # soft shoulder instead of a hard clip, so bright scenes keep their gradients
        over = x > 0.8
        x[over] = 0.8 + 0.2 * np.tanh((x[over] - 0.8) / 0.2)
        return x

    def colour(self, c: RGB) -> tuple[int, int, int]:
        arr = self(np.array([[c]], dtype=np.float32))[0, 0]
        r, g, b = (round(float(v) * 255) for v in arr.clip(0, 1))
        return (r, g, b)


_DITHER = np.random.default_rng(7).random((64, 64, 3), dtype=np.float32) - np.random.default_rng(8).random(
    (64, 64, 3), dtype=np.float32
)


def _to_image(x: np.ndarray) -> Image.Image:
    """Quantize with a triangular dither (a tiled pattern: cheap, and static, so it cannot flicker).

    ``x`` is float RGB in 0..1 whose height and width are multiples of 64; it is overwritten.
    """
    h, w = x.shape[:2]
    x *= 255.0
    x += 0.5
    x.reshape(h // 64, 64, w // 64, 64, 3)[...] += _DITHER[None, :, None, :, :]
    np.clip(x, 0, 255, out=x)
    return Image.fromarray(x.astype(np.uint8))


# --------------------------------------------------------------------------- background


def _blur_noise(rng: np.random.Generator, w: int, h: int, cells: int) -> np.ndarray:
    """Smooth value noise in 0..1 (a small random grid scaled up bicubically)."""
    gw, gh = max(2, cells), max(2, int(cells * h / w))
    grid = Image.fromarray((rng.random((gh, gw)) * 255).astype(np.uint8))
    return np.asarray(grid.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0


def _defocus(img: np.ndarray, r: int) -> np.ndarray:
    """Two box-blur passes per axis (close to a Gaussian), edges clamped."""
    out = img
    for axis in (0, 1):
        for _ in range(2):
            pad = [(0, 0)] * out.ndim
            pad[axis] = (r + 1, r)
            c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=np.float32)
            hi = np.take(c, np.arange(2 * r + 1, c.shape[axis]), axis=axis)
            lo = np.take(c, np.arange(0, c.shape[axis] - 2 * r - 1), axis=axis)
            out = (hi - lo) / (2 * r + 1)
    return out.astype(np.float32)


@dataclass
class _Set:
    """The backdrop being painted: pixel coordinates in set units, the palette, the random stream."""

    x: np.ndarray  # 1×w, set coordinates (the frame spans 0.1875..0.8125 of the set)
    y: np.ndarray  # h×1
    w: int
    h: int
    margin_y: float
    palette: Palette
    rng: np.random.Generator
    horizon: float = 0.64

    @property
    def aspect(self) -> float:
        return self.h / self.w

    @property
    def deep(self) -> np.ndarray:
        return np.array(self.palette.deep, dtype=np.float32)

    @property
    def mid(self) -> np.ndarray:
        return np.array(self.palette.mid, dtype=np.float32)

    @property
    def light(self) -> np.ndarray:
        return np.array(self.palette.light, dtype=np.float32)

    def row(self, c: float) -> float:
        """Set coordinate → canvas pixel row."""
        return ((c * 1.6 - 0.3) + self.margin_y) / (1 + 2 * self.margin_y) * self.h

    def vgrad(self, top: np.ndarray, bottom: np.ndarray, y0: float = 0.0, y1: float = 1.0) -> np.ndarray:
        """A vertical smoothstep from ``top`` at ``y0`` to ``bottom`` at ``y1``."""
        t = ((self.y - y0) / (y1 - y0)).clip(0, 1)
        t = t * t * (3 - 2 * t)
        return top + (bottom - top) * t[..., None]

    def full(self, img: np.ndarray) -> np.ndarray:
        return np.broadcast_to(img, (self.h, self.w, 3)).copy()


@overload
def _to_set(f: float) -> float: ...
@overload
def _to_set(f: np.ndarray) -> np.ndarray: ...
def _to_set(f: np.ndarray | float) -> np.ndarray | float:
    """Frame coordinates → set coordinates (the frame spans 0.1875..0.8125 of the set)."""
    return (f + 0.3) / 1.6


def _rgb(c: str | RGB) -> np.ndarray:
    return np.array(_hex(c) if isinstance(c, str) else c, dtype=np.float32)


def _paint_beach(s: _Set) -> np.ndarray:
    x, y, horizon = s.x, s.y, s.horizon
    sky = s.vgrad(s.deep, s.mid, 0.0, 0.42) * (y < 0.42)[..., None]
    sky = sky + s.vgrad(s.mid, s.light, 0.42, horizon) * (y >= 0.42)[..., None]
    sea = s.vgrad(s.mid * 0.55, s.deep * 0.9, horizon, 0.8)
    sand = s.vgrad(_rgb(_mix(s.palette.light, (0.55, 0.4, 0.3), 0.5)), s.mid * 0.6, 0.78, 1.0)
    img = np.where(y < horizon, sky.transpose(2, 0, 1), sea.transpose(2, 0, 1)).transpose(1, 2, 0)
    img = s.full(np.where((y > 0.79)[..., None], sand, img))
    # the sun on the horizon, its glow and its path on the water
    sx = 0.5
    d = np.sqrt(((x - sx) / 1.0) ** 2 + ((y - horizon + 0.025) * s.aspect) ** 2)
    img += (_rgb("#ffe2a8") * (np.exp(-((d / 0.07) ** 2)) * 1.1)[..., None]).astype(np.float32)
    img += _rgb("#ff9a5a") * (np.exp(-((d / 0.32) ** 2)) * 0.35)[..., None]
    path = (
        np.exp(-(((x - sx) / 0.06) ** 2))
        * ((y > horizon) & (y < 0.79))
        * (0.5 + 0.5 * np.sin(y * 420.0) ** 2)
    )
    img += _rgb("#ffd59a") * (path * 0.35)[..., None]
    return img


def _paint_city(s: _Set) -> np.ndarray:
    w, h, rng, horizon = s.w, s.h, s.rng, s.horizon
    img = s.full(s.vgrad(s.deep, s.mid * 0.8, 0.0, 0.75))
    # blurred skyline blocks and window lights
    sky = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(sky)
    bx = 0
    while bx < w:
        bw = int(rng.uniform(0.08, 0.18) * w)
        top = s.row(rng.uniform(0.25, 0.5))
        draw.rectangle([bx, top, bx + bw, s.row(horizon)], fill=int(rng.uniform(90, 160)))
        bx += bw + int(rng.uniform(0.0, 0.03) * w)
    mass = np.asarray(sky.filter(ImageFilter.GaussianBlur(w * 0.012)), dtype=np.float32)[..., None] / 255.0
    img = img * (1 - 0.5 * mass) + s.deep * 0.5 * mass
    lights = Image.new("RGB", (w, h), (0, 0, 0))
    draw = ImageDraw.Draw(lights)
    warm, cool = _hex("#ffc46b"), _hex("#8fb8ff")
    for _ in range(int(90 * w / 400)):
        cx, cy = rng.uniform(0, w), s.row(rng.uniform(0.15, horizon))
        r = rng.uniform(0.012, 0.035) * w
        c = warm if rng.random() < 0.6 else _mix(cool, s.palette.accent, 0.4)
        k = rng.uniform(0.35, 1.0)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(255 * k * v) for v in c))
    glow = np.asarray(lights.filter(ImageFilter.GaussianBlur(w * 0.006)), dtype=np.float32) / 255.0
    img += glow * 0.75
    floor = s.vgrad(s.deep * 0.7, s.deep * 0.35, horizon, 1.0)
    return np.where((s.y > horizon)[..., None], floor + glow[::-1] * 0.18, img)


def _paint_forest(s: _Set) -> np.ndarray:
    w, h, rng, x, y = s.w, s.h, s.rng, s.x, s.y
    img = s.full(s.vgrad(s.mid * 0.9, s.deep, 0.0, 0.9))
    trunks = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(trunks)
    for _ in range(9):
        tx, tw = rng.uniform(0, w), rng.uniform(0.03, 0.09) * w
        draw.rectangle([tx, 0, tx + tw, h], fill=int(rng.uniform(120, 230)))
    t = np.asarray(trunks.filter(ImageFilter.GaussianBlur(w * 0.02)), dtype=np.float32)[..., None] / 255.0
    img = img * (1 - 0.65 * t) + s.deep * 0.4 * t
    rays = (np.sin((x * 1.0 + y * 0.45) * 22.0 + rng.uniform(0, 6)) * 0.5 + 0.5) ** 8
    rays = rays * (1 - y).clip(0, 1) ** 1.5
    img += s.light * (rays * 0.35)[..., None]
    moss = s.vgrad(s.mid * 0.6, s.deep * 0.6, s.horizon, 1.0)
    return np.where((y > s.horizon + 0.02)[..., None], moss, img)


def _paint_desert(s: _Set) -> np.ndarray:
    x, y = s.x, s.y
    img = s.full(s.vgrad(_rgb("#9ec3e0"), s.light, 0.0, 0.5))
    for i, (base, amp, col) in enumerate(
        ((0.5, 0.05, s.light), (0.58, 0.04, s.mid), (0.7, 0.035, s.mid * 0.85))
    ):
        ridge = base + amp * np.sin(x * (5 + 3 * i) + s.rng.uniform(0, 6)) + 0.02 * np.sin(x * 17 + i)
        shade = s.vgrad(
            np.array(col, dtype=np.float32), np.array(col, dtype=np.float32) * 0.7, base, base + 0.3
        )
        img = np.where((y > ridge)[..., None], shade, img)
    sun = np.exp(-(((x - 0.72) ** 2) + ((y - 0.12) * s.aspect) ** 2) / 0.02)
    img += _rgb("#fff1cf") * (sun * 0.6)[..., None]
    return img


def _paint_underwater(s: _Set) -> np.ndarray:
    x, y = s.x, s.y
    img = s.full(s.vgrad(s.light * 0.8, s.deep, 0.0, 1.0))
    rays = (np.sin((x - 0.5) / (y + 0.35) * 9.0 + s.rng.uniform(0, 6)) * 0.5 + 0.5) ** 6 * (1 - y) ** 2
    img += s.light * (rays * 0.45)[..., None]
    n1 = _blur_noise(s.rng, s.w, s.h, 14)
    caustic = (1 - np.abs(n1 - 0.5) * 2) ** 10
    img += s.light * (caustic * 0.12 * (y > 0.76))[..., None]
    sand = s.vgrad(_rgb(_mix(s.palette.light, (0.8, 0.75, 0.6), 0.5)) * 0.55, s.deep, 0.74, 1.0)
    return np.where((y > 0.76)[..., None], sand, img)


def _paint_studio(s: _Set, *, marble: bool = False) -> np.ndarray:
    """A seamless backdrop and a surface (veined for the marble studio)."""
    x, y, horizon = s.x, s.y, s.horizon
    back = s.vgrad(s.deep * 1.1, s.mid * 0.75, 0.0, horizon)
    surface_top = _rgb(_mix(s.palette.mid, s.palette.light, 0.35))
    surface = s.vgrad(surface_top * 0.9, s.deep * 0.8, horizon, 1.0)
    img = s.full(np.where((y < horizon)[..., None], back, surface))
    if marble:
        n1, n2 = _blur_noise(s.rng, s.w, s.h, 4), _blur_noise(s.rng, s.w, s.h, 11)
        n3, n4 = _blur_noise(s.rng, s.w, s.h, 7), _blur_noise(s.rng, s.w, s.h, 3)
        phase = x * 8.0 + y * 4.0 + n1 * 5.0 + n2 * 2.0
        veins = np.exp(-((np.sin(phase) / 0.06) ** 2)) * (0.3 + 0.7 * n3)
        fine = np.exp(-((np.sin(phase * 2.3 + n3 * 5) / 0.03) ** 2)) * 0.35 * n4
        img = img * 0.85 + s.light * 0.15 * (0.9 + 0.2 * n4)[..., None]
        img *= (1.0 - 0.22 * (veins + fine))[..., None]
    # a soft edge where the surface meets the backdrop
    edge = np.exp(-(((y - horizon) / 0.006) ** 2))
    img += s.light * (edge * 0.12)[..., None]
    return img


#: One painter per setting of the look vocabulary; anything else is the plain studio.
SET_PAINTERS: dict[str, Callable[[_Set], np.ndarray]] = {
    "beach at sunset": _paint_beach,
    "city at night": _paint_city,
    "forest": _paint_forest,
    "desert": _paint_desert,
    "underwater": _paint_underwater,
    "marble studio": lambda s: _paint_studio(s, marble=True),
    "studio": _paint_studio,
}


def _light_the_set(img: np.ndarray, s: _Set, plan: Plan) -> np.ndarray:
    """Key light pool and backlight halo behind the bottle, haze, vignette."""
    x, y = s.x, s.y
    bx, by = _to_set(plan.bottle_x), _to_set(plan.bottle_y - 0.05)
    d = np.sqrt((x - bx) ** 2 + ((y - by) * s.aspect * 0.8) ** 2)
    pool = np.exp(-((d / 0.5) ** 2)) * plan.glow_strength
    img += np.array(plan.glow, dtype=np.float32) * (pool * 0.45)[..., None]
    if plan.backlight > 0:
        halo = np.exp(-((d / 0.22) ** 2)) * plan.backlight
        img += np.array(_mix(plan.glow, (1, 1, 1), 0.5), dtype=np.float32) * (halo * 0.9)[..., None]
    # haze lifts the blacks towards the light colour (atmosphere, dreaminess)
    img = img * (1 - plan.haze * 0.35) + s.light * plan.haze * 0.2
    v = np.sqrt(((x - 0.5) * 1.1) ** 2 + ((y - 0.5) * 0.9) ** 2)
    img *= (1.0 - plan.vignette * (v / 0.7) ** 2.2).clip(0.15, 1.0)[..., None]
    return img


def render_background(
    plan: Plan, w: int, h: int, rng: np.random.Generator, margin: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """The ungraded backdrop (float RGB, h×w), everything behind the bottle, defocused."""
    mx, my = margin
    y = _to_set(np.linspace(-my, 1 + my, h, dtype=np.float32))[:, None]
    x = _to_set(np.linspace(-mx, 1 + mx, w, dtype=np.float32))[None, :]
    canvas = _Set(x=x, y=y, w=w, h=h, margin_y=my, palette=plan.palette, rng=rng)
    img = SET_PAINTERS.get(str(plan.look.setting), _paint_studio)(canvas)
    # the backdrop is out of focus: no hard horizon or texture edge competes with the bottle
    img = _defocus(img, max(1, round(w * 0.0045)))
    return _light_the_set(img, canvas, plan).astype(np.float32)


# --------------------------------------------------------------------------- the bottle


def _liquid_colour(accent: RGB) -> RGB:
    """A rich perfume colour from the palette's accent: its hue, deepened; yellows turn amber."""
    h, sat, _v = colorsys.rgb_to_hsv(*accent)
    if sat < 0.2:  # a neutral palette: classic amber juice
        h, sat = 0.09, 0.8
    if 0.1 < h < 0.2:  # lemon and gold read as cheap; amber reads as perfume
        h = 0.09 + (h - 0.1) * 0.3
    r, g, b = colorsys.hsv_to_rgb(h, min(0.88, max(0.6, sat * 1.1)), 0.78)
    return (r, g, b)


def _superellipse(u: np.ndarray, v: np.ndarray, pu: float = 6.0, pv: float = 8.0) -> np.ndarray:
    return np.abs(u) ** pu + np.abs(v) ** pv


_CAP_BOTTOM, _COLLAR_BOTTOM, _BODY_TOP, _BODY_WIDTH, _CAP_WIDTH = 0.22, 0.3, 0.3, 0.95, 0.36


@dataclass
class _BottleShape:
    """The bottle drawn on a supersampled H×W grid: coordinates and the mask of each part."""

    v: np.ndarray  # 0 at the top of the cap, 1 at the foot (H×1)
    u: np.ndarray  # -1..1 across (1×W)
    ul: np.ndarray  # u, negative towards the key light
    bv: np.ndarray  # -1..1 down the body
    f: np.ndarray  # superellipse distance of the body (<= 1 inside)
    cylinder: np.ndarray  # how much a point of the body faces the camera
    cap_v: np.ndarray
    body: np.ndarray
    liquid: np.ndarray
    base: np.ndarray
    cap: np.ndarray
    collar: np.ndarray
    ring: np.ndarray


def _bottle_shape(H: int, W: int, side: int) -> _BottleShape:
    v = np.linspace(0, 1, H, dtype=np.float32)[:, None]
    u = np.linspace(-1, 1, W, dtype=np.float32)[None, :]
    bv = ((v - _BODY_TOP) / (1 - _BODY_TOP)).clip(0, 1) * 2 - 1
    f = _superellipse(u / _BODY_WIDTH, bv) * (v >= _BODY_TOP)
    body = (f <= 1.0) & (v >= _BODY_TOP)
    inner = _superellipse(u / (_BODY_WIDTH * 0.86), (bv + 0.06) / 0.86) <= 1.0
    cap_v = (v - _CAP_BOTTOM / 2) / (_CAP_BOTTOM / 2)
    return _BottleShape(
        v=v,
        u=u,
        ul=u * side,
        bv=bv,
        f=f,
        cylinder=np.sqrt((1 - (u / _BODY_WIDTH) ** 2).clip(0, 1)),
        cap_v=cap_v,
        body=body,
        liquid=body & inner & (v > _BODY_TOP + 0.1),
        base=body & (bv > 0.78),  # thick glass foot
        cap=(_superellipse(u / _CAP_WIDTH, cap_v, 10, 10) <= 1.0) & (v < _CAP_BOTTOM),
        collar=(np.abs(u) <= 0.2) & (v >= _CAP_BOTTOM - 0.01) & (v < _COLLAR_BOTTOM + 0.02),
        ring=(np.abs(u) <= 0.27) & (v >= _COLLAR_BOTTOM - 0.03) & (v < _COLLAR_BOTTOM),
    )


def _paint_glass(b: _BottleShape, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Clear glass, the liquid with its meniscus, the foot, rim and outline, the speculars."""
    pal = plan.palette
    liquid = plan.product[0] if plan.product else _liquid_colour(pal.accent)
    liquid_col = np.array(liquid, dtype=np.float32)
    glass_col = np.array(_mix(pal.light, (0.92, 0.94, 0.97), 0.5), dtype=np.float32)
    rgb = np.zeros((*b.body.shape, 3), dtype=np.float32)
    # clear glass: bright towards the rim, a thin dark outline, a brighter rim just inside it
    rgb = np.where(b.body[..., None], glass_col * (0.35 + 0.35 * (1 - b.cylinder))[..., None], rgb)
    alpha = np.where(b.body, 0.55 + 0.3 * (1 - b.cylinder), np.zeros(b.body.shape, dtype=np.float32))
    # the liquid: a vertical gradient, darker at its sides, a lit meniscus
    depth = ((b.v - _BODY_TOP - 0.1) / (1 - _BODY_TOP - 0.1)).clip(0, 1)
    core = liquid_col * (1.05 - 0.45 * depth)[..., None] * (0.55 + 0.45 * b.cylinder)[..., None]
    rgb = np.where(b.liquid[..., None], core, rgb)
    alpha = np.where(b.liquid, 0.96, alpha)
    rgb = np.where((b.liquid & (b.v < _BODY_TOP + 0.115))[..., None], liquid_col * 1.4 + 0.1, rgb)
    foot = b.base & ~b.liquid
    rgb = np.where(foot[..., None], glass_col * (0.55 + 0.3 * b.cylinder)[..., None], rgb)
    alpha = np.where(foot, 0.8, alpha)
    rim = b.body & (b.f > 0.78) & (b.f <= 0.92)
    outline = b.body & (b.f > 0.92)
    rim_col = np.array(_mix(cast(RGB, tuple(glass_col)), (1, 1, 1), 0.5), dtype=np.float32) * (
        1.0 + plan.backlight * 0.6
    )
    rgb = np.where(rim[..., None], rim_col, rgb)
    alpha = np.where(rim, 0.9, alpha)
    edge_col = rim_col * 1.2 if plan.backlight > 0 else np.array(pal.deep, dtype=np.float32) * 0.5
    rgb = np.where(outline[..., None], edge_col, rgb)
    alpha = np.where(outline, 0.95, alpha)
    # speculars: a hard streak towards the key light, a broad soft one opposite
    spec = np.exp(-(((b.ul + 0.6) / 0.045) ** 2)) * 1.0 + np.exp(-(((b.ul - 0.52) / 0.13) ** 2)) * 0.3
    spec = spec * (1 - np.exp(-(((b.bv + 1) / 0.15) ** 2)))  # fades into the shoulder
    rgb += (spec * b.body)[..., None] * 0.85
    return rgb, alpha


def _paint_label_and_metal(
    b: _BottleShape, pal: Palette, rgb: np.ndarray, alpha: np.ndarray, label_colour: RGB | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The label panel (the packshot's second colour, if any), its metal border; collar, ring and cap."""
    metal = np.array(_mix(_hex("#d4af37"), pal.accent, 0.15), dtype=np.float32)
    lab_u, lab_v = np.abs(b.u) / 0.5, np.abs(b.bv - 0.12) / 0.2
    label = b.body & (np.maximum(lab_u, lab_v) <= 1.0)
    border = label & (np.maximum(lab_u, lab_v) > 0.93)
    paper = label_colour if label_colour is not None else _mix(pal.light, (1, 1, 1), 0.55)
    panel = np.array(paper, dtype=np.float32) * (0.85 + 0.15 * b.cylinder)[..., None]
    rgb = np.where(label[..., None], panel, rgb)
    rgb = np.where(border[..., None], metal * 0.9, rgb)
    alpha = np.where(label, 0.98, alpha)
    # metal collar, ring and cap, shaded like cylinders lit from the key side
    sheen = (
        0.45
        + 0.55 * np.cos((b.ul + 0.35) * 2.6).clip(0, 1) ** 2
        + 0.6 * np.exp(-(((b.ul + 0.4) / 0.08) ** 2))
    )
    metal_parts = b.collar | b.ring
    rgb = np.where(metal_parts[..., None], metal * sheen[..., None], rgb)
    alpha = np.where(metal_parts, 1.0, alpha)
    lacquer = _lum(pal.deep) < 0.12 and _lum(pal.accent) > 0.3
    cap_base = (
        metal if lacquer else np.array(_mix(pal.deep, (0.05, 0.05, 0.06), 0.5), dtype=np.float32) + 0.03
    )
    rgb = np.where(b.cap[..., None], cap_base * (sheen * (0.9 + 0.1 * b.cap_v))[..., None] + 0.04, rgb)
    alpha = np.where(b.cap, 1.0, alpha)
    return rgb, alpha


def _write_name(img: Image.Image, name: str, colour: tuple[int, int, int]) -> None:
    """The perfume name on the label (the default font has no accented capitals: LUMIERE)."""
    W, H = img.size
    draw = ImageDraw.Draw(img)
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()[:20]
    size = max(6, int(H * 0.05))
    font = ImageFont.load_default(size=size)
    while draw.textlength(text, font=font) > W * 0.44 and size > 6:
        size -= 1
        font = ImageFont.load_default(size=size)
    tw = draw.textlength(text, font=font)
    label_v = _BODY_TOP + (1 - _BODY_TOP) * (0.5 + 0.12 / 2)
    draw.text(((W - tw) / 2, label_v * H - size * 0.6), text, fill=(*colour, 255), font=font)


def _shadow_and_reflection(img: Image.Image, side: int) -> Image.Image:
    """The bottle's shadow and a faint reflection below it, on one canvas twice as wide."""
    sw, sh = img.size
    under = Image.new("RGBA", (sw * 2, sh), (0, 0, 0, 0))
    shadow = Image.new("L", (sw * 2, sh), 0)
    ImageDraw.Draw(shadow).ellipse(
        [sw * 0.4 + side * sw * 0.1, 0, sw * 1.6 + side * sw * 0.1, sh * 0.07], fill=170
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(sh * 0.02))
    under.paste((0, 0, 0, 255), (0, 0), shadow)
    refl = img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    fade = np.linspace(0.28, 0.0, sh, dtype=np.float32) ** 1.6
    ra = (np.asarray(refl.getchannel("A"), dtype=np.float32) * fade[:, None]).astype(np.uint8)
    refl.putalpha(Image.fromarray(ra))
    under.alpha_composite(refl, (sw // 2, 0))
    return under


def render_bottle(plan: Plan, height: int, name: str) -> tuple[Image.Image, Image.Image]:
    """The perfume bottle (RGBA, graded) and, on a second sprite, its shadow and reflection."""
    ss = 2  # supersample for smooth edges
    H = max(24, height) * ss
    W = int(H * 0.62)
    grade = Grade(plan)
    shape = _bottle_shape(H, W, plan.key_side)
    rgb, alpha = _paint_glass(shape, plan)
    label = plan.product[1] if len(plan.product) > 1 else None
    rgb, alpha = _paint_label_and_metal(shape, plan.palette, rgb, alpha, label)
    img = Image.fromarray(np.dstack([grade(rgb).clip(0, 1) * 255, alpha * 255]).astype(np.uint8))
    _write_name(img, name, grade.colour(plan.palette.deep))
    img = img.resize((W // ss, H // ss), Image.Resampling.LANCZOS)
    return img, _shadow_and_reflection(img, plan.key_side)


# --------------------------------------------------------------------------- particles


def _soft_dot(r: float, hard: float = 0.0) -> np.ndarray:
    n = max(3, math.ceil(r * 2 + 3))
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
    d = np.sqrt(xx**2 + yy**2) / max(r, 0.5)
    if hard == 0:
        return np.exp(-(d**2) * 2.2).clip(0, 1)
    disc = (1 - d).clip(0, 1) ** 0.35
    return ((1 - hard) * np.exp(-(d**2) * 2.2) + hard * disc * (0.75 + 0.25 * d)).clip(0, 1)


#: element → (count at density 1, layer): "back" is drawn behind the bottle, "front" over it.
ELEMENT_LAYOUT: dict[str, tuple[int, str]] = {
    "bokeh": (26, "back"),
    "silk": (2, "back"),
    "smoke": (16, "front"),
    "rose petals": (28, "front"),
    "gold dust": (150, "front"),
    "water droplets": (34, "front"),
    "rain": (150, "front"),
    "snow": (110, "front"),
    "sparkles": (22, "front"),
    "bubbles": (45, "front"),
}


@dataclass
class Particles:
    """One element's particles: positions in frame units, motion, sizes, alphas and one colour."""

    kind: str
    layer: str
    pos: np.ndarray  # n×2, 0..1 of the frame
    vel: np.ndarray  # n×2, frame units per second
    size: np.ndarray  # n, pixels at render size
    phase: np.ndarray
    alpha: np.ndarray
    colour: tuple[int, int, int]
    sway: float = 0.0
    twinkle: float = 0.0
    parallax: float = 1.0
    wrap: bool = True
    levels: int = 8
    sprites: dict[tuple[int, int], Image.Image] = field(default_factory=dict)


@dataclass(frozen=True)
class _Spawn:
    """What an element's setup needs: the fresh particles, the plan, the grade, the random stream."""

    p: Particles
    plan: Plan
    grade: Grade
    rng: np.random.Generator
    n: int
    scale: float  # render width / 360
    w: int

    def uniform(self, lo: float, hi: float) -> np.ndarray:
        return self.rng.uniform(lo, hi, self.n)


def _petals(e: _Spawn) -> None:
    e.p.colour = e.grade.colour(_mix(_hex("#c0163f"), e.plan.palette.accent, 0.15))
    e.p.vel = np.stack([e.uniform(-0.03, 0.03), e.uniform(0.07, 0.13)], 1)
    e.p.size = e.uniform(7.0, 12.0) * e.scale
    e.p.alpha = e.uniform(0.8, 1.0)
    e.p.sway = 0.035


def _gold_dust(e: _Spawn) -> None:
    e.p.colour = e.grade.colour(_hex("#ffe08a"))
    e.p.vel = np.stack([e.uniform(-0.012, 0.012), e.uniform(-0.04, -0.01)], 1)
    e.p.size = e.uniform(1.6, 3.6) * e.scale
    e.p.alpha = e.uniform(0.75, 1.0)
    e.p.twinkle, e.p.sway = 0.5, 0.012


def _droplets(e: _Spawn) -> None:
    """Condensation on the glass, sliding down slowly."""
    p, plan, pos = e.p, e.plan, e.p.pos.copy()
    p.colour = e.grade.colour(_mix(plan.palette.light, (0.92, 0.96, 1.0), 0.7))
    p.pos[:, 0] = plan.bottle_x + (pos[:, 0] - 0.5) * 0.2
    p.pos[:, 1] = plan.bottle_y + (pos[:, 1] - 0.3) * plan.bottle_h * 0.75
    p.vel = np.stack([np.zeros(e.n), e.uniform(0.0, 0.015) * (e.rng.random(e.n) < 0.4)], 1)
    p.size = e.uniform(2.0, 4.2) * e.scale
    p.alpha = np.ones(e.n)
    p.wrap = False


def _smoke(e: _Spawn) -> None:
    p = e.p
    p.colour = e.grade.colour(_mix(e.plan.palette.light, (0.9, 0.9, 0.92), 0.6))
    p.pos[:, 1] = -0.1 + p.pos[:, 1] * 1.2
    p.vel = np.stack([e.uniform(-0.025, 0.025), e.uniform(-0.04, -0.015)], 1)
    p.size = e.uniform(70, 130) * e.scale
    p.alpha = e.uniform(0.5, 0.75)
    p.sway, p.parallax, p.levels = 0.025, 1.2, 24


def _silk(e: _Spawn) -> None:
    p, n = e.p, e.n
    p.colour = e.grade.colour(_mix(_liquid_colour(e.plan.palette.accent), e.plan.palette.light, 0.45))
    p.layer = "front"
    p.pos[:, 1] = np.array([0.9, 0.16])[:n] if n <= 2 else 0.1 + p.pos[:, 1] * 0.8
    p.pos[:, 0] = 0.5
    p.vel = np.stack([e.uniform(0.01, 0.02) * np.where(np.arange(n) % 2, -1, 1), np.zeros(n)], 1)
    p.size = np.full(n, float(e.w))
    p.alpha = np.full(n, 1.0)
    p.sway, p.parallax, p.wrap, p.levels = 0.02, 1.1, False, 1


def _bokeh(e: _Spawn) -> None:
    e.p.colour = e.grade.colour(_mix(_liquid_colour(e.plan.palette.accent), (1.0, 0.95, 0.85), 0.5))
    e.p.vel = np.stack([e.uniform(-0.012, 0.012), e.uniform(-0.015, 0.015)], 1)
    e.p.size = e.uniform(10, 26) * e.scale
    e.p.alpha = e.uniform(0.45, 0.8)
    e.p.twinkle, e.p.parallax, e.p.levels = 0.25, 0.5, 12


def _rain(e: _Spawn) -> None:
    e.p.colour = e.grade.colour(_mix(e.plan.palette.light, (0.82, 0.87, 0.95), 0.6))
    e.p.vel = np.stack([np.full(e.n, 0.06), e.uniform(1.2, 1.7)], 1)
    e.p.size = e.uniform(7, 14) * e.scale
    e.p.alpha = e.uniform(0.45, 0.8)
    e.p.parallax = 1.2


def _snow(e: _Spawn) -> None:
    e.p.colour = e.grade.colour((0.97, 0.97, 1.0))
    e.p.vel = np.stack([e.uniform(-0.012, 0.012), e.uniform(0.05, 0.1)], 1)
    e.p.size = e.uniform(1.3, 3.6) * e.scale
    e.p.alpha = e.uniform(0.65, 1.0)
    e.p.sway = 0.02


def _sparkles(e: _Spawn) -> None:
    """Star glints around the bottle that bloom and fade."""
    p, plan = e.p, e.plan
    p.colour = e.grade.colour((1.0, 0.97, 0.86))
    p.pos[:, 0] = plan.bottle_x + (p.pos[:, 0] - 0.5) * 0.55
    p.pos[:, 1] = plan.bottle_y + (p.pos[:, 1] - 0.5) * plan.bottle_h * 1.5
    p.size = e.uniform(3.5, 8.0) * e.scale
    p.twinkle, p.wrap, p.levels = 1.0, False, 12


def _bubbles(e: _Spawn) -> None:
    e.p.colour = e.grade.colour(_mix(e.plan.palette.light, (0.9, 1.0, 1.0), 0.5))
    e.p.vel = np.stack([e.uniform(-0.006, 0.006), e.uniform(-0.14, -0.06)], 1)
    e.p.size = e.uniform(1.6, 4.8) * e.scale
    e.p.alpha = e.uniform(0.55, 0.9)
    e.p.sway = 0.012


#: How each element's particles look and move (colour, velocity, size, alpha, behaviour).
ELEMENT_SETUP: dict[str, Callable[[_Spawn], None]] = {
    "rose petals": _petals,
    "gold dust": _gold_dust,
    "water droplets": _droplets,
    "smoke": _smoke,
    "silk": _silk,
    "bokeh": _bokeh,
    "rain": _rain,
    "snow": _snow,
    "sparkles": _sparkles,
    "bubbles": _bubbles,
}


def _element_system(kind: str, density: float, plan: Plan, w: int, rng: np.random.Generator) -> Particles:
    count, layer = ELEMENT_LAYOUT[kind]
    n = max(1, round(count * density))
    pos = rng.random((n, 2)).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, n).astype(np.float32)
    p = Particles(kind, layer, pos, np.zeros((n, 2)), np.zeros(n), phase, np.ones(n), (255, 255, 255))
    ELEMENT_SETUP[kind](_Spawn(p, plan, Grade(plan), rng, n, w / 360.0, w))
    p.vel = p.vel.astype(np.float32)
    p.size = np.asarray(p.size, dtype=np.float32)
    p.alpha = np.asarray(p.alpha, dtype=np.float32)
    return p


def _silk_mask(w: int, h: int, seed: int) -> np.ndarray:
    """A flowing silk ribbon: a sinuous band that twists (width and sheen vary along it)."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    k1, k2 = rng.uniform(1.5, 2.5), rng.uniform(3.0, 4.5)
    centre = 0.45 * np.sin(x * k1 * np.pi + rng.uniform(0, 6)) + 0.15 * np.sin(x * k2 * np.pi)
    twist = np.cos(x * k2 * np.pi * 0.8 + rng.uniform(0, 6))
    half = 0.1 + 0.2 * np.abs(twist)
    d = np.abs(y - centre) / half
    band = (1 - d**6).clip(0, 1)
    sheen = 0.55 + 0.45 * np.cos((y - centre) / half * 2.0 + twist * 2.5)
    return band * sheen


def _sprite(p: Particles, size: float, level: int) -> Image.Image:
    """A cached L-mode mask for a particle of ``size`` at alpha ``level``/``p.levels``."""
    key = (round(size * 2), level)
    cached = p.sprites.get(key)
    if cached is not None:
        return cached
    r = key[0] / 2
    if p.kind == "rain":
        n = max(3, int(r * 2))
        a = np.zeros((n, 3), dtype=np.float32)
        a[:, 1] = np.linspace(0.15, 1.0, n)
        a[:, 0] = a[:, 2] = a[:, 1] * 0.3
    elif p.kind == "sparkles":
        n = max(5, int(r * 4) | 1)
        yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
        a = np.exp(-(xx**2) / 0.7) * np.exp(-np.abs(yy) / (r * 0.7)) + np.exp(-(yy**2) / 0.7) * np.exp(
            -np.abs(xx) / (r * 0.7)
        )
        a += np.exp(-(xx**2 + yy**2) / (0.25 * r * r + 0.5))
    elif p.kind == "rose petals":
        n = max(5, int(r * 2.6))
        yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
        rot = (key[0] * 37 % 180) * np.pi / 180  # a few orientations, fixed per size
        xr = xx * np.cos(rot) + yy * np.sin(rot)
        yr = -xx * np.sin(rot) + yy * np.cos(rot)
        shape = (xr / (r * 0.55)) ** 2 + (yr / r) ** 2 * (1 + 0.25 * np.sign(yr))
        a = (1 - shape).clip(0, 1) ** 0.3 * (0.75 + 0.25 * (1 - shape).clip(0, 1))
    elif p.kind == "smoke":
        n = max(8, int(r * 2))
        rng = np.random.default_rng(key[0])
        yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / (n - 1) * 2 - 1
        base = np.exp(-(xx**2 + yy**2) * 2.5)
        a = base * (0.35 + 0.9 * _blur_noise(rng, n, n, 4) * _blur_noise(rng, n, n, 9))
    elif p.kind == "silk":
        a = _silk_mask(int(size * 1.6), int(size * 0.5), key[0])
    elif p.kind == "bokeh":
        a = _soft_dot(r, hard=0.8)
    elif p.kind in ("bubbles", "water droplets"):
        n = max(5, math.ceil(r * 2 + 3))
        yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) - (n - 1) / 2
        d = np.sqrt(xx**2 + yy**2) / max(r, 0.5)
        ring = np.exp(-(((d - 0.85) / 0.18) ** 2))
        glint = np.exp(-((xx + r * 0.35) ** 2 + (yy + r * 0.35) ** 2) / max(0.6, r * 0.3))
        a = (ring * 0.8 + glint + (d < 0.85) * 0.15).clip(0, 1)
    else:
        a = _soft_dot(r)
    mask = Image.fromarray((a.clip(0, 1) * 255 * level / p.levels).astype(np.uint8))
    p.sprites[key] = mask
    return mask


# --------------------------------------------------------------------------- camera


@dataclass(frozen=True)
class Camera:
    """Where the camera is at time t: a scale about the bottle and a shift, in frame units."""

    scale: float
    dx: float
    dy: float
    subject: float = 1.0  # how much the bottle follows the shift (0 in an orbit: it stays centred)
    front: float = 1.0  # how much foreground particles follow it (negative: they cross the other way)


#: The furthest a pan or orbit travels, and the most a dolly scales, whatever the duration.
MAX_TRAVEL = 0.3
MAX_DOLLY = 0.25  # log scale: e^0.25 ≈ 1.28×


def camera_at(plan: Plan, t: float, duration: float) -> Camera:
    """The camera at time ``t``: moves keep their speed, but long scenes never leave the set."""
    move = str(plan.look.camera)
    rate = plan.camera_speed * plan.speed
    tc, mid = t * rate, duration * rate / 2
    s, dx, dy = plan.zoom, 0.0, 0.0
    if move in ("dolly in", "dolly out"):
        k = min(0.045, MAX_DOLLY / max(2 * mid, 1e-6))
        s *= math.exp(k * (tc if move == "dolly in" else 2 * mid - tc))
    elif move in ("orbit", "pan left", "pan right"):
        v = min(0.14 if move == "orbit" else 0.05, MAX_TRAVEL / max(mid, 1e-6))
        dx = v * (tc - mid) * (1 if move == "pan left" else -1)
        if move == "orbit":  # circling the bottle: it holds still, the set sweeps behind it
            return Camera(scale=s, dx=dx, dy=dy, subject=0.0, front=-0.6)
    elif move == "handheld":
        # an operator breathing: a few slow sways, never jitter
        k = plan.seed % 997
        th = t * plan.speed * max(1.0, plan.camera_speed)
        dx = 0.012 * (
            math.sin(th * 2.1 + k) + 0.6 * math.sin(th * 3.7 + 2 * k) + 0.3 * math.sin(th * 6.3 + k)
        )
        dy = 0.009 * (math.sin(th * 1.7 + 3 * k) + 0.5 * math.sin(th * 3.3 + k))
        s *= math.exp(min(0.015, MAX_DOLLY / max(2 * mid, 1e-6)) * tc)
    return Camera(scale=s, dx=dx, dy=dy)


# --------------------------------------------------------------------------- the renderer

_PAD = 3  # transparent border around sprites, so sub-pixel resampling never clips them


def _paste_mask(frame: Image.Image, colour: tuple[int, int, int], x: int, y: int, mask: Image.Image) -> None:
    """Fill ``colour`` through ``mask`` at (x, y): Image.paste's checks cost more than the fill."""
    w, h = mask.size
    frame.im.paste(colour, (x, y, x + w, y + h), mask.im)


class SceneRenderer:
    """Builds a scene's layers once, then yields its frames one by one."""

    MARGIN = 0.3 + MAX_TRAVEL * 0.75

    def __init__(self, plan: Plan, width: int, height: int, name: str, duration: float) -> None:
        self.plan = plan
        self.w, self.h = width, height
        self.duration = duration
        rng = np.random.default_rng(plan.seed)
        self.grade = Grade(plan)
        m = self.MARGIN
        self.bw, self.bh = (64 * math.ceil(size * (1 + 2 * m) / 64) for size in (width, height))
        self.mx, self.my = (self.bw - width) / 2, (self.bh - height) / 2
        lo_w, lo_h = self.bw // 2, self.bh // 2
        margins = (self.mx / width, self.my / height)
        bg = self.grade(render_background(plan, lo_w, lo_h, rng, margin=margins))
        channels = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(bg[..., i])).resize(
                    (self.bw, self.bh), Image.Resampling.BICUBIC
                )
            )
            for i in range(3)
        ]
        self.bg = _to_image(np.dstack(channels))
        # the bottle is drawn once at its largest on-screen size; frames only ever scale it down
        scales = [camera_at(plan, duration * f, duration).scale for f in (0.0, 0.5, 1.0)]
        self.max_scale = max(scales)
        bottle, under = render_bottle(plan, int(plan.bottle_h * height * self.max_scale), name)
        bw, bh = bottle.size
        self.sprite = Image.new("RGBA", (2 * bw + 2 * _PAD, 2 * bh + 2 * _PAD), (0, 0, 0, 0))
        self.sprite.alpha_composite(under, (_PAD, _PAD + bh - 2))
        self.sprite.alpha_composite(bottle, (_PAD + bw // 2, _PAD))
        self.anchor = (_PAD + bw // 2 + bw / 2, _PAD + bh / 2)  # bottle centre inside the sprite
        self.glass: np.ndarray | None = None
        if plan.look.camera == "orbit":  # the light slides across the glass as the camera circles
            alpha = np.asarray(bottle.getchannel("A"), dtype=np.float32) / 255.0
            alpha[: int(bh * 0.32)] = 0.0  # not the cap
            self.glass = np.zeros((self.sprite.height, self.sprite.width), dtype=np.float32)
            self.glass[_PAD : _PAD + bh, _PAD + bw // 2 : _PAD + bw // 2 + bw] = alpha
            self.bottle_w = bw
        self.systems = [
            _element_system(kind, dens, plan, width, np.random.default_rng(plan.seed + i))
            for i, (kind, dens) in enumerate(sorted(plan.elements.items()))
        ]

    def _bg_frame(self, cam: Camera) -> Image.Image:
        p = 0.75  # the backdrop is further away: it moves and scales less than the bottle
        s = 1 + (cam.scale - 1) * p
        cx, cy = self.plan.bottle_x * self.w, self.plan.bottle_y * self.h
        ox, oy = cam.dx * self.w * p, cam.dy * self.h * p
        mx, my = self.mx, self.my
        # the canvas region that lands on the frame: canvas = (frame - offset - centre) / s + centre + margin
        x0, x1 = (-ox - cx) / s + cx + mx, (self.w - ox - cx) / s + cx + mx
        y0, y1 = (-oy - cy) / s + cy + my, (self.h - oy - cy) / s + cy + my
        sx = min(0.0, self.bw - x1) + max(0.0, -x0)  # keep the region on the canvas
        sy = min(0.0, self.bh - y1) + max(0.0, -y0)
        box = (max(0.0, x0 + sx), max(0.0, y0 + sy), min(self.bw, x1 + sx), min(self.bh, y1 + sy))
        return self.bg.resize((self.w, self.h), Image.Resampling.BILINEAR, box=box)

    def _paste_bottle(self, frame: Image.Image, cam: Camera) -> None:
        scale = cam.scale / self.max_scale
        sw, sh = self.sprite.size
        cx = self.plan.bottle_x * self.w + cam.dx * cam.subject * self.w
        cy = self.plan.bottle_y * self.h + cam.dy * cam.subject * self.h
        fx0, fy0 = cx - self.anchor[0] * scale, cy - self.anchor[1] * scale
        ix, iy = math.ceil(fx0), math.ceil(fy0)
        bx0, by0 = (ix - fx0) / scale, (iy - fy0) / scale  # sub-pixel phase, in sprite pixels
        ow, oh = int((sw - bx0) * scale), int((sh - by0) * scale)
        if ow <= 0 or oh <= 0:
            return
        box = (bx0, by0, bx0 + ow / scale, by0 + oh / scale)
        source = self.sprite
        if self.glass is not None:
            source = self.sprite.copy()
            x = np.arange(self.sprite.width, dtype=np.float32)
            centre = self.anchor[0] + math.sin(cam.dx * 9.0) * 0.75 * self.bottle_w / 2
            band = np.exp(-(((x - centre) / (0.05 * self.bottle_w)) ** 2)) * 0.85
            band += np.exp(-(((x - centre - 0.35 * self.bottle_w) / (0.12 * self.bottle_w)) ** 2)) * 0.3
            glint = Image.fromarray((self.glass * band[None, :] * 255).astype(np.uint8))
            source.paste((255, 250, 240), (0, 0), glint)
        sprite = source.resize((ow, oh), Image.Resampling.BILINEAR, box=box)
        frame.paste(sprite, (ix, iy), sprite)

    def _paste_particles(self, frame: Image.Image, t: float, cam: Camera, layer: str) -> None:
        te = t * self.plan.speed
        cx, cy = self.plan.bottle_x * self.w, self.plan.bottle_y * self.h
        for p in self.systems:
            if p.layer != layer:
                continue
            pos = p.pos + p.vel * te
            if p.sway:
                pos = pos + np.stack([np.sin(te * 1.3 + p.phase) * p.sway, np.zeros_like(p.phase)], 1)
            if p.wrap:  # leave at one edge, come back at the other, always off screen
                pos = np.mod(pos + 0.15, 1.3) - 0.15
            a = p.alpha
            if p.twinkle:
                a = a * (1 - p.twinkle + p.twinkle * (0.5 + 0.5 * np.sin(te * 2.2 + p.phase * 3)) ** 3)
            if p.kind == "smoke":  # fade in at the bottom and out at the top, so wrapping never pops
                a = a * np.clip((pos[:, 1] + 0.1) / 0.3, 0, 1) * np.clip((1.15 - pos[:, 1]) / 0.3, 0, 1)
            # particles sit at other depths than the bottle: more (or less) camera movement
            zs = (1 + (cam.scale / self.plan.zoom - 1) * p.parallax) * self.plan.zoom ** (p.parallax - 1)
            follow = p.parallax * (cam.front if p.layer == "front" else 1.0)
            xs = cx + (pos[:, 0] * self.w + cam.dx * self.w * follow - cx) * zs
            ys = cy + (pos[:, 1] * self.h + cam.dy * self.h * follow - cy) * zs
            levels = np.minimum(p.levels, np.round(a * p.levels)).astype(int)
            for x, y, sz, level in zip(xs, ys, p.size, levels, strict=True):
                if level <= 0:
                    continue
                mask = _sprite(p, float(sz), int(level))
                mw, mh = mask.size
                if -mw < x < self.w + mw and -mh < y < self.h + mh:
                    _paste_mask(frame, p.colour, int(x - mw / 2), int(y - mh / 2), mask)

    def frames(self, n: int, fps: int) -> Iterator[np.ndarray]:
        for i in range(n):
            t = i / fps
            cam = camera_at(self.plan, t, self.duration)
            frame = self._bg_frame(cam)
            self._paste_particles(frame, t, cam, "back")
            self._paste_bottle(frame, cam)
            self._paste_particles(frame, t, cam, "front")
            yield np.asarray(frame)


def render_size(fmt: VideoFormat) -> tuple[int, int]:
    """Draw at half resolution (ffmpeg scales up); small formats are drawn as they are."""
    if fmt.width >= 480:
        return (fmt.width // 4) * 2, (fmt.height // 4) * 2
    return fmt.width, fmt.height


def render_scene(
    request: SceneRequest, dst: Path, *, on_progress: Callable[[float | None, str], None] | None = None
) -> Path:
    """Render ``request`` to ``dst`` (canonical H.264)."""
    fmt = request.fmt
    w, h = render_size(fmt)
    n = max(1, round(request.duration * fmt.fps))
    plan = plan_scene(request)
    renderer = SceneRenderer(plan, w, h, request.perfume_name, n / fmt.fps)
    step = max(1, n // 10)
    with open_frame_writer(dst, fmt, src_size=(w, h)) as writer:
        for i, frame in enumerate(renderer.frames(n, fmt.fps)):
            writer.write(frame)
            if on_progress and (i % step == 0 or i == n - 1):
                on_progress((i + 1) / n, f"rendering frame {i + 1}/{n}")
    return dst


class ProceduralVideoGenerator:
    """VideoGenerator that renders scenes locally from the prompt: free and deterministic."""

    name = "offline"
    can_resume = False  # nothing paid to pick up: a new run is free and gives the same scene

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def generate(
        self,
        request: SceneRequest,
        workdir: Path,
        *,
        on_progress: StepProgress | None = None,
        on_submitted: Callable[[str], None] | None = None,
        resume_prediction_id: str | None = None,
    ) -> GeneratedScene:
        """Render the scene into ``workdir`` (no job to submit or resume: it is local and repeatable)."""
        workdir.mkdir(parents=True, exist_ok=True)
        key = stable_seed(request.prompt, request.seed, request.duration, request.fmt)
        dst = workdir / f"procedural-{key:016x}.mp4"
        render_scene(request, dst, on_progress=on_progress)
        return GeneratedScene(path=dst, cost=0.0, provider=self.name)

    def estimate_cost(self, duration: float) -> float:
        return 0.0

    def check(self) -> str:
        try:
            exe = ffmpeg_exe()
        except Exception as exc:  # imageio-ffmpeg missing or broken
            raise ProviderError(f"the offline generator needs ffmpeg: {exc}") from exc
        return f"offline scene generator ready (ffmpeg at {exe})"

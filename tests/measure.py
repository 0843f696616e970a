"""Pixel measurements of rendered scenes: what a viewer would notice, as numbers.

Every function takes frames as decoded by :func:`editing.media.read_frames`
(uint8 RGB, h×w×3) and returns a float, so tests can assert directions
("brighter means a higher mean luma") against an unedited render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editing.media import read_frames

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

#: The base scene the offline-engine tests and bench/frames_strip.py edit.
PERFUME = "Maison Lumière"
STYLE = {
    "lighting_direction": "natural key light from the left",
    "camera_style": "smooth dolly",
    "mood_atmosphere": "elegant and refined",
    "color_palette": ["champagne", "#1a1a1a", "ivory"],
}
BASE_PROMPT = f"A {PERFUME} perfume bottle on a pedestal in an elegant studio, the camera slowly pushes in."


def load(video: Path, size: tuple[int, int] = (90, 160), every: int = 1) -> np.ndarray:
    """All frames of ``video`` at ``size`` (w, h) as a float32 array n×h×w×3 in 0..255."""
    frames = list(read_frames(video, size=size, every=every))
    if not frames:
        raise AssertionError(f"{video} decoded to no frames")
    return np.stack(frames).astype(np.float32)


def luma(frames: np.ndarray) -> np.ndarray:
    return frames @ LUMA


def mean_luma(frames: np.ndarray) -> float:
    """Average brightness, 0..255."""
    return float(luma(frames).mean())


def contrast(frames: np.ndarray) -> float:
    """Spread of brightness within a frame (standard deviation of luma), averaged over frames."""
    return float(luma(frames).reshape(frames.shape[0], -1).std(axis=1).mean())


def saturation(frames: np.ndarray) -> float:
    """Mean chroma: max minus min channel, 0..255 (0 for black and white)."""
    return float((frames.max(axis=-1) - frames.min(axis=-1)).mean())


def red_blue(frames: np.ndarray) -> float:
    """Warmth: mean red minus mean blue."""
    return float((frames[..., 0] - frames[..., 2]).mean())


def green_balance(frames: np.ndarray) -> float:
    """Greenness: mean green minus the mean of red and blue."""
    return float((frames[..., 1] - (frames[..., 0] + frames[..., 2]) / 2).mean())


def motion_energy(frames: np.ndarray) -> float:
    """How much the picture changes between consecutive frames (mean absolute luma difference)."""
    if frames.shape[0] < 2:
        return 0.0
    y = luma(frames)
    return float(np.abs(np.diff(y, axis=0)).mean())


def detail(frames: np.ndarray) -> float:
    """Fine detail (mean absolute Laplacian of luma): particles, petals, rain and sparkles raise it."""
    y = luma(frames)
    lap = 4 * y[:, 1:-1, 1:-1] - y[:, :-2, 1:-1] - y[:, 2:, 1:-1] - y[:, 1:-1, :-2] - y[:, 1:-1, 2:]
    return float(np.abs(lap).mean())


def haze(frames: np.ndarray) -> float:
    """How lifted the darkest tones are (10th percentile of luma): smoke and mist raise it."""
    return float(np.percentile(luma(frames), 10))


def upper_luma(frames: np.ndarray) -> float:
    """Mean luma of the top half of the frame (sky, backdrop)."""
    return mean_luma(frames[:, : frames.shape[1] // 2])


@dataclass(frozen=True)
class Box:
    """The bottle's bounding box in frame fractions (0..1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    axis: float  # x of the bottle's vertical axis, from its cap (shadows lean; caps do not)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _box_blur(y: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window, edges clamped (summed-area table)."""
    pad = np.pad(y, r + 1, mode="edge")
    c = pad.cumsum(0).cumsum(1)
    k = 2 * r + 1
    s = c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]
    return s[: y.shape[0], : y.shape[1]] / (k * k)


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    out = mask.copy()
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out |= np.roll(np.roll(mask, dy, 0), dx, 1)
    return out


def _components(mask: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """4-connected components of ``mask`` as (pixel count, y0, x0, y1, x1), largest first."""
    h, w = mask.shape
    seen = np.zeros_like(mask)
    out = []
    for sy, sx in zip(*np.nonzero(mask), strict=True):
        if seen[sy, sx]:
            continue
        stack = [(sy, sx)]
        seen[sy, sx] = True
        n, y0, x0, y1, x1 = 0, sy, sx, sy, sx
        while stack:
            cy, cx = stack.pop()
            n += 1
            y0, y1, x0, x1 = min(y0, cy), max(y1, cy), min(x0, cx), max(x1, cx)
            for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        out.append((n, y0, x0, y1 + 1, x1 + 1))
    return sorted(out, reverse=True)


def bottle_box(frame: np.ndarray) -> Box:
    """Find the bottle: the largest cluster of sharp detail (backdrops are always defocused)."""
    y = frame.astype(np.float32) @ LUMA
    sharp = np.abs(y - _box_blur(y, 2))
    thr = max(3.0, float(np.percentile(sharp, 99.5)) * 0.25)
    mask = _dilate(sharp > thr, max(1, round(y.shape[1] / 90)))
    h, w = mask.shape
    comps = _components(mask)
    if not comps:
        return Box(0.5, 0.5, 0.5, 0.5, 0.5)
    _, y0, x0, y1, x1 = comps[0]
    top = mask[y0 : y0 + max(2, (y1 - y0) // 8), x0:x1]
    cols = np.nonzero(top.any(axis=0))[0]
    axis = (x0 + (cols[0] + cols[-1] + 1) / 2) / w if cols.size else (x0 + x1) / 2 / w
    return Box(x0 / w, y0 / h, x1 / w, y1 / h, axis)


def bottle_boxes(frames: np.ndarray | Sequence[np.ndarray]) -> list[Box]:
    return [bottle_box(f) for f in frames]


def bottle_height(frames: np.ndarray) -> float:
    """Median bottle height as a fraction of the frame height."""
    return float(np.median([b.height for b in bottle_boxes(frames)]))


def bottle_cy(frames: np.ndarray) -> float:
    return float(np.median([b.cy for b in bottle_boxes(frames)]))


def bottle_offcentre(frames: np.ndarray) -> float:
    """How far the bottle's centre is from the middle of the frame (fraction of the width)."""
    return float(np.median([abs(b.axis - 0.5) for b in bottle_boxes(frames)]))


METRICS = {
    "luma": mean_luma,
    "contrast": contrast,
    "saturation": saturation,
    "red_blue": red_blue,
    "green": green_balance,
    "motion": motion_energy,
    "detail": detail,
    "haze": haze,
    "upper_luma": upper_luma,
    "bottle_height": bottle_height,
    "bottle_y": bottle_cy,
    "bottle_offcentre": bottle_offcentre,
}

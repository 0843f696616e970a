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

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _longest_run(mask: np.ndarray, gap: int) -> tuple[int, int]:
    """Start and end (exclusive) of the longest run of True, bridging gaps up to ``gap``."""
    best, start, last = (0, 0), -1, -(10**9)
    for i, v in enumerate(mask):
        if not v:
            continue
        if i - last > gap + 1:
            start = i
        last = i
        if last + 1 - start > best[1] - best[0]:
            best = (start, last + 1)
    return best


def bottle_box(frame: np.ndarray) -> Box:
    """Find the bottle: the one tall cluster of sharp edges (the backdrop is always defocused)."""
    y = frame.astype(np.float32) @ LUMA
    gx = np.abs(np.diff(y, axis=1))[:-1, :]
    gy = np.abs(np.diff(y, axis=0))[:, :-1]
    g = np.maximum(gx, gy)
    thr = max(6.0, float(np.percentile(g, 96)) * 0.8)
    edges = g > thr
    h, w = edges.shape
    cols = edges.sum(axis=0).astype(np.float32)
    cols = np.convolve(cols, np.ones(3) / 3, mode="same")
    band = cols >= max(2.0, cols.max() * 0.25)
    x0, x1 = _longest_run(band, gap=max(2, w // 12))
    rows = edges[:, x0:x1].sum(axis=1) >= 2
    y0, y1 = _longest_run(rows, gap=max(2, h // 40))
    return Box(x0 / w, y0 / h, x1 / w, y1 / h)


def bottle_boxes(frames: np.ndarray | Sequence[np.ndarray]) -> list[Box]:
    return [bottle_box(f) for f in frames]


def bottle_height(frames: np.ndarray) -> float:
    """Median bottle height as a fraction of the frame height."""
    return float(np.median([b.height for b in bottle_boxes(frames)]))


def bottle_cy(frames: np.ndarray) -> float:
    return float(np.median([b.cy for b in bottle_boxes(frames)]))


def bottle_offcentre(frames: np.ndarray) -> float:
    """How far the bottle's centre is from the middle of the frame (fraction of the width)."""
    return float(np.median([abs(b.cx - 0.5) for b in bottle_boxes(frames)]))


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

"""Quick adjust: grade, retime or reframe an existing scene with ffmpeg filters.

An :class:`Adjustment` is numbers in the units the look vocabulary speaks (exposure in
stops, contrast in 25 % steps, warmth in 600 K steps, saturation in 30 % steps, zoom in
1.25x focal-length steps, speed as a power of two); :func:`adjust_scene` applies it to a
canonical scene and writes a canonical scene (same format, so the final is still joined
by stream copy). Nothing else in the shot changes.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from editing.errors import RenderError
from editing.media.canonical import canonical_probe, mismatch
from editing.media.ffmpeg import encode_canonical_cmd, run, unique
from editing.media.format import VideoFormat
from editing.media.mp4 import read_mp4_video
from editing.media.probe import ProbeResult, sniff

log = logging.getLogger(__name__)

#: ffmpeg's neutral colour temperature, and how far one warmth step moves it.
NEUTRAL_K = 6500
K_PER_WARMTH = 900


@dataclass(frozen=True)
class Adjustment:
    """What a quick adjust does to a clip; every field at its default changes nothing."""

    exposure: float = 0.0  # stops
    contrast: float = 0.0  # steps of 25 %
    warmth: float = 0.0  # steps of -900 K from 6500 K (positive is warmer)
    saturation: float = 0.0  # steps of 30 %
    monochrome: bool = False  # to black and white (colour never comes back from a grade)
    zoom: float = 0.0  # steps of 1.25x, zero or more (a crop cannot show what was never filmed)
    speed: float = 0.0  # log2 of the playback rate: -1 is half speed, 1 double
    keep_length: bool = True  # a speed change keeps the scene's length (else the length follows)
    trim_to: float | None = None  # seconds: keep the start of the clip

    def __post_init__(self) -> None:
        if self.zoom < 0:
            raise ValueError("a quick adjust cannot zoom out")
        if self.trim_to is not None and self.trim_to <= 0:
            raise ValueError("trim_to must be positive")

    @property
    def empty(self) -> bool:
        return self == Adjustment(keep_length=self.keep_length)

    @property
    def rate(self) -> float:
        """Playback rate: 0.5 is slow motion at half speed."""
        return float(2.0**self.speed)

    @property
    def zoom_factor(self) -> float:
        return float(1.25**self.zoom)

    @property
    def retimes(self) -> bool:
        """Whether the scene's length changes."""
        return self.trim_to is not None or (self.speed != 0 and not self.keep_length)

    def duration_after(self, duration: float) -> float:
        """The scene's length after this adjustment."""
        if self.trim_to is not None:
            duration = min(duration, self.trim_to)
        if self.speed and not self.keep_length:
            duration = duration / self.rate
        return round(duration, 3)

    def describe(self) -> list[str]:
        """What it does, in words ("exposure +1 stop", "slow motion 0.50x")."""
        out: list[str] = []
        if self.exposure:
            out.append(f"exposure {self.exposure:+g} stop{'s' if abs(self.exposure) != 1 else ''}")
        if self.contrast:
            out.append(f"contrast {round(25 * self.contrast):+d}%")
        if self.warmth:  # in the prompt's white-balance steps (600 K), not ffmpeg's filter scale
            out.append(
                f"{'warmer' if self.warmth > 0 else 'cooler'} white balance ({-600 * self.warmth:+.0f} K)"
            )
        if self.saturation and not self.monochrome:
            out.append(f"saturation {round(30 * self.saturation):+d}%")
        if self.monochrome:
            out.append("black and white")
        if self.zoom:
            out.append(f"zoom in {self.zoom_factor:.2f}x")
        if self.speed:
            what = "slow motion" if self.speed < 0 else "faster"
            out.append(f"{what} {self.rate:.2f}x" + ("" if self.keep_length else " (new length)"))
        if self.trim_to is not None:
            out.append(f"trimmed to {self.trim_to:g} s")
        return out

    @property
    def kelvin(self) -> int:
        return int(max(1000, min(40000, NEUTRAL_K - K_PER_WARMTH * self.warmth)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adjustment:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _eq(adj: Adjustment) -> str | None:
    parts: list[str] = []
    if adj.exposure:
        gamma = max(0.1, min(10.0, 1.3**adj.exposure))
        brightness = max(-1.0, min(1.0, 0.03 * adj.exposure))
        parts += [f"gamma={gamma:.4f}", f"brightness={brightness:.4f}"]
    if adj.contrast:
        parts.append(f"contrast={max(-1000.0, min(1000.0, 1 + 0.25 * adj.contrast)):.4f}")
    if adj.saturation and not adj.monochrome:
        parts.append(f"saturation={max(0.0, min(3.0, 1 + 0.3 * adj.saturation)):.4f}")
    return "eq=" + ":".join(parts) if parts else None


def grade_filters(adj: Adjustment) -> list[str]:
    """The colour part of ``adj`` (exposure, contrast, saturation, warmth, black and white) as filters."""
    chain: list[str] = []
    if (eq := _eq(adj)) is not None:
        chain.append(eq)
    if adj.warmth:
        chain.append(f"colortemperature=temperature={adj.kelvin}:pl=1")
    if adj.monochrome:
        chain.append("hue=s=0")
    return chain


def filter_chain(adj: Adjustment, fmt: VideoFormat, *, frames: int) -> str:
    """The ffmpeg -vf of ``adj`` for a canonical scene, ending on exactly ``frames`` frames at fmt.fps."""
    chain: list[str] = []
    if adj.trim_to is not None:
        chain.append(f"trim=duration={adj.trim_to:.4f},setpts=PTS-STARTPTS")
    if adj.zoom:
        z = adj.zoom_factor
        chain.append(f"crop=w=trunc(iw/{z:.5f}/2)*2:h=trunc(ih/{z:.5f}/2)*2")
        chain.append(f"scale={fmt.width}:{fmt.height}:flags=lanczos,setsar=1")
    chain += grade_filters(adj)
    if adj.speed:
        chain.append(f"setpts=PTS/{adj.rate:.6f}")
    chain.append(f"fps={fmt.fps}")
    chain.append("tpad=stop=-1:stop_mode=clone")  # faster, kept length: hold the last frame
    chain.append("format=yuv420p")
    return ",".join(chain)


def adjust_scene(src: Path, dst: Path, adj: Adjustment, fmt: VideoFormat, duration: float) -> ProbeResult:
    """Write ``src`` (a scene of ``duration`` seconds) with ``adj`` applied to ``dst``, canonical.

    ``dst`` is written atomically. The result lasts ``adj.duration_after(duration)`` seconds.

    Raises:
        InvalidVideoError: ``src`` is missing, empty or not a video file.
        RenderError: ffmpeg failed (an undecodable ``src`` too), or its output is not canonical.
    """
    started = time.perf_counter()
    sniff(Path(src))
    frames = max(1, round(adj.duration_after(duration) * fmt.fps))
    vf = filter_chain(adj, fmt, frames=frames)
    tmp = Path(dst).with_name(f".{Path(dst).stem}.{unique()}.tmp.mp4")
    try:
        run(encode_canonical_cmd(Path(src), tmp, vf, fmt, frames), f"adjusting {Path(src).name}")
        left = mismatch(read_mp4_video(tmp), fmt, frames)
        if left is not None:
            raise RenderError(f"adjusting {Path(src).name} gave a non-canonical file: {left}")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    log.info(
        "adjusted %s (%s) in %.2fs", Path(src).name, ", ".join(adj.describe()), time.perf_counter() - started
    )
    return canonical_probe(fmt, frames)

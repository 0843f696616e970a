"""What a clip looks like, in numbers: mean luma, warmth (red minus blue), saturation.

Measured on a few downscaled frames (cheap enough to run on every scene of a campaign);
the continuity check compares scenes by them, and the tests of the quick adjust use the
same definitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from editing.media.ffmpeg import ffmpeg_exe, run
from editing.media.frames import read_frames

#: Frames are measured at this size, one in EVERY.
SIZE = (45, 80)
EVERY = 6
#: Grades are tried at this size: a non-linear grade of a downscaled frame is not the downscale of
#: the graded frame (bright highlights average away), so the sample keeps more pixels.
SAMPLE_SIZE = (180, 320)


@dataclass(frozen=True)
class LookStats:
    luma: float  # 0-255, Rec. 709 weights
    warmth: float  # mean red minus mean blue, -255..255
    saturation: float  # 0-1, (max - min) / max per pixel

    def get(self, name: str) -> float:
        return float(getattr(self, name))


def measure(frames: np.ndarray) -> LookStats:
    """The stats of RGB frames (n, h, w, 3)."""
    a = frames.astype(np.float64)
    luma = 0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]
    hi, lo = a.max(-1), a.min(-1)
    saturation = (hi - lo) / np.maximum(hi, 1e-6)
    return LookStats(
        luma=round(float(luma.mean()), 2),
        warmth=round(float((a[..., 0] - a[..., 2]).mean()), 2),
        saturation=round(float(saturation.mean()), 4),
    )


def look_stats(video: Path) -> LookStats:
    """The stats of a video, from one frame in EVERY at SIZE."""
    frames = list(read_frames(Path(video), size=SIZE, every=EVERY))
    if not frames:
        frames = list(read_frames(Path(video), size=SIZE))
    return measure(np.stack(frames))


def sample_frames(video: Path, dst: Path) -> Path:
    """A few frames of ``video`` at SAMPLE_SIZE, raw in the clip's own YUV, to try grades on in milliseconds.

    Kept in YUV: a round trip through RGB moves the values a grade works on.
    """
    w, h = SAMPLE_SIZE
    vf = f"select=not(mod(n\\,{EVERY})),scale={w}:{h}"
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-i",
        str(video),
        "-map",
        "0:v:0",
        "-vf",
        vf,
        "-fps_mode",
        "passthrough",
    ]
    run([*cmd, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-y", str(dst)], "sampling frames")
    return dst


def graded_stats(sample: Path, filters: list[str]) -> LookStats:
    """The stats of a frame sample (from :func:`sample_frames`) after ffmpeg ``filters``."""
    w, h = SAMPLE_SIZE
    cmd = [ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}"]
    cmd += ["-color_range", "tv", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
    cmd += ["-i", str(sample), "-vf", ",".join([*filters, "format=yuv420p"])]
    proc = run([*cmd, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], "measuring a grade")
    frames = np.frombuffer(proc.stdout, dtype=np.uint8).reshape(-1, h, w, 3)
    return measure(frames)

"""The campaign's canonical scene format and the H.264 level it needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Scenes' mp4 timescale is fps * 512 ticks per second (what ffmpeg picks by default at 24 fps).
TICKS_PER_FRAME = 512


@dataclass(frozen=True)
class VideoFormat:
    """The campaign's canonical scene format (all scenes concatenate by stream copy)."""

    width: int = 720
    height: int = 1280
    fps: int = 24

    @property
    def timescale(self) -> int:
        return self.fps * TICKS_PER_FRAME


# H.264 levels we may pick: (name, level_idc, max macroblocks per frame, max macroblocks per second).
_LEVELS = (
    ("4.0", 40, 8192, 245760),
    ("4.2", 42, 8704, 522240),
    ("5.0", 50, 22080, 589824),
    ("5.1", 51, 36864, 983040),
    ("5.2", 52, 36864, 2073600),
)


def h264_level(fmt: VideoFormat) -> tuple[str, int]:
    """The lowest H.264 level (at least 4.0, which every browser decodes) that fits ``fmt``."""
    mbs = math.ceil(fmt.width / 16) * math.ceil(fmt.height / 16)
    for name, idc, max_fs, max_mbps in _LEVELS:
        if mbs <= max_fs and mbs * fmt.fps <= max_mbps:
            return name, idc
    return _LEVELS[-1][0], _LEVELS[-1][1]

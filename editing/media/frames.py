"""Pictures out of videos: poster frames for the UI, decoded frames for measurements."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from editing.media.ffmpeg import read_frames_cmd, run, thumbnail_cmd
from editing.media.mp4 import read_mp4_video
from editing.media.probe import probe


def extract_thumbnail(video: Path, dst: Path, *, at: float | None = None, width: int = 240) -> Path:
    """Write a JPEG poster frame (middle of the clip by default)."""
    if at is None:
        box = read_mp4_video(Path(video))
        duration = box.duration / box.timescale if box and box.timescale else probe(video).duration
        at = max(0.0, duration / 2)
    run(thumbnail_cmd(Path(video), dst, at, width), f"thumbnail of {Path(video).name}")
    return dst


def read_frames(video: Path, *, size: tuple[int, int] | None = None, every: int = 1) -> Iterator[np.ndarray]:
    """Decode a video into RGB frames (optionally downscaled), for measurements and tests."""
    info = probe(video)
    w, h = size or (info.width, info.height)
    proc = subprocess.Popen(
        read_frames_cmd(Path(video), (w, h), every),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a reader that stops early makes ffmpeg complain of a broken pipe
    )
    assert proc.stdout is not None
    frame_bytes = w * h * 3
    try:
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            yield np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.stdout.close()
        proc.wait()

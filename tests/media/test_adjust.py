"""Quick adjust measured on real-footage-like clips: ffmpeg test sources and the offline generator.

Each instruction must move what it names (mean luma, red–blue balance, saturation, motion
between frames, the bottle's size) the way it says, keep the output canonical, and leave
the rest of the picture alone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from editing.errors import InvalidVideoError, RenderError
from editing.media import VideoFormat, canonical_mismatch, normalize_scene, probe, read_frames
from editing.media.adjust import Adjustment, adjust_scene
from editing.media.ffmpeg import ffmpeg_exe
from editing.providers.base import SceneRequest
from editing.providers.offline.procedural import ProceduralVideoGenerator

FMT = VideoFormat(360, 640, 24)
SIZE = (90, 160)


def _clip(tmp: Path, source: str, seconds: float = 2.0) -> Path:
    raw = tmp / f"{source}_raw.mp4"
    cmd = [
        ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"{source}=s=360x640:r=24",
        "-t",
        str(seconds),
    ]
    subprocess.run([*cmd, "-pix_fmt", "yuv420p", str(raw)], check=True)
    out = tmp / f"{raw.stem}_canonical.mp4"
    normalize_scene(raw, out, FMT, seconds)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A moving colour test pattern, a natural-ish noise pattern and an offline-generated perfume scene."""
    tmp = tmp_path_factory.mktemp("clips")
    generator = ProceduralVideoGenerator()
    request = SceneRequest(
        prompt="Luxury perfume bottle on warm marble, soft light, gentle orbit.",
        style_spec={"palette": "rose gold"},
        duration=2.0,
        role="showcase",
        perfume_name="Rose",
        seed=3,
        fmt=FMT,
    )
    scene = generator.generate(request, tmp).path
    offline = tmp / "offline_canonical.mp4"
    normalize_scene(scene, offline, FMT, 2.0)
    return {
        "testsrc2": _clip(tmp, "testsrc2"),
        "mandelbrot": _clip(tmp, "mandelbrot"),
        "offline": offline,
    }


def _frames(path: Path) -> np.ndarray:
    return np.stack(list(read_frames(path, size=SIZE))).astype(np.float64)


def _luma(a: np.ndarray) -> float:
    return float((0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]).mean())


def _red_blue(a: np.ndarray) -> float:
    return float((a[..., 0] - a[..., 2]).mean())


def _saturation(a: np.ndarray) -> float:
    hi, lo = a.max(-1), a.min(-1)
    return float(((hi - lo) / (hi + 1e-6)).mean())


def _contrast(a: np.ndarray) -> float:
    return float((0.2126 * a[..., 0] + 0.7152 * a[..., 1] + 0.0722 * a[..., 2]).std())


def _motion(a: np.ndarray) -> float:
    return float(np.abs(np.diff(a, axis=0)).mean())


def _adjusted(src: Path, tmp: Path, adj: Adjustment, seconds: float = 2.0) -> Path:
    dst = tmp / "adjusted.mp4"
    adjust_scene(src, dst, adj, FMT, seconds)
    frames = round(adj.duration_after(seconds) * FMT.fps)
    assert canonical_mismatch(dst, FMT, frames=frames) is None  # still joins by stream copy
    return dst


SOURCES = ("testsrc2", "mandelbrot", "offline")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("adjustment", "measure", "direction"),
    [
        (Adjustment(exposure=1), _luma, +1),
        (Adjustment(exposure=-1), _luma, -1),
        (Adjustment(warmth=1), _red_blue, +1),
        (Adjustment(warmth=-1), _red_blue, -1),
        (Adjustment(saturation=-1), _saturation, -1),
        (Adjustment(contrast=1), _contrast, +1),
        (Adjustment(contrast=-1), _contrast, -1),
    ],
    ids=["brighter", "darker", "warmer", "cooler", "muted", "more-contrast", "less-contrast"],
)
def test_grade_moves_what_it_names(
    clips: dict[str, Path],
    tmp_path: Path,
    source: str,
    adjustment: Adjustment,
    measure: object,
    direction: int,
) -> None:
    assert callable(measure)
    before = _frames(clips[source])
    after = _frames(_adjusted(clips[source], tmp_path, adjustment))
    assert len(after) == len(before)
    moved = (measure(after) - measure(before)) * direction
    least = 0.02 if measure is _saturation else max(1.0, 0.03 * abs(measure(before)))
    assert moved > least, (source, adjustment, measure(before), measure(after))


@pytest.mark.parametrize("source", SOURCES)
def test_more_saturated_and_black_and_white(clips: dict[str, Path], tmp_path: Path, source: str) -> None:
    before = _frames(clips[source])
    mono = _frames(_adjusted(clips[source], tmp_path, Adjustment(monochrome=True)))
    assert _saturation(mono) < 0.02  # no colour left
    assert abs(_luma(mono) - _luma(before)) < 0.06 * _luma(before)  # the light stays
    if source != "testsrc2":  # testsrc2's bars are already fully saturated
        richer = _frames(_adjusted(clips[source], tmp_path, Adjustment(saturation=1)))
        assert _saturation(richer) > _saturation(before) + 0.01


def test_warmth_keeps_the_light(clips: dict[str, Path], tmp_path: Path) -> None:
    before = _frames(clips["offline"])
    warmer = _frames(_adjusted(clips["offline"], tmp_path, Adjustment(warmth=1)))
    assert abs(_luma(warmer) - _luma(before)) < 0.05 * _luma(before)


@pytest.mark.parametrize("source", ("testsrc2", "offline"))
def test_slow_motion_keeps_the_length_and_slows_the_motion(
    clips: dict[str, Path], tmp_path: Path, source: str
) -> None:
    before = _frames(clips[source])
    slow = _frames(_adjusted(clips[source], tmp_path, Adjustment(speed=-1)))
    assert len(slow) == len(before)  # the scene keeps its duration
    assert _motion(slow) < 0.7 * _motion(before)
    # it plays the start of the clip: the middle of the slowed clip is near a quarter of the original
    mid = slow[len(slow) // 2]
    nearest = int(np.argmin([np.abs(f - mid).mean() for f in before]))
    assert abs(nearest - len(before) // 4) <= 2


def test_faster_keeps_the_length_by_holding_the_last_frame(clips: dict[str, Path], tmp_path: Path) -> None:
    before = _frames(clips["testsrc2"])
    fast = _frames(_adjusted(clips["testsrc2"], tmp_path, Adjustment(speed=1)))
    n = len(before)
    assert len(fast) == n
    for k in (3, 6, 9):  # frame k shows what frame 2k showed
        nearest = int(np.argmin([np.abs(f - fast[k]).mean() for f in before]))
        assert abs(nearest - 2 * k) <= 1
    assert _motion(fast[n // 2 + 1 :]) < 0.5  # then holds its last frame


def test_speed_change_with_new_length(clips: dict[str, Path], tmp_path: Path) -> None:
    adj = Adjustment(speed=-1, keep_length=False)
    assert adj.retimes and adj.duration_after(2.0) == 4.0
    out = _adjusted(clips["testsrc2"], tmp_path, adj)
    assert probe(out).duration == pytest.approx(4.0, abs=0.05)


def test_trim_keeps_the_start(clips: dict[str, Path], tmp_path: Path) -> None:
    before = _frames(clips["mandelbrot"])
    adj = Adjustment(trim_to=1.25)
    trimmed = _frames(_adjusted(clips["mandelbrot"], tmp_path, adj))
    assert len(trimmed) == 30
    assert np.abs(trimmed[5] - before[5]).mean() < 4  # the same picture, re-encoded


def _bottle_height(frame: np.ndarray) -> int:
    """Rows where the bright bottle glass stands out from the background (offline scene)."""
    luma = 0.2126 * frame[..., 0] + 0.7152 * frame[..., 1] + 0.0722 * frame[..., 2]
    column = luma[:, luma.shape[1] // 2 - 3 : luma.shape[1] // 2 + 3].mean(axis=1)
    edges = np.abs(np.diff(column))
    rows = np.nonzero(edges > edges.max() * 0.3)[0]
    return int(rows[-1] - rows[0]) if len(rows) >= 2 else 0


def test_zoom_in_makes_the_bottle_bigger(clips: dict[str, Path], tmp_path: Path) -> None:
    first = next(read_frames(clips["offline"]))
    zoomed = next(read_frames(_adjusted(clips["offline"], tmp_path, Adjustment(zoom=1))))
    before, after = _bottle_height(first.astype(np.float64)), _bottle_height(zoomed.astype(np.float64))
    assert before > 0
    assert after == pytest.approx(before * 1.25, rel=0.12)


def test_zoom_out_is_refused() -> None:
    with pytest.raises(ValueError, match="zoom out"):
        Adjustment(zoom=-1)


def test_a_corrupt_source_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"<html>gateway timeout</html>")
    with pytest.raises(InvalidVideoError):
        adjust_scene(bad, tmp_path / "out.mp4", Adjustment(exposure=1), FMT, 2.0)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    with pytest.raises(RenderError):
        adjust_scene(garbage, tmp_path / "out.mp4", Adjustment(exposure=1), FMT, 2.0)
    assert not (tmp_path / "out.mp4").exists()
    assert not list(tmp_path.glob(".*tmp*"))


def test_describe_and_round_trip() -> None:
    adj = Adjustment(exposure=1, warmth=-0.5, speed=-1, keep_length=False, trim_to=3.0)
    assert adj.describe() == [
        "exposure +1 stop",
        "cooler white balance (+300 K)",
        "slow motion 0.50x (new length)",
        "trimmed to 3 s",
    ]
    assert Adjustment.from_dict(adj.to_dict()) == adj
    assert Adjustment().empty and Adjustment(keep_length=False).empty and not adj.empty

"""The procedural scene generator: format, determinism, looks, and streaming."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from editing.config import Settings
from editing.media import VideoFormat, canonical_mismatch, probe, read_frames
from editing.providers import registry
from editing.providers.base import SceneRequest, VideoGenerator
from editing.providers.offline.look import SETTINGS
from editing.providers.offline.procedural import (
    MAX_DOLLY,
    MAX_TRAVEL,
    ProceduralVideoGenerator,
    _to_image,
    camera_at,
    parse_colour,
    plan_scene,
    render_scene,
)
from tests import measure

PERFUME = "Maison Lumière"
STYLE = {
    "lighting_direction": "soft key light from the right",
    "camera_style": "slow dolly",
    "mood_atmosphere": "elegant",
    "color_palette": ["#0b0b0b", "gold", "champagne"],
}
PROMPT = f"The {PERFUME} bottle on black marble with falling rose petals and gold dust, golden hour light."
SMALL = VideoFormat(width=360, height=640, fps=24)


def request(
    prompt: str = PROMPT, *, duration: float = 1.0, seed: int = 0, fmt: VideoFormat = SMALL
) -> SceneRequest:
    return SceneRequest(
        prompt=prompt, style_spec=STYLE, duration=duration, perfume_name=PERFUME, seed=seed, fmt=fmt
    )


def frames_of(path: Path, size: tuple[int, int] = (90, 160)) -> np.ndarray:
    return np.stack(list(read_frames(path, size=size))).astype(np.float32)


def test_implements_the_protocol_and_is_registered() -> None:
    generator = registry.video_generator(Settings(video_generator="offline"))
    assert isinstance(generator, ProceduralVideoGenerator)
    assert isinstance(generator, VideoGenerator)
    assert generator.name == "offline"
    assert generator.estimate_cost(30) == 0.0
    assert "ready" in generator.check()


def test_renders_the_canonical_format(tmp_path: Path) -> None:
    progress: list[float] = []
    scene = ProceduralVideoGenerator(Settings()).generate(
        request(duration=2.0, fmt=VideoFormat()),
        tmp_path,
        on_progress=lambda f, _msg: progress.append(f or 0),
    )
    assert scene.path.parent == tmp_path and scene.path.exists()
    assert scene.cost == 0.0 and scene.provider == "offline"
    info = probe(scene.path, count_frames=True)
    assert (info.width, info.height) == (720, 1280)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p" and not info.has_audio
    assert info.nb_frames == 48 and math.isclose(info.duration, 2.0, abs_tol=0.05)
    assert progress == sorted(progress) and progress[-1] == 1.0
    # written in the campaign's canonical format: ingest copies it instead of re-encoding
    assert canonical_mismatch(scene.path, VideoFormat(), frames=48) is None


def test_duration_is_respected(tmp_path: Path) -> None:
    scene = ProceduralVideoGenerator().generate(request(duration=1.5), tmp_path)
    info = probe(scene.path, count_frames=True)
    assert (info.width, info.height) == (360, 640) and info.nb_frames == 36


def test_same_prompt_and_seed_render_the_same_frames(tmp_path: Path) -> None:
    a = frames_of(render_scene(request(), tmp_path / "a.mp4"))
    b = frames_of(render_scene(request(), tmp_path / "b.mp4"))
    assert np.abs(a - b).max() <= 1.0


def test_another_seed_is_another_variation_of_the_same_scene(tmp_path: Path) -> None:
    a = frames_of(render_scene(request(seed=1), tmp_path / "a.mp4"))
    b = frames_of(render_scene(request(seed=2), tmp_path / "b.mp4"))
    assert np.abs(a - b).mean() > 2.0  # different layout: particles, bottle placement
    assert abs(measure.mean_luma(a) - measure.mean_luma(b)) < 0.1 * measure.mean_luma(a)  # same look
    assert abs(measure.red_blue(a) - measure.red_blue(b)) < 6


def test_no_flicker(tmp_path: Path) -> None:
    """Overall brightness glides: no frame jumps against its neighbours."""
    prompt = PROMPT + " Smoke, sparkles and rain, handheld camera."
    frames = frames_of(render_scene(request(prompt, duration=2.0), tmp_path / "f.mp4"))
    means = measure.luma(frames).mean(axis=(1, 2))
    assert np.abs(np.diff(means)).max() < 1.0, np.diff(means)


def test_dither_prevents_banding() -> None:
    """A slow gradient quantized with the dither has no long flat runs (the eye sees those as bands)."""
    ramp = np.linspace(0.30, 0.33, 1024, dtype=np.float32)
    x = np.broadcast_to(ramp[None, :, None], (64, 1024, 3)).copy()
    row = np.asarray(_to_image(x))[10, :, 1].astype(int)
    runs = np.diff(np.flatnonzero(np.diff(np.r_[-1, row, -1]) != 0))
    plain = np.round(ramp * 255).astype(int)
    plain_runs = np.diff(np.flatnonzero(np.diff(np.r_[-1, plain, -1]) != 0))
    assert plain_runs.max() > 100
    assert runs.max() < 32


@pytest.mark.parametrize("setting", SETTINGS)
def test_the_bottle_is_visible_in_every_setting(tmp_path: Path, setting: str) -> None:
    prompt = f"The {PERFUME} bottle, {setting}."
    frames = frames_of(render_scene(request(prompt, duration=0.25), tmp_path / "s.mp4"))
    assert measure.bottle_height(frames) > 0.3


def test_the_bottle_survives_the_darkest_look(tmp_path: Path) -> None:
    prompt = f"The {PERFUME} bottle at night, low key, very dark, black and white."
    frames = frames_of(render_scene(request(prompt, duration=0.25), tmp_path / "d.mp4"))
    assert measure.bottle_height(frames) > 0.3
    assert measure.saturation(frames) < 2.0


def test_memory_is_flat_in_duration(tmp_path: Path) -> None:
    """Frames stream to the encoder: four times the duration costs no more memory."""
    peaks = []
    for seconds in (0.5, 2.0):
        tracemalloc.start()
        render_scene(request(duration=seconds), tmp_path / f"{seconds}.mp4")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.25 + 2_000_000, peaks


def test_style_spec_is_the_baseline_and_the_prompt_wins() -> None:
    neon_style = {**STYLE, "lighting_direction": "neon glow"}
    silent = plan_scene(SceneRequest(prompt=f"The {PERFUME} bottle.", style_spec=neon_style, duration=1))
    assert silent.look.lighting == "neon"
    said = plan_scene(
        SceneRequest(prompt=f"The {PERFUME} bottle by candlelight.", style_spec=neon_style, duration=1)
    )
    assert said.look.lighting == "candlelight"
    assert plan_scene(request()).key_side == 1  # "key light from the right"


def test_style_colours_colour_the_studio() -> None:
    green = plan_scene(
        SceneRequest(prompt="A bottle.", style_spec={"color_palette": ["#0a3d2a", "#2fa56f"]}, duration=1)
    )
    red = plan_scene(
        SceneRequest(prompt="A bottle.", style_spec={"color_palette": ["crimson", "maroon"]}, duration=1)
    )
    assert green.palette.mid[1] > green.palette.mid[0]
    assert red.palette.mid[0] > red.palette.mid[1]


def test_parse_colour() -> None:
    assert parse_colour("#ff0000") == (1.0, 0.0, 0.0)
    assert parse_colour("gold") is not None
    assert parse_colour("rose gold") is not None
    assert parse_colour("Deep Navy") == parse_colour("navy")
    assert parse_colour("no such colour") is None
    assert parse_colour("") is None


def test_camera_never_leaves_the_set_in_long_scenes() -> None:
    for move in ("pan left", "orbit", "dolly in", "dolly out", "handheld"):
        plan = plan_scene(request(f"The {PERFUME} bottle, {move}, time-lapse, fast camera."))
        for t in np.linspace(0, 60, 25):
            cam = camera_at(plan, float(t), 60.0)
            assert abs(cam.dx) <= MAX_TRAVEL + 0.05, (move, t, cam)
            assert cam.scale <= plan.zoom * math.exp(MAX_DOLLY) + 1e-6, (move, t, cam)

"""Proof that offline edits do what they say: instruction → editor → generator → pixels.

Each row runs a marketer's instruction through the offline prompt editor, renders
the edited prompt with the procedural generator (real ffmpeg encode), decodes the
video at low resolution and checks that the named measurement moved in the named
direction compared with the unedited scene.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from editing.media import VideoFormat
from editing.providers.base import SceneRequest
from editing.providers.offline.editor import OfflinePromptEditor
from editing.providers.offline.procedural import ProceduralVideoGenerator
from tests import measure

PERFUME, STYLE = measure.PERFUME, measure.STYLE
BASES = {
    "plain": measure.BASE_PROMPT,
    "effects": (
        f"A {PERFUME} perfume bottle on a pedestal in an elegant studio with drifting smoke, "
        "falling rose petals, gold dust and rain, the camera slowly pushes in."
    ),
}
FMT = VideoFormat(width=360, height=640, fps=24)
DURATION = 1.0

# How far a measurement must move to count (noise from encoding is far below these).
MARGIN = {
    "luma": 2.0,
    "contrast": 0.8,
    "saturation": 1.5,
    "red_blue": 1.5,
    "green": 1.5,
    "motion": 0.01,
    "detail": 0.04,
    "haze": 1.0,
    "upper_luma": 2.0,
    "bottle_height": 0.02,
    "bottle_y": 0.02,
    "bottle_offcentre": 0.02,
}
BOTTLE_METRICS = {"bottle_height", "bottle_y", "bottle_offcentre"}


@dataclass(frozen=True)
class Row:
    instruction: str
    checks: tuple[tuple[str, str], ...]  # (metric, "+", "-" or "0")
    base: str = "plain"


def row(instruction: str, *checks: str, base: str = "plain") -> Row:
    parsed = tuple((c[:-1], c[-1]) for c in checks)
    return Row(instruction, parsed, base)


TABLE: tuple[Row, ...] = (
    # lighting
    row("make it brighter", "luma+"),
    row("a bit brighter", "luma+"),
    row("much darker", "luma-"),
    row("dim the lights", "luma-"),
    row("more light please", "luma+"),
    row("sunnier", "luma+"),
    row("it's too dark", "luma+"),
    row("golden hour", "red_blue+", "luma+"),
    row("backlit", "contrast+"),
    row("soft lighting", "contrast-"),
    row("harsh light", "contrast+"),
    row("neon lights", "saturation+"),
    row("candlelight", "red_blue+", "luma-"),
    row("high key", "luma+"),
    row("low key", "luma-"),
    row("make it night time", "luma-", "red_blue-"),
    # colour
    row("warmer", "red_blue+"),
    row("cooler tones", "red_blue-"),
    row("way more saturated", "saturation+"),
    row("muted colours", "saturation-"),
    row("black and white", "saturation0"),
    row("rose gold palette", "green-"),
    row("emerald", "green+"),
    row("pastel colours", "saturation-", "luma+"),
    row("monochrome", "saturation-"),
    # camera
    row("zoom in on the bottle", "bottle_height+"),
    row("close-up", "bottle_height+"),
    row("wide shot", "bottle_height-"),
    row("zoom out a bit", "bottle_height-"),
    row("orbit around the bottle", "motion+"),
    row("pan left", "motion+"),
    row("pan to the right", "motion+"),
    row("static camera", "motion-"),
    row("handheld camera", "motion+"),
    row("slow the camera down", "motion-"),
    # speed
    row("slow motion", "motion-"),
    row("faster", "motion+"),
    row("time-lapse", "motion+"),
    # mood
    row("dreamy", "contrast-"),
    row("mysterious", "luma-"),
    row("energetic", "motion+", "saturation+"),
    row("romantic", "red_blue+"),
    row("playful", "saturation+"),
    # setting
    row("beach at sunset", "red_blue+"),
    row("city at night", "luma-"),
    row("marble studio", "luma+"),
    row("in a forest", "green+"),
    row("desert", "red_blue+"),
    row("underwater", "red_blue-"),
    # elements added
    row("add rose petals", "detail+"),
    row("add gold dust", "detail+"),
    row("water droplets on the glass", "detail+"),
    row("add some smoke", "haze+"),
    row("silk ribbons", "saturation+"),
    row("bokeh", "upper_luma+"),
    row("make it rain", "motion+"),
    row("snow", "detail+"),
    row("sparkles", "detail+"),
    row("bubbles", "motion+"),
    # elements removed
    row("no more smoke", "haze-", base="effects"),
    row("remove the petals", "detail-", base="effects"),
    row("remove the gold dust", "detail-", base="effects"),
    row("stop the rain", "motion-", base="effects"),
    row("remove all the effects", "detail-", "motion-", base="effects"),
    # product
    row("make the bottle bigger", "bottle_height+"),
    row("smaller bottle", "bottle_height-"),
    row("hero shot", "bottle_height+"),
    row("centre the bottle", "bottle_offcentre-"),
    row("place the bottle lower in frame", "bottle_y+"),
    # several changes at once, free word order
    row("brighter and warmer, and slow the camera down", "luma+", "red_blue+", "motion-"),
    row("cooler, darker and add snow", "red_blue-", "luma-", "detail+"),
)


Measure = dict[str, float]


def _measure(video: Path) -> Measure:
    small = measure.load(video, size=(90, 160))
    out = {name: fn(small) for name, fn in measure.METRICS.items() if name not in BOTTLE_METRICS}
    out.update({name: measure.METRICS[name](small[::4]) for name in BOTTLE_METRICS})
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Measure]:
    """Render a prompt (cached) and measure it."""
    workdir = tmp_path_factory.mktemp("table")
    generator = ProceduralVideoGenerator()
    cache: dict[str, Measure] = {}

    def render(prompt: str) -> Measure:
        if prompt not in cache:
            request = SceneRequest(
                prompt=prompt, style_spec=STYLE, duration=DURATION, perfume_name=PERFUME, fmt=FMT
            )
            scene = generator.generate(request, workdir)
            cache[prompt] = _measure(scene.path)
            scene.path.unlink()
        return cache[prompt]

    return render


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) >= 40
    assert len({r.instruction for r in TABLE}) == len(TABLE)


@pytest.mark.parametrize("case", TABLE, ids=[r.instruction for r in TABLE])
def test_instruction_moves_pixels(case: Row, engine: Callable[[str], Measure]) -> None:
    base_prompt = BASES[case.base]
    edit = OfflinePromptEditor().modify_scene_prompt(
        base_prompt, case.instruction, STYLE, "showcase", PERFUME
    )
    before, after = engine(base_prompt), engine(edit.modified_prompt)
    for metric, direction in case.checks:
        delta = after[metric] - before[metric]
        margin = MARGIN[metric]
        detail = f"{metric}: {before[metric]:.3f} → {after[metric]:.3f} for {case.instruction!r}"
        if direction == "+":
            assert delta > margin, detail
        elif direction == "-":
            assert delta < -margin, detail
        else:
            assert abs(after[metric]) < 2.0, detail


def test_intensity_orders_the_change(engine: Callable[[str], Measure]) -> None:
    """'a bit brighter' < 'brighter' < 'much brighter', measured in luma."""
    editor = OfflinePromptEditor()
    base = BASES["plain"]
    lumas = [
        engine(editor.modify_scene_prompt(base, text, STYLE, "showcase", PERFUME).modified_prompt)["luma"]
        for text in ("a bit brighter", "brighter", "much brighter")
    ]
    assert lumas == sorted(lumas) and np.diff(lumas).min() > 1.0, lumas


def test_opposite_edits_come_back(engine: Callable[[str], Measure]) -> None:
    """Brighter then darker renders (within encoding noise) the unedited scene's brightness."""
    editor = OfflinePromptEditor()
    base = BASES["plain"]
    up = editor.modify_scene_prompt(base, "brighter", STYLE, "showcase", PERFUME).modified_prompt
    back = editor.modify_scene_prompt(up, "darker", STYLE, "showcase", PERFUME).modified_prompt
    assert engine(up)["luma"] > engine(base)["luma"] + 2
    assert abs(engine(back)["luma"] - engine(base)["luma"]) < 0.5

"""Render before/after frame strips of a few offline edits for docs/offline-engine.md.

Each strip shows the unedited scene, then the edited one at three moments (start,
middle, end), so camera and speed edits show their motion too. Writes PNGs under
docs/img/ and prints one JSON line; ``--markdown`` prints instead the measured
table of every row in tests/providers/offline/test_instruction_table.py.

    .venv/bin/python bench/frames_strip.py [--markdown]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from editing.media import VideoFormat, read_frames  # noqa: E402
from editing.providers.base import SceneRequest  # noqa: E402
from editing.providers.offline.editor import OfflinePromptEditor  # noqa: E402
from editing.providers.offline.procedural import ProceduralVideoGenerator  # noqa: E402
from tests.measure import BASE_PROMPT as BASE  # noqa: E402
from tests.measure import PERFUME, STYLE  # noqa: E402

STRIPS = {
    "golden-hour": "golden hour, warmer, add gold dust",
    "city-night": "city at night with bokeh, a bit brighter",
    "petals-closeup": "close-up, add rose petals, romantic",
    "beach": "beach at sunset, slow orbit",
    "noir": "black and white, low key, add smoke",
    "underwater": "underwater with bubbles, pan left",
}
TILE = (240, 427)
FMT = VideoFormat()


def _label(img: Image.Image, text: str) -> None:
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=15)
    draw.rectangle([0, 0, img.width, 24], fill=(0, 0, 0))
    draw.text((8, 4), text, fill=(255, 255, 255), font=font)


def _frames(
    generator: ProceduralVideoGenerator, prompt: str, workdir: Path, picks: list[int]
) -> list[np.ndarray]:
    request = SceneRequest(prompt=prompt, style_spec=STYLE, duration=3.0, perfume_name=PERFUME, fmt=FMT)
    scene = generator.generate(request, workdir)
    frames = list(read_frames(scene.path, size=TILE))
    scene.path.unlink()
    return [frames[min(i, len(frames) - 1)] for i in picks]


def strips(out_dir: Path) -> dict[str, object]:
    editor, generator = OfflinePromptEditor(), ProceduralVideoGenerator()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (before,) = _frames(generator, BASE, workdir, [36])
        for name, instruction in STRIPS.items():
            prompt = editor.modify_scene_prompt(BASE, instruction, STYLE, "showcase", PERFUME).modified_prompt
            after = _frames(generator, prompt, workdir, [0, 36, 71])
            tiles = [before, *after]
            strip = Image.new("RGB", (TILE[0] * 4 + 6 * 3, TILE[1] + 24), (12, 12, 12))
            for i, tile in enumerate(tiles):
                strip.paste(Image.fromarray(tile), (i * (TILE[0] + 6), 24))
            _label(strip, f'before  |  "{instruction}"  (0 s, 1.5 s, 3 s)')
            path = out_dir / f"offline-{name}.png"
            strip.save(path, optimize=True)
            written.append(str(path.relative_to(ROOT)))
    return {"bench": "frames_strip", "files": written, "wall_s": round(time.perf_counter() - start, 2)}


def markdown_table() -> str:
    """Run the proof table and print instruction → measured change, as Markdown."""
    from tests.providers.offline.test_instruction_table import ARROWS, TABLE, Renders, needed_metrics, prompts

    editor = OfflinePromptEditor()
    lines = ["| Instruction | Language | Measured | Before → after |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        renders = Renders(Path(tmp), needed_metrics(TABLE, editor))
        for row in TABLE:
            before_prompt, after_prompt = prompts(row, editor)
            metrics = {metric for metric, _ in row.checks}
            before, after = renders(before_prompt, metrics), renders(after_prompt, metrics)
            cells = [f"{metric.replace('_', ' ')} {ARROWS[d]}" for metric, d in row.checks]
            values = [f"{before[m]:.2f} → {after[m]:.2f}" for m, _ in row.checks]
            langs = " → ".join(dict.fromkeys(row.langs))
            lines.append(f"| {row.instruction} | {langs} | {', '.join(cells)} | {'; '.join(values)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--markdown" in sys.argv:
        print(markdown_table())
    else:
        print(json.dumps(strips(ROOT / "docs" / "img")))

"""What the one x264 encode of a model-made scene costs, and what a faster one would lose.

    python bench/encoder.py [--repeat 3]

A text-to-video model's 5 s mp4 (made here with libx264 medium, CRF 18, with audio) is
normalized to 4 s of 720x1280 @ 24 fps with the same filters ``normalize_scene`` uses,
under several x264 settings. For each: wall time (best of ``--repeat``), output size, SSIM
against the source frames in dB (-10*log10(1-SSIM); higher is better, +1 dB is a visible
step on gradients), and whether the parameter sets (avcC) are the campaign's, i.e. whether
scenes made with it would still join with the others by byte copy. Two contents: the grainy
lavfi picture of bench/render.py, and a procedural perfume scene (product-like). For each
content, ``moviepy_s`` is moviepy's concatenate + write_videofile of five 4 s scenes of it
(bench/render.py's baseline): an edit 20x faster than moviepy must take less than
``moviepy_s / 20``, encode and join together.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import FMT, NEW_SCENE, canonical_scene, ffmpeg, model_scene, moviepy_render, music_bed, timed

from editing import media

FRAMES = 96
VF = (f"fps={FMT.fps},scale={FMT.width}:{FMT.height}:flags=bicubic:out_color_matrix=bt709:out_range=tv,"
      f"crop={FMT.width}:{FMT.height},setsar=1,format=yuv420p")  # fmt: skip
# name -> (preset, crf, extra x264 params); the first is the campaign's canonical setting.
SETTINGS = {
    "canonical (veryfast, crf 20)": ("veryfast", "20", ""),
    "veryfast, analysis cut to the bone (same avcC)": (
        "veryfast", "20", "subme=0:me=dia:partitions=none:rc-lookahead=0:mbtree=0:b-adapt=0:aq-mode=0"),
    "superfast, crf 20": ("superfast", "20", ""),
    "superfast, crf 24": ("superfast", "24", ""),
    "ultrafast, crf 20": ("ultrafast", "20", ""),
    "ultrafast + cabac + deblock, crf 23": ("ultrafast", "23", "cabac=1:deblock=1,0,0"),
}  # fmt: skip


def encode_args(preset: str, crf: str, extra: str) -> list[str]:
    args = media.canonical_video_args(FMT)
    args[args.index("-preset") + 1] = preset
    args[args.index("-crf") + 1] = crf
    if extra:
        at = args.index("-x264-params") + 1
        args[at] = f"{args[at]}:{extra}"
    return args


def ssim_db(out: Path, src: Path) -> float:
    graph = f"[1:v]{VF},trim=end_frame={FRAMES}[ref];[0:v][ref]ssim"
    log = subprocess.run(
        [media.ffmpeg_exe(), "-i", str(out), "-i", str(src), "-lavfi", graph, "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    found = re.search(r"All:([0-9.]+)", log)
    assert found, log[-500:]
    return -10 * math.log10(max(1e-9, 1 - float(found.group(1))))


PLACES = (
    "black marble with drifting smoke and gold dust",
    "a rose garden with falling petals",
    "silk in candle light",
    "a terrace at dusk with city lights",
    "a champagne backdrop, end card",
)


def procedural(work: Path, i: int, seconds: float) -> Path:
    """A scene of the offline generator (canonical already)."""
    from editing.providers.base import SceneRequest
    from editing.providers.offline.procedural import ProceduralVideoGenerator

    request = SceneRequest(
        prompt=f"A perfume bottle on {PLACES[i]}, golden hour light, slow orbit.",
        style_spec=None, duration=seconds, perfume_name="Maison Lumière", fmt=FMT,
    )  # fmt: skip
    folder = work / f"procedural-{i}-{seconds:g}s"
    folder.mkdir()
    return ProceduralVideoGenerator().generate(request, folder).path


def moviepy_s(work: Path, scenes: list[Path]) -> float:
    bed = work / "bed.wav"
    if not bed.exists():
        music_bed(bed)
    return timed(lambda: moviepy_render(scenes, bed, work / "moviepy.mp4", FMT))


def product_scene(work: Path) -> Path:
    """A procedural perfume scene, re-encoded as a model's output would be."""
    scene = procedural(work, 0, 5)
    out = work / "product_model.mp4"
    ffmpeg("-i", str(scene), "-f", "lavfi", "-i", "sine=f=440:d=5", "-t", "5", "-c:v", "libx264",
           "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reference = media._reference_avcc(FMT)
    rows = []
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        work = Path(tmp)
        sources = {"grainy": model_scene(work / "grainy.mp4", NEW_SCENE, FMT), "product": product_scene(work)}
        load = os.getloadavg()[0]
        baseline = {
            "grainy": moviepy_s(work, [canonical_scene(work / f"g{i}.mp4", i, 4, FMT) for i in range(5)]),
            "product": moviepy_s(work, [procedural(work, i, 4) for i in range(5)]),
        }
        for content, src in sources.items():
            for name, (preset, crf, extra) in SETTINGS.items():
                out = work / "out.mp4"
                cmd = [media.ffmpeg_exe(), "-y", "-v", "error", "-i", str(src), "-map", "0:v:0",
                       "-vf", VF, "-frames:v", str(FRAMES), *encode_args(preset, crf, extra), "-an",
                       str(out)]  # fmt: skip
                best = math.inf
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    subprocess.run(cmd, check=True, capture_output=True)
                    best = min(best, time.perf_counter() - start)
                box = media.read_mp4_video(out)
                rows.append({
                    "content": content, "setting": name, "s": round(best, 3),
                    "kB": round(out.stat().st_size / 1000), "ssim_db": round(ssim_db(out, src), 2),
                    "joins_with_campaign": bool(box and box.avcc == reference),
                })  # fmt: skip
    print(json.dumps({"bench": "encoder", "frames": FRAMES, "size": f"{FMT.width}x{FMT.height}@{FMT.fps}",
                      "moviepy_s": {k: round(v, 2) for k, v in baseline.items()}, "rows": rows,
                      "load_avg_1m": round(load, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()

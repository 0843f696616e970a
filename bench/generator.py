"""Benchmark the procedural generator: wall time, throughput, and memory flat in duration.

Prints one JSON line. Each measurement runs in a fresh child process so peak RSS
belongs to that render alone (Python side; ffmpeg's own peak is reported apart).

    .venv/bin/python bench/generator.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROMPT = (
    "A Maison Lumière perfume bottle on black marble with drifting smoke, falling rose petals and gold dust, "
    "golden hour light, slow orbit."
)
STYLE = {
    "lighting_direction": "warm key light from the left",
    "camera_style": "slow orbit",
    "mood_atmosphere": "elegant, mysterious",
    "color_palette": ["#0b0b0b", "gold", "champagne"],
}


def child(duration: float) -> None:
    """Render one 720×1280 24 fps scene and print its figures as JSON."""
    from editing.media import VideoFormat, probe
    from editing.providers.base import SceneRequest
    from editing.providers.offline.procedural import ProceduralVideoGenerator

    request = SceneRequest(
        prompt=PROMPT, style_spec=STYLE, duration=duration, perfume_name="Maison Lumière", fmt=VideoFormat()
    )
    with tempfile.TemporaryDirectory() as tmp:
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        scene = ProceduralVideoGenerator().generate(request, Path(tmp))
        wall = time.perf_counter() - start
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        encoder = resource.getrusage(resource.RUSAGE_CHILDREN)  # ffmpeg, the only child so far
        info = probe(scene.path, count_frames=True)
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s_python": (self_after.ru_utime + self_after.ru_stime)
                - (self_before.ru_utime + self_before.ru_stime),
                "cpu_s_ffmpeg": encoder.ru_utime + encoder.ru_stime,
                "frames": info.nb_frames,
                "size": f"{info.width}x{info.height}",
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "ffmpeg_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def run_child(duration: float) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(duration)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = [run_child(4.0) for _ in range(3)]
    best = min(runs, key=lambda r: r["wall_s"])
    long = run_child(16.0)
    print(
        json.dumps(
            {
                "bench": "procedural_generator",
                "scene": f"4 s {best['size']} 24 fps",
                "wall_s_4s": round(best["wall_s"], 3),
                "wall_s_4s_runs": [round(r["wall_s"], 3) for r in runs],
                "frames_per_s": round(best["frames"] / best["wall_s"], 1),
                "cpu_s_python_4s": round(best["cpu_s_python"], 3),
                "cpu_s_ffmpeg_4s": round(best["cpu_s_ffmpeg"], 3),
                "load_avg_1m": round(os.getloadavg()[0], 2),
                "peak_rss_mb_4s": round(best["rss_mb"], 1),
                "peak_rss_mb_16s": round(long["rss_mb"], 1),
                "ffmpeg_peak_rss_mb_4s": round(best["ffmpeg_rss_mb"], 1),
                "ffmpeg_peak_rss_mb_16s": round(long["ffmpeg_rss_mb"], 1),
                "wall_s_16s": round(long["wall_s"], 3),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(float(sys.argv[2]))
    else:
        main()

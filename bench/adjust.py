"""Quick adjust vs regeneration of the same 4 s 720x1280 scene, end to end, in one run.

Both go through the whole pipeline on the embedded PostgreSQL (store the scene, render
the final by stream copy, save): the quick adjust grades the current clip with ffmpeg,
the regeneration renders a new clip with the offline generator (the cheapest, fastest
generator there is; a paid model takes minutes). Prints one JSON line.

    .venv/bin/python bench/adjust.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from editing.config import load_settings
from editing.context import Atelier
from editing.db.engine import stop_embedded_postgres
from editing.demo import create_demo_campaign
from editing.pipeline import ProgressEvent, edit_scene

#: Alternating, so every run changes the scene (and each is wholly a grade: a quick adjust).
ADJUSTS = ["a bit brighter", "a bit darker"]
REGENERATES = ["add rose petals", "remove the rose petals"]


def _timed(ctx: Atelier, cid: str, instruction: str, method: str) -> tuple[float, dict[str, float], float]:
    events: list[ProgressEvent] = []
    t0 = time.perf_counter()
    result = edit_scene(ctx, cid, 1, instruction, method=method, on_progress=events.append)
    wall = time.perf_counter() - t0
    steps = {e.step: round(e.elapsed_s, 3) for e in events if e.state == "done"}
    return wall, steps, float(result["cost"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        settings = load_settings(env={"ATELIER_DATA_DIR": tmp})  # 720x1280 at 24 fps
        ctx = Atelier.open(settings)
        try:
            cid = str(create_demo_campaign(ctx, scenes=3, scene_duration=4.0))
            adjust, regenerate = [], []
            adjust_steps: dict[str, float] = {}
            for i in range(args.runs):  # interleaved, so both see the same machine
                wall, adjust_steps, cost = _timed(ctx, cid, ADJUSTS[i % 2], "adjust")
                assert cost == 0.0
                adjust.append(wall)
                regenerate.append(_timed(ctx, cid, REGENERATES[i % 2], "regenerate")[0])
        finally:
            ctx.close()
            stop_embedded_postgres(settings.pg_dir)
    a, r = statistics.median(adjust), statistics.median(regenerate)
    print(json.dumps({
        "bench": "adjust",
        "scene": "4 s 720x1280 @24",
        "runs": args.runs,
        "adjust_s_median": round(a, 3),
        "adjust_s": [round(x, 3) for x in adjust],
        "regenerate_offline_s_median": round(r, 3),
        "regenerate_offline_s": [round(x, 3) for x in regenerate],
        "speedup": round(r / a, 2),
        "adjust_steps_s": adjust_steps,
        "goal_under_2s": a < 2.0,
    }))  # fmt: skip


if __name__ == "__main__":
    main()

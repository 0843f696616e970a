"""One offline scene edit end to end (demo campaign, 720x1280, embedded PostgreSQL).

Prints one JSON line: the whole edit's wall time, each step's time, and the final's
duration. Usage: python bench/edit.py [--scenes 5] [--edits 3]
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

from editing import media
from editing.config import load_settings
from editing.context import Atelier
from editing.db.engine import stop_embedded_postgres
from editing.demo import create_demo_campaign
from editing.pipeline import ProgressEvent, edit_scene

INSTRUCTIONS = ["make it brighter", "warmer, with rose petals", "slow motion and a close-up"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=5)
    ap.add_argument("--edits", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        settings = load_settings(env={"ATELIER_DATA_DIR": tmp})
        ctx = Atelier.open(settings)
        try:
            t0 = time.perf_counter()
            cid = create_demo_campaign(ctx, scenes=args.scenes)
            demo_s = time.perf_counter() - t0
            walls: list[float] = []
            steps: dict[str, list[float]] = {}
            result: dict[str, object] = {}
            for i in range(args.edits):
                events: list[ProgressEvent] = []
                t0 = time.perf_counter()
                result = edit_scene(ctx, cid, i % args.scenes, INSTRUCTIONS[i % len(INSTRUCTIONS)],
                                    on_progress=events.append, method="regenerate")  # fmt: skip
                walls.append(time.perf_counter() - t0)
                for ev in events:
                    if ev.state == "done":
                        steps.setdefault(ev.step, []).append(ev.elapsed_s)
            final = media.probe(Path(str(result["new_video_url"])))
        finally:
            ctx.close()
            stop_embedded_postgres(settings.pg_dir)
    print(json.dumps({
        "bench": "edit",
        "scenes": args.scenes,
        "edits": args.edits,
        "demo_build_s": round(demo_s, 2),
        "edit_wall_s_median": round(statistics.median(walls), 3),
        "edit_wall_s": [round(w, 3) for w in walls],
        "step_s_median": {k: round(statistics.median(v), 3) for k, v in steps.items()},
        "final_duration_s": round(final.duration, 3),
    }))  # fmt: skip


if __name__ == "__main__":
    main()

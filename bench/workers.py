"""Edits as jobs on real worker processes: throughput, recovery after kill -9, queue overhead.

Prints one JSON line:
  edits, workers, concurrency   16 edits on 2 `python -m editing worker` processes x 8
  provider_s                    how long one (fake Replicate) prediction takes
  wall_s                        first submit to last edit landed
  ratio_to_ideal                wall_s / provider_s (goal <= 1.5)
  recovery_s                    kill -9 of the worker mid-edit -> the sweeper of another worker has
                                closed or requeued it (goal <= 30)
  queue_overhead_s              per edit, submit->done through the queue minus the same edit run
                                directly, with instant (offline) providers (goal < 0.3)

Everything runs on an embedded PostgreSQL in a temporary directory and a fake Replicate
server on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from editing.config import load_settings  # noqa: E402
from editing.context import Atelier  # noqa: E402
from editing.db import engine  # noqa: E402
from editing.demo import create_demo_campaign  # noqa: E402
from editing.jobs.queue import EditRequest, job_status, submit_edit  # noqa: E402
from editing.pipeline import edit_scene  # noqa: E402
from tests.fakes.replicate_server import FakeReplicate, PredictionScript, make_tiny_mp4  # noqa: E402
from tests.jobs.harness import WorkerProcess, process_env, row, wait_until  # noqa: E402

FAST = {"ATELIER_VIDEO_WIDTH": "360", "ATELIER_VIDEO_HEIGHT": "640", "ATELIER_VIDEO_FPS": "12"}

#: These benchmarks measure regenerations (a quick adjust pays and waits for nothing).
REGENERATE = EditRequest(method="regenerate")


def _env(root: Path, url: str, replicate: FakeReplicate | None) -> dict[str, str]:
    env = {**FAST, "ATELIER_DATA_DIR": str(root / "data"), "DATABASE_URL": url}
    if replicate is not None:
        env |= {"REPLICATE_API_TOKEN": replicate.api_token or "", "REPLICATE_BASE_URL": replicate.base_url,
                "TRUSTED_MEDIA_HOSTS": replicate.host, "REPLICATE_POLL_INTERVAL": "0.5"}  # fmt: skip
    return env


def throughput(root: Path, url: str, edits: int, workers: int, concurrency: int, seconds: float) -> float:
    """Wall time of ``edits`` edits (different scenes) on ``workers`` worker processes."""
    clip = make_tiny_mp4(seconds=1.5, size=(144, 256), fps=24)
    with FakeReplicate(video=clip, default_script=PredictionScript(seconds=seconds)) as replicate:
        env = _env(root, url, replicate)
        ctx = Atelier.open(load_settings(env=env))
        procs = [
            WorkerProcess(process_env(env), root / f"w{i}.log", concurrency=concurrency)
            for i in range(workers)
        ]
        try:
            cid = str(create_demo_campaign(ctx, scenes=edits, scene_duration=1.0))
            for p in procs:
                p.wait_ready()
            started = time.monotonic()
            jobs = [
                submit_edit(ctx, cid, i, "warmer light, slow dolly in", request=REGENERATE).job_id
                for i in range(edits)
            ]
            wait_until(lambda: all(job_status(ctx, j).done for j in jobs), timeout=600, poll=0.1)
            wall = time.monotonic() - started
            bad = [s.error for s in (job_status(ctx, j) for j in jobs) if s.status != "completed"]
            if bad:
                raise RuntimeError(f"{len(bad)} edits failed: {bad[0]}")
            return wall
        finally:
            for p in procs:
                p.stop()
            ctx.close()


def recovery(root: Path, url: str) -> float:
    """Seconds from kill -9 of the worker running an edit to another worker's sweeper taking it over."""
    clip = make_tiny_mp4(seconds=1.5, size=(144, 256), fps=24)
    with FakeReplicate(video=clip, default_script=PredictionScript(seconds=20)) as replicate:
        env = _env(root, url, replicate)
        ctx = Atelier.open(load_settings(env=env))
        doomed = WorkerProcess(process_env(env), root / "doomed.log", concurrency=2)
        survivor = None
        try:
            cid = str(create_demo_campaign(ctx, scenes=1, scene_duration=1.0, name="recovery"))
            doomed.wait_ready()
            response = submit_edit(ctx, cid, 0, "make it warmer", request=REGENERATE)
            wait_until(lambda: row(ctx, response.edit_id).prediction_id, timeout=60)
            lease = row(ctx, response.edit_id).lease_key
            # started once the doomed worker runs the edit, so it is the one killed
            survivor = WorkerProcess(process_env(env), root / "survivor.log", concurrency=2).wait_ready()
            doomed.kill()
            killed = time.monotonic()
            taken = lambda: row(ctx, response.edit_id).lease_key != lease  # noqa: E731  closed or requeued
            wait_until(taken, timeout=120, poll=0.05)
            return time.monotonic() - killed
        finally:
            for p in (doomed, survivor):
                if p is not None:
                    p.kill()
            ctx.close()


def overhead(root: Path, url: str, edits: int) -> float:
    """Median per-edit time through the queue minus the same edit run directly (offline providers)."""
    env = _env(root, url, None)
    ctx = Atelier.open(load_settings(env=env))
    worker = WorkerProcess(process_env(env), root / "overhead.log", concurrency=2)
    try:
        cid = str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0, name="overhead"))
        worker.wait_ready()
        direct, queued = [], []
        for i in range(edits):
            instruction = "brighter" if i % 2 else "darker"
            t0 = time.monotonic()
            edit_scene(ctx, cid, 0, instruction, method="regenerate")
            direct.append(time.monotonic() - t0)
            t0 = time.monotonic()
            job = submit_edit(ctx, cid, 1, instruction, request=REGENERATE).job_id
            wait_until(lambda j=job: job_status(ctx, j).done, timeout=60, poll=0.005)  # type: ignore[misc]
            queued.append(time.monotonic() - t0)
        return statistics.median(queued) - statistics.median(direct)
    finally:
        worker.stop()
        ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--provider-seconds", type=float, default=15.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="atelier-bench-workers-"))
    try:
        url = engine.embedded_postgres_url(root / "pg")
        wall = throughput(root, url, args.edits, args.workers, args.concurrency, args.provider_seconds)
        result: dict[str, Any] = {
            "bench": "workers",
            "edits": args.edits,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "provider_s": args.provider_seconds,
            "wall_s": round(wall, 2),
            "ratio_to_ideal": round(wall / args.provider_seconds, 3),
            "recovery_s": round(recovery(root, url), 2),
            "queue_overhead_s": round(overhead(root, url, 9), 3),
            "format": "360x640@12, 1 s scenes",
        }
        print(json.dumps(result))
    finally:
        engine.stop_embedded_postgres(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Edit commands: edit (as a job, waiting by default), job, worker."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from editing.cli.common import line, out, say, scene_index
from editing.context import Atelier
from editing.errors import AtelierError
from editing.jobs.queue import JobStatus, job_status, submit_edit, wait_for
from editing.jobs.runner import Worker


@contextmanager
def inline_worker(ctx: Atelier) -> Iterator[None]:
    """With ATELIER_WORKERS=inline, this process runs edit jobs while the block runs."""
    if ctx.settings.workers != "inline":
        yield
        return
    worker = Worker(ctx)
    worker.start_thread()
    try:
        yield
    finally:
        worker.stop()


def _progress(status: JobStatus) -> None:
    pct = f" {status.fraction:.0%}" if status.fraction is not None else ""
    say(f"[{status.elapsed_s:6.2f}s] {status.status:<9} {status.step or '':<15}{pct} {status.message or ''}")


def cmd_edit(ctx: Atelier, args: argparse.Namespace) -> None:
    index = scene_index(args.scene)
    who = {"brand": args.brand, "user": args.user, "idempotency_key": args.idempotency_key}
    response = submit_edit(ctx, args.campaign, index, args.instruction, **who)
    if args.no_wait:
        if args.json:
            out(response.to_dict())
        else:
            cost, seconds = response.estimated_cost, response.estimated_duration_seconds
            line(f"job {response.job_id}: {response.message} (about ${cost:.4f}, {seconds}s)")
            line(f"follow it with: python -m editing job {response.job_id}")
        return
    with inline_worker(ctx):
        status = wait_for(ctx, response.job_id, on_change=_progress if args.verbose else None)
    if status.status != "completed" or status.result is None:
        raise AtelierError(status.error or f"edit {status.edit_id} ended {status.status}")
    result = status.result
    if args.json:
        out(result)
        return
    line(str(result["changes_summary"]))
    line(f"cost ${result['cost']:.4f} in {result['elapsed_s']:.1f}s")
    line(f"final video: {result['new_video_url']}")


def cmd_job(ctx: Atelier, args: argparse.Namespace) -> None:
    status = job_status(ctx, args.job_id, brand=args.brand)
    if args.json:
        out(status.to_dict())
        return
    pct = f" {status.fraction:.0%}" if status.fraction is not None else ""
    line(f"job {status.job_id} (edit {status.edit_id}): {status.status}, {status.step or '-'}{pct}")
    line(f"elapsed {status.elapsed_s:.1f}s")
    if status.error:
        line(f"error: {status.error}")
    if status.result:
        line(f"final video: {status.result['new_video_url']}")


def cmd_worker(ctx: Atelier, args: argparse.Namespace) -> None:
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    Worker(ctx, concurrency=args.concurrency).run()


def register(add: object) -> None:
    """Add the edit commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    e = add("edit", cmd_edit, "edit one scene (0-based index) as a job and wait for it")
    e.add_argument("campaign")
    e.add_argument("scene", help="0-based scene index")
    e.add_argument("instruction")
    e.add_argument("--no-wait", action="store_true", help="print the seed's EditSceneResponse at once")
    e.add_argument("--idempotency-key", help="the same key twice gives the same edit (one charge)")
    j = add("job", cmd_job, "a job's status, step, progress and result")
    j.add_argument("job_id")
    w = add("worker", cmd_worker, "run edit jobs (ATELIER_WORKERS=external) until stopped")
    w.add_argument(
        "--concurrency", type=int, default=None, help="edits at once (default ATELIER_WORKER_CONCURRENCY)"
    )

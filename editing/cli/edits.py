"""Edit commands: edit (as a job, waiting by default), job, worker."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from editing.cli.common import add_variation, line, out, say, scene_index, variation_of
from editing.context import Atelier
from editing.errors import AtelierError, InputError
from editing.jobs.group import wait_for_group
from editing.jobs.queue import EditRequest, JobStatus, job_status, submit_edit, submit_group, wait_for
from editing.jobs.runner import Worker
from editing.methods import CHOICES, DEFAULT_METHOD
from editing.preview import preview_edit


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


def _request(args: argparse.Namespace) -> EditRequest:
    return EditRequest(
        method=args.method,
        keep_length=not args.new_length,
        preview_id=args.preview,
        prompt=args.prompt,
        variation=variation_of(args),
    )


def cmd_edit(ctx: Atelier, args: argparse.Namespace) -> None:
    if args.scene == "all":
        _edit_all(ctx, args)
        return
    index = scene_index(args.scene)
    if args.instruction is None and args.preview is None:
        raise InputError("Say what should change (an instruction), or give --preview PREVIEW_ID")
    who = {"brand": args.brand, "user": args.user, "idempotency_key": args.idempotency_key}
    response = submit_edit(ctx, args.campaign, index, args.instruction or "", request=_request(args), **who)
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
    line(f"{status.method}: {result['changes_summary']}")
    line(f"cost ${result['cost']:.4f} in {result['elapsed_s']:.1f}s")
    line(f"final video: {result['new_video_url']}")


def _edit_all(ctx: Atelier, args: argparse.Namespace) -> None:
    if args.instruction is None or args.preview or args.prompt:
        raise InputError(
            "`edit CAMPAIGN all` takes one instruction for every scene (no --preview or --prompt)"
        )
    submission = submit_group(
        ctx,
        args.campaign,
        args.instruction,
        brand=args.brand,
        user=args.user,
        method=args.method,
        keep_length=not args.new_length,
        variation=variation_of(args),
    )
    if not args.json:
        for index, why in submission.refused.items():
            say(f"scene {index}: refused, {why}")
        say(f"{len(submission.accepted)} scenes, about ${submission.estimated_cost:.4f}")
    with inline_worker(ctx):
        status = wait_for_group(ctx, submission.group_id, refused=submission.refused)
    if args.json:
        out(status.to_dict())
    else:
        for e in status.edits:
            what = (e.result or {}).get("changes_summary") if e.status == "completed" else e.error
            line(f"scene {e.scene_index}: {e.status} ({e.method}, ${e.cost:.4f}) {what or ''}")
        line(f"group {status.status}: cost ${status.cost:.4f}")
        line(f"final video: {status.final_video_url}")
    if status.status != "completed":
        failed = ", ".join(str(e.scene_index) for e in status.failed)
        raise AtelierError(f"edit group {status.group_id}: scenes {failed} failed (the others are saved)")


def cmd_preview(ctx: Atelier, args: argparse.Namespace) -> None:
    preview = preview_edit(
        ctx,
        args.campaign,
        scene_index(args.scene),
        args.instruction,
        brand=args.brand,
        user=args.user,
        keep_length=not args.new_length,
        variation=variation_of(args),
    )
    if args.json:
        out(preview.to_dict())
        return
    line(f"preview {preview.preview_id} (cost ${preview.cost:.4f})")
    line(f"summary: {preview.changes_summary}")
    line("prompt: " + "".join(_marked(p.kind, p.text) for p in preview.diff))
    for o in preview.options:
        star = "*" if o.recommended else " "
        line(f"{star} {o.method:<10} ${o.estimated_cost:.4f}  ~{o.estimated_seconds:.0f}s  {o.does}")
    line(f"make it with: python -m editing edit {preview.campaign_id} {preview.scene_index} "
         f"--preview {preview.preview_id} [--method adjust|regenerate]")  # fmt: skip


def _marked(kind: str, text: str) -> str:
    return {"added": f"[+{text.rstrip()}] ", "removed": f"[-{text.rstrip()}] "}.get(kind, text)


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
    e = add("edit", cmd_edit, "edit one scene (0-based index) or all of them, as jobs, and wait")
    e.add_argument("campaign")
    e.add_argument("scene", help="0-based scene index, or 'all' for every scene (one final at the end)")
    e.add_argument("instruction", nargs="?", help="what should change (optional with --preview)")
    e.add_argument(
        "--method", choices=CHOICES, default=DEFAULT_METHOD, help="quick adjust, regenerate, or auto"
    )
    e.add_argument("--new-length", action="store_true", help="a speed change changes the scene's length")
    e.add_argument("--preview", help="make the edit of this preview (its prompt: no second LLM call)")
    e.add_argument("--prompt", help="with --preview: the prompt corrected by hand")
    e.add_argument("--no-wait", action="store_true", help="print the seed's EditSceneResponse at once")
    e.add_argument("--idempotency-key", help="the same key twice gives the same edit (one charge)")
    add_variation(e)
    pv = add("preview", cmd_preview, "rewrite the prompt only: diff, methods, estimates (no video)")
    pv.add_argument("campaign")
    pv.add_argument("scene", help="0-based scene index")
    pv.add_argument("instruction")
    pv.add_argument("--new-length", action="store_true", help="a speed change changes the scene's length")
    add_variation(pv)
    j = add("job", cmd_job, "a job's status, step, progress and result")
    j.add_argument("job_id")
    w = add("worker", cmd_worker, "run edit jobs (ATELIER_WORKERS=external) until stopped")
    w.add_argument(
        "--concurrency", type=int, default=None, help="edits at once (default ATELIER_WORKER_CONCURRENCY)"
    )

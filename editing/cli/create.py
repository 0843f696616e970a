"""Create a campaign from a brief: create --brief (or --estimate, --status, --retry), templates."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from editing import create
from editing.cli.common import line, out, say
from editing.cli.edits import inline_worker
from editing.context import Atelier
from editing.errors import AtelierError


def _progress(status: create.CreationStatus) -> None:
    done = status.completed_scenes
    say(f"{status.state}: {done}/{len(status.scenes)} scenes")
    for s in status.scenes:
        if s.state in ("running", "failed"):
            pct = f" {s.fraction:.0%}" if s.fraction is not None else ""
            say(f"  variation {s.variation} scene {s.scene_index}: {s.state}{pct} {s.error or s.message}")


def _follow(ctx: Atelier, args: argparse.Namespace, started: create.CreationStarted) -> dict[str, Any]:
    """The answer, after following the creation to its end with --wait."""
    answer = started.to_dict()
    if not args.wait:
        return answer
    with inline_worker(ctx):
        status = create.wait_for_creation(
            ctx, started.campaign_id, on_change=_progress if args.verbose else None
        )
    answer.update(status=status.state, cost=status.cost, error=status.error)
    return answer


def cmd_create(ctx: Atelier, args: argparse.Namespace) -> None:
    if args.status:
        status = create.creation_status(ctx, args.status, brand=args.brand)
        if args.json:
            out(status.to_dict())
        else:
            line(f"{status.state}: {status.completed_scenes}/{len(status.scenes)} scenes, ${status.cost:.4f}")
        return
    if args.retry:
        started = create.retry_creation(ctx, args.retry, brand=args.brand)
    else:
        brief = create.load_brief(Path(args.brief))
        if args.estimate:
            estimate = create.estimate_creation(ctx, brief)
            out(estimate.to_dict()) if args.json else line(
                f"{estimate.scenes} scenes × {estimate.variations} on {estimate.provider}: "
                f"${estimate.cost:.4f}, about {estimate.estimated_seconds}s"
            )
            return
        started = create.start_creation(ctx, brief, user=args.user, brand=args.brand)
    answer = _follow(ctx, args, started)
    if args.json:
        out(answer)
    else:
        line(f"campaign {started.campaign_id} ({started.name}): {answer.get('status', 'queued')}, "
             f"estimated ${started.estimated_cost:.4f}")  # fmt: skip
    if answer.get("status") == "failed":
        raise AtelierError(f"campaign {started.campaign_id} failed: {answer.get('error')}")


def cmd_templates(ctx: Atelier, args: argparse.Namespace) -> None:
    found = create.templates()
    if args.json:
        out({k: {"title": t.title, "duration": t.duration, "style_spec": dict(t.style),
                 "scenes": [dict(s) for s in t.scenes]} for k, t in found.items()})  # fmt: skip
        return
    for key, t in found.items():
        line(f"{key}  {t.duration:g}s  {t.title}")


def register(add: object) -> None:
    """Add `create` and `templates` (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    c = add("create", cmd_create, "create a campaign from a brief: every scene as a job, then the final")
    what = c.add_mutually_exclusive_group(required=True)
    what.add_argument("--brief", help="a brief (JSON file; see examples/brief.json)")
    what.add_argument("--status", metavar="CAMPAIGN", help="a creation's progress, scene by scene")
    what.add_argument("--retry", metavar="CAMPAIGN", help="run again what a failed creation did not finish")
    c.add_argument("--estimate", action="store_true", help="only print the estimate of --brief")
    c.add_argument("--wait", action="store_true", help="wait until the campaign is ready (or failed)")
    c.add_argument("--brand", default=argparse.SUPPRESS, help="act as this brand")
    add("templates", cmd_templates, "the templates a brief can start from")

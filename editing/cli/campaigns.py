"""Campaign commands: demo, campaigns, scenes, history, check."""

from __future__ import annotations

import argparse
import sys

from editing import access, campaigns, demo, health
from editing.cli.common import add_variation, line, out, variation_of
from editing.context import Atelier
from editing.domain import edit_history_summary


def _say(step: str, message: str) -> None:
    sys.stderr.write(f"{step}: {message}\n")


def cmd_demo(ctx: Atelier, args: argparse.Namespace) -> None:
    brand = args.brand_name or demo.DEMO_BRAND
    access.check_create(ctx, args.brand, brand)
    cid = demo.create_demo_campaign(
        ctx,
        scenes=args.scenes,
        brand=brand,
        on_progress=_say if args.verbose else None,
    )
    if args.json:
        out({"campaign_id": str(cid)})
    else:
        line(f"created demo campaign {cid}")


def cmd_campaigns(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = campaigns.list_campaigns(ctx, brand=args.brand)
    if args.json:
        out([r.to_dict() for r in rows])
        return
    for r in rows:
        line(f"{r.campaign_id}  {r.brand} / {r.name}  {r.scenes} scenes  ${r.cost:.4f}  {r.status}")


def cmd_scenes(ctx: Atelier, args: argparse.Namespace) -> None:
    scenes = campaigns.list_scenes(ctx, args.campaign, brand=args.brand, variation=variation_of(args))
    if args.json:
        out([s.to_dict() for s in scenes])
        return
    for s in scenes:
        edited = f"edited {s.edit_count}x, last {s.last_edited_at}" if s.edit_count else "never edited"
        line(f"[{s.scene_index}] {s.role:<9} {s.duration}s  {edited}\n    {s.background_prompt}")


def cmd_history(ctx: Atelier, args: argparse.Namespace) -> None:
    records = campaigns.get_history(ctx, args.campaign, brand=args.brand)
    if args.summary:
        out(edit_history_summary(records))
        return
    if args.json:
        out([r.to_dict() for r in records])
        return
    for r in records:
        line(f"{r.timestamp}  scene {r.scene_index}  {r.status:<9} ${r.cost:.4f}  {r.elapsed_s:.1f}s")
        line(f"    {r.edit_prompt!r}")
        line(f"    {r.changes_summary or r.error or ''}")


def cmd_check(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = health.check_all(ctx)
    if args.json:
        out([r.to_dict() for r in rows])
    else:
        for r in rows:
            line(f"{r.kind:<16} {r.provider:<10} {'ok' if r.ok else 'FAIL':<5} {r.detail}")
    if not all(r.ok for r in rows):
        raise SystemExit(1)


def register(add: object) -> None:
    """Add the campaign commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    add("demo", cmd_demo, "create a demo campaign").add_argument("--scenes", type=int, default=5)
    add("campaigns", cmd_campaigns, "list campaigns")
    sc = add("scenes", cmd_scenes, "list a campaign's scenes (SceneInfo)")
    sc.add_argument("campaign")
    add_variation(sc)
    h = add("history", cmd_history, "a campaign's edit history (EditHistoryRecord)")
    h.add_argument("campaign")
    h.add_argument(
        "--summary", action="store_true", help="print the seed's {edits, total_edit_cost, edit_count} dict"
    )
    add("check", cmd_check, "show the active providers and whether each answers")

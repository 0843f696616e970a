"""`python -m editing`: every capability of the app, scriptable without a browser.

A thin face over the same functions the Streamlit pages call. Errors are one line
on stderr with a non-zero exit; ``--json`` prints the seed-shaped records.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from editing import campaigns, demo, health
from editing.config import load_settings
from editing.context import Atelier
from editing.domain import edit_history_summary
from editing.errors import AtelierError, InputError
from editing.pipeline import ProgressEvent, edit_scene
from editing.startup import startup

log = logging.getLogger("editing.cli")


def _out(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def _line(text: str) -> None:
    sys.stdout.write(text + "\n")


def _progress(event: ProgressEvent) -> None:
    if event.state == "done":
        sys.stderr.write(f"[{event.elapsed_s:5.2f}s] {event.label}: {event.message}\n")


def _say(step: str, message: str) -> None:
    sys.stderr.write(f"{step}: {message}\n")


def cmd_demo(ctx: Atelier, args: argparse.Namespace) -> None:
    cid = demo.create_demo_campaign(
        ctx,
        scenes=args.scenes,
        brand=args.brand or demo.DEMO_BRAND,
        on_progress=_say if args.verbose else None,
    )
    if args.json:
        _out({"campaign_id": str(cid)})
    else:
        _line(f"created demo campaign {cid}")


def cmd_campaigns(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = campaigns.list_campaigns(ctx, brand=args.brand)
    if args.json:
        _out([r.to_dict() for r in rows])
        return
    for r in rows:
        _line(f"{r.campaign_id}  {r.brand} / {r.name}  {r.scenes} scenes  ${r.cost:.4f}  {r.status}")


def cmd_scenes(ctx: Atelier, args: argparse.Namespace) -> None:
    scenes = campaigns.list_scenes(ctx, args.campaign, brand=args.brand)
    if args.json:
        _out([s.to_dict() for s in scenes])
        return
    for s in scenes:
        edited = f"edited {s.edit_count}x, last {s.last_edited_at}" if s.edit_count else "never edited"
        _line(f"[{s.scene_index}] {s.role:<9} {s.duration}s  {edited}\n    {s.background_prompt}")


def cmd_edit(ctx: Atelier, args: argparse.Namespace) -> None:
    progress = _progress if args.verbose else None
    result = edit_scene(
        ctx,
        args.campaign,
        args.scene,
        args.instruction,
        brand=args.brand,
        user=args.user,
        on_progress=progress,
    )
    if args.json:
        _out(result)
        return
    _line(result["changes_summary"])
    _line(f"cost ${result['cost']:.4f} in {result['elapsed_s']:.1f}s")
    _line(f"final video: {result['new_video_url']}")


def cmd_history(ctx: Atelier, args: argparse.Namespace) -> None:
    records = campaigns.get_history(ctx, args.campaign, brand=args.brand)
    if args.summary:
        _out(edit_history_summary(records))
        return
    if args.json:
        _out([r.to_dict() for r in records])
        return
    for r in records:
        _line(f"{r.timestamp}  scene {r.scene_index}  {r.status:<9} ${r.cost:.4f}  {r.elapsed_s:.1f}s")
        _line(f"    {r.edit_prompt!r}")
        _line(f"    {r.changes_summary or r.error or ''}")


def cmd_costs(ctx: Atelier, args: argparse.Namespace) -> None:
    summary = campaigns.cost_summary(ctx, brand=args.brand)
    if args.json:
        _out(summary.to_dict())
        return
    for r in summary.campaigns:
        _line(f"{r.campaign_id}  {r.campaign:<40} {r.edits:>3} edits  ${r.edit_cost:.4f}")
    _line(f"total: {summary.total_edits} edits, ${summary.total_edit_cost:.4f}")


def cmd_check(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = health.check_all(ctx)
    if args.json:
        _out([r.to_dict() for r in rows])
    else:
        for r in rows:
            _line(f"{r.kind:<16} {r.provider:<10} {'ok' if r.ok else 'FAIL':<5} {r.detail}")
    if not all(r.ok for r in rows):
        raise SystemExit(1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m editing", description="Atelier: edit perfume ad scenes.")
    p.add_argument("--brand", help="act as this brand (campaigns of other brands are not visible)")
    p.add_argument("--user", help="name recorded on edits (default ATELIER_USER)")
    p.add_argument("-v", "--verbose", action="store_true", help="show each step's progress on stderr")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn: Any, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    add("demo", cmd_demo, "create a demo campaign").add_argument("--scenes", type=int, default=5)
    add("campaigns", cmd_campaigns, "list campaigns")
    add("scenes", cmd_scenes, "list a campaign's scenes (SceneInfo)").add_argument("campaign")
    e = add("edit", cmd_edit, "edit one scene (0-based index) and re-render the ad")
    e.add_argument("campaign")
    e.add_argument("scene", type=int)
    e.add_argument("instruction")
    h = add("history", cmd_history, "a campaign's edit history (EditHistoryRecord)")
    h.add_argument("campaign")
    h.add_argument(
        "--summary", action="store_true", help="print the seed's {edits, total_edit_cost, edit_count} dict"
    )
    add("costs", cmd_costs, "edit spend per campaign and in total")
    add("check", cmd_check, "show the active providers and whether each answers")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if args.brand and settings.brand and args.brand != settings.brand:
            raise InputError(f"--brand {args.brand!r} contradicts ATELIER_BRAND={settings.brand!r}")
        args.brand = args.brand or settings.brand
        ctx = Atelier.open(settings)
        startup(ctx)
        try:
            args.fn(ctx, args)
        finally:
            ctx.close()
    except AtelierError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return 0

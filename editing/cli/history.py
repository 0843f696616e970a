"""Version commands: versions, revert, undo, finals, compare, continuity, match."""

from __future__ import annotations

import argparse

from editing import versions
from editing.cli.common import add_variation, line, out, scene_index, variation_of
from editing.cli.edits import inline_worker
from editing.compare import compare_edit
from editing.context import Atelier
from editing.continuity import continuity_flags, submit_match
from editing.errors import AtelierError, InputError
from editing.jobs.queue import wait_for
from editing.revert import revert_scene, undo_last_edit


def _version(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise InputError(f"A version is a plain number like 1 or 3, not {text!r}")
    return int(text)


def cmd_versions(ctx: Atelier, args: argparse.Namespace) -> None:
    listed = versions.list_scene_versions(
        ctx, args.campaign, scene_index(args.scene), brand=args.brand, variation=variation_of(args)
    )
    if args.json:
        out([v.to_dict() for v in listed])
        return
    for v in listed:
        mark = "*" if v.current else " "
        who = f"{v.method:<10} ${v.cost:.4f}  {v.created_by}"
        line(f"{mark} v{v.version:<3} {v.created_at}  {who}  {v.prompt[:60]}")


def _result(args: argparse.Namespace, result: dict[str, object]) -> None:
    if args.json:
        out(result)
    else:
        line(f"{result['changes_summary']} (free, {result['elapsed_s']}s)")
        line(f"final video: {result['new_video_url']}")


def cmd_revert(ctx: Atelier, args: argparse.Namespace) -> None:
    index, version = scene_index(args.scene), _version(args.version)
    who = {"brand": args.brand, "user": args.user, "variation": variation_of(args)}
    _result(args, revert_scene(ctx, args.campaign, index, version, **who))


def cmd_undo(ctx: Atelier, args: argparse.Namespace) -> None:
    who = {"brand": args.brand, "user": args.user, "variation": variation_of(args)}
    _result(args, undo_last_edit(ctx, args.campaign, scene_index(args.scene), **who))


def cmd_finals(ctx: Atelier, args: argparse.Namespace) -> None:
    listed = versions.list_final_versions(ctx, args.campaign, brand=args.brand, variation=variation_of(args))
    if args.json:
        out([f.to_dict() for f in listed])
        return
    for f in listed:
        mark = "*" if f.current else " "
        line(f"{mark} v{f.version:<3} {f.created_at}  edit {f.edit_id or '-':<36}  {f.video_url}")


def cmd_compare(ctx: Atelier, args: argparse.Namespace) -> None:
    cmp = compare_edit(ctx, args.edit_id, brand=args.brand)
    if args.json:
        out(cmp.to_dict())
        return
    line(f"edit {cmp.edit_id}: scene {cmp.scene_index}, {cmp.method}: {cmp.changes_summary}")
    line(f"scene before: {cmp.scene_before_url}\nscene after:  {cmp.scene_after_url}")
    line(f"ad before:    {cmp.final_before_url}\nad after:     {cmp.final_after_url}")
    for at, before, after in zip(cmp.moments, cmp.frames_before, cmp.frames_after, strict=True):
        line(f"  {at:5.2f}s  {before}  {after}")


def cmd_continuity(ctx: Atelier, args: argparse.Namespace) -> None:
    flags = continuity_flags(ctx, args.campaign, brand=args.brand)
    if args.json:
        out([f.to_dict() for f in flags])
        return
    if not flags:
        line("every scene sits with its neighbours as in the original cut")
    for f in flags:
        hint = f"python -m editing match {args.campaign} {f.scene_index}"
        line(f"scene {f.scene_index}: {f.message} (match it: {hint})")


def cmd_match(ctx: Atelier, args: argparse.Namespace) -> None:
    response = submit_match(ctx, args.campaign, scene_index(args.scene), brand=args.brand, user=args.user)
    with inline_worker(ctx):
        status = wait_for(ctx, response.job_id)
    if status.status != "completed" or status.result is None:
        raise AtelierError(status.error or f"edit {status.edit_id} ended {status.status}")
    _result(args, status.result)


def register(add: object) -> None:
    """Add the version commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    for name, fn, help_ in (
        ("versions", cmd_versions, "every version of a scene (0-based index); * is current"),
        ("undo", cmd_undo, "make the version before the current one current again (free)"),
    ):
        sp = add(name, fn, help_)
        sp.add_argument("campaign")
        sp.add_argument("scene", help="0-based scene index")
        add_variation(sp)
    r = add("revert", cmd_revert, "make an earlier version of a scene current again (free)")
    r.add_argument("campaign")
    r.add_argument("scene", help="0-based scene index")
    r.add_argument("version", help="the version number (see `versions`)")
    add_variation(r)
    fv = add("finals", cmd_finals, "every final video of a campaign variation, with the edit that made it")
    fv.add_argument("campaign")
    add_variation(fv)
    add("compare", cmd_compare, "an edit's scene and ad, before and after").add_argument("edit_id")
    add("continuity", cmd_continuity, "scenes that stand out from their neighbours").add_argument("campaign")
    m = add("match", cmd_match, "quick adjust ($0) a flagged scene to match its neighbours")
    m.add_argument("campaign")
    m.add_argument("scene", help="0-based scene index")

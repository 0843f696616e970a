"""Variation commands: variations, select-variation, new-variation."""

from __future__ import annotations

import argparse

from editing import variations
from editing.cli.common import line, out, variation_of
from editing.context import Atelier
from editing.errors import InputError


def _show(v: variations.VariationInfo) -> str:
    mark = "*" if v.selected else " "
    return f"{mark} variation {v.index}  {v.scenes} scenes  ${v.cost:.4f}  {v.final_key or '(no final)'}"


def _print(args: argparse.Namespace, v: variations.VariationInfo) -> None:
    if args.json:
        out(v.to_dict())
    else:
        line(_show(v))


def cmd_variations(ctx: Atelier, args: argparse.Namespace) -> None:
    listed = variations.list_variations(ctx, args.campaign, brand=args.brand)
    if args.json:
        out([v.to_dict() for v in listed])
        return
    for v in listed:
        line(_show(v))


def cmd_select(ctx: Atelier, args: argparse.Namespace) -> None:
    args.variation = args.number
    number = variation_of(args)
    if number is None:
        raise InputError("Say which variation to select")
    chosen = variations.select_variation(ctx, args.campaign, number, brand=args.brand)
    _print(args, chosen)


def cmd_new(ctx: Atelier, args: argparse.Namespace) -> None:
    made = variations.new_variation(
        ctx, args.campaign, source=variation_of(args), brand=args.brand, user=args.user
    )
    _print(args, made)


def register(add: object) -> None:
    """Add the variation commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    add("variations", cmd_variations, "a campaign's variations: scenes, final, spend").add_argument(
        "campaign"
    )
    s = add("select-variation", cmd_select, "mark a variation as the selected one (selected_variation_index)")
    s.add_argument("campaign")
    s.add_argument("number", help="the variation's number (0-based)")
    n = add("new-variation", cmd_new, "a new variation copied from one (files shared, no cost)")
    n.add_argument("campaign")
    n.add_argument("--variation", metavar="N", help="copy variation N (default: the selected one)")

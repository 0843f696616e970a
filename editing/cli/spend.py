"""The cost review and the audit trail: `costs` and `audit` as text, JSON or the pages' CSV."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from editing import campaigns, spend
from editing.cli.common import line, out
from editing.context import Atelier
from editing.errors import InputError


def _period(args: argparse.Namespace) -> spend.Period:
    return spend.Period.parse(args.since, args.until)


def _emit(args: argparse.Namespace, records: Sequence[Any], record_type: type[Any], text: list[str]) -> None:
    """CSV (the pages' download, byte for byte), JSON, or the lines for people."""
    if args.csv:
        sys.stdout.write(spend.to_csv(records, record_type))
    elif args.json:
        out([asdict(r) for r in records])
    else:
        for t in text:
            line(t)


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.4f}"


def cmd_costs(ctx: Atelier, args: argparse.Namespace) -> None:
    if args.csv and args.json:
        raise InputError("--csv or --json, not both")
    period = _period(args)
    if args.kpis:
        _kpis(args, spend.kpis(ctx, brand=args.brand, period=period))
    elif args.budgets:
        burn = spend.burn_down(ctx, brand=args.brand)
        _emit(args, burn.budgets, spend.BudgetSpend, [
            f"{b.brand}{' / ' + b.campaign if b.campaign else ''} {b.period}: {_money(b.spent)} spent, "
            f"{_money(b.held)} held, {_money(b.remaining)} left of {_money(b.limit_usd)}"
            for b in burn.budgets
        ] or ["no budgets"])  # fmt: skip
    elif args.burn_down:
        points = spend.burn_down(ctx, brand=args.brand).points
        _emit(args, points, spend.BurnPoint, [
            f"{p.day}  {p.brand}{' / ' + p.campaign if p.campaign else ''} {p.period}: "
            f"{_money(p.spent_to_date)} spent, {_money(p.remaining)} left" for p in points
        ])  # fmt: skip
    elif args.top is not None:
        _edit_lines(args, spend.most_expensive(ctx, brand=args.brand, period=period, limit=args.top))
    elif args.edits is not None:
        dimension, key = spend.Dimension.parse(args.edits[0]), args.edits[1]
        _edit_lines(args, spend.drill_down(ctx, dimension, key, brand=args.brand, period=period))
    elif args.by is not None or args.csv or period != spend.ALL_TIME:
        dimension = spend.Dimension.parse(args.by or "campaign")
        slices = spend.breakdown(ctx, dimension, brand=args.brand, period=period)
        _emit(args, slices, spend.Slice, [
            f"{s.label[:40]:<40} {s.edits:>8} edits {s.previews:>7} previews  {_money(s.spend):>14}"
            for s in slices
        ])  # fmt: skip
    else:  # the per-campaign summary, as before the dashboard (its JSON is unchanged)
        summary = campaigns.cost_summary(ctx, brand=args.brand)
        if args.json:
            out(summary.to_dict())
            return
        for r in summary.campaigns:
            line(f"{r.campaign_id}  {r.campaign:<40} {r.edits:>3} edits  ${r.edit_cost:.4f}")
        line(f"total: {summary.total_edits} edits, ${summary.total_edit_cost:.4f}")


def _kpis(args: argparse.Namespace, k: spend.Kpis) -> None:
    if args.csv:
        sys.stdout.write(spend.to_csv([k], spend.Kpis))
        return
    if args.json:
        out(asdict(k))
        return
    budget = f" of {_money(k.month_budget)}" if k.month_budget is not None else " (no monthly budget)"
    median = "-" if k.median_seconds is None else f"{k.median_seconds:.1f}s"
    for t in (
        f"this month ({k.month}): {_money(k.month_spend)}{budget}",
        f"edits: {k.edits} ({k.completed} completed, {k.failed} failed), previews: {k.previews}",
        f"spend: {_money(k.spend)}; per completed edit: {_money(k.cost_per_completed)}",
        f"failed edits cost: {_money(k.failed_spend)}; quick adjusts saved: {_money(k.saved)}",
        f"median edit time: {median}",
    ):
        line(t)


def _edit_lines(args: argparse.Namespace, lines: list[spend.EditLine]) -> None:
    _emit(args, lines, spend.EditLine, [
        f"{e.at}  {e.kind:<7} {e.id}  {e.campaign[:30]:<30} scene {e.scene_index} {e.method:<10} "
        f"{e.status:<9} {_money(e.cost):>10}  {e.user}: {e.instruction[:60]}" for e in lines
    ])  # fmt: skip


def cmd_audit(ctx: Atelier, args: argparse.Namespace) -> None:
    if args.csv and args.json:
        raise InputError("--csv or --json, not both")
    lines = spend.audit(
        ctx, brand=args.brand, period=_period(args), actor=args.actor, action=args.action, limit=args.limit
    )
    _emit(args, lines, spend.AuditLine, [
        f"{a.at}  {a.actor}  {a.action:<12} {a.brand}{' / ' + a.campaign if a.campaign else ''} "
        f"{a.target}: {a.details[:80]}{'' if a.cost is None else '  ' + _money(a.cost)}" for a in lines
    ])  # fmt: skip


def _limit(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"a number from 1 to 100000, not {text!r}")
    return int(text)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", action="store_true", help="print CSV (what the page's download button gives)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this UTC day on")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="up to this UTC day, included")


def register(add: object) -> None:
    """Add `costs` and `audit` (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    c = add("costs", cmd_costs, "the cost review: spend per campaign, or one view of the Costs page")
    _common(c)
    view = c.add_mutually_exclusive_group()
    names = ", ".join(d.value for d in spend.Dimension)
    view.add_argument("--by", metavar="DIMENSION", help=f"spend and edits by one of: {names}")
    view.add_argument("--kpis", action="store_true", help="the headline figures")
    view.add_argument("--budgets", action="store_true", help="each budget: spent, held, left")
    view.add_argument("--burn-down", action="store_true", help="each budget's spend to date, day by day")
    view.add_argument("--top", type=_limit, metavar="N", help="the N most expensive edits")
    view.add_argument("--edits", nargs=2, metavar=("DIMENSION", "KEY"), help="the edits of one slice")
    a = add("audit", cmd_audit, "who did what: edits, reverts, previews, budgets, roles, approvals")
    _common(a)
    a.add_argument("--actor", help="only what this person did")
    a.add_argument("--action", help="only this action (edit, revert, upload, preview, budget.set…)")
    a.add_argument("--limit", type=_limit, default=1000, help="the newest N (default 1000)")

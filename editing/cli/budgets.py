"""Budgets and approvals: `budget set|show`, `approvals`, `approve`, `reject`."""

from __future__ import annotations

import argparse

from editing import approvals, budgets
from editing.cli.common import line, out
from editing.context import Atelier


def cmd_budget_set(ctx: Atelier, args: argparse.Namespace) -> None:
    status = budgets.set_budget(
        ctx,
        args.usd,
        brand_name=args.brand_name,
        campaign_id=args.campaign,
        monthly=args.monthly,
        brand=args.brand,
        user=args.user,
    )
    if args.json:
        out(status.to_dict())
    else:
        line(f"{status.label}: ${status.limit_usd:,.2f} (spent ${status.spent_usd:,.4f})")


def cmd_budget_show(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = budgets.list_budgets(ctx, brand=args.brand, campaign_id=args.campaign)
    if args.json:
        out([r.to_dict() for r in rows])
        return
    if not rows:
        line("no budgets")
    for r in rows:
        flag = {"warning": "  ⚠ over 80 %", "reached": "  ✖ reached"}.get(r.level, "")
        line(f"{r.label}: ${r.spent_usd:,.4f} of ${r.limit_usd:,.2f} ({100 * r.fraction:.0f} %){flag}")


def cmd_approvals(ctx: Atelier, args: argparse.Namespace) -> None:
    rows = approvals.list_approvals(ctx, brand=args.brand, status=None if args.all else "pending")
    if args.json:
        out([r.to_dict() for r in rows])
        return
    if not rows:
        line("no approvals waiting")
    for r in rows:
        line(
            f"{r.approval_id}  {r.status:<8} {r.campaign} scene {r.scene_index} "
            f"${r.estimated_cost:.4f} by {r.requested_by}: {r.instruction}"
        )


def _decide(ctx: Atelier, args: argparse.Namespace, approve: bool) -> None:
    info, response = approvals.decide(
        ctx, args.approval_id, approve=approve, brand=args.brand, user=args.user
    )
    if args.json:
        out({"approval": info.to_dict(), "job": response.to_dict() if response else None})
    elif response is not None:
        line(f"approved; edit job {response.job_id} enqueued as {info.requested_by}")
    else:
        line(f"rejected approval {info.approval_id}")


def cmd_approve(ctx: Atelier, args: argparse.Namespace) -> None:
    _decide(ctx, args, True)


def cmd_reject(ctx: Atelier, args: argparse.Namespace) -> None:
    _decide(ctx, args, False)


def register(add: object) -> None:
    assert callable(add)
    s = add("budget", cmd_budget_show, "budgets: `budget set …` or `budget show`")
    sub = s.add_subparsers(dest="budget_command", required=True)
    bs = sub.add_parser("set", help="set a brand's or a campaign's budget (managers)")
    bs.add_argument("--brand", default=argparse.SUPPRESS, help="the brand")
    bs.add_argument("--campaign", help="a campaign id (default: the brand's budget)")
    bs.add_argument("--usd", required=True, help="the limit in USD")
    bs.add_argument("--monthly", action="store_true", help="per calendar month (UTC) instead of in total")
    bs.add_argument("--json", action="store_true", help="print JSON")
    bs.set_defaults(fn=cmd_budget_set)
    bw = sub.add_parser("show", help="budgets, what is spent and what is left")
    bw.add_argument("--campaign", help="the budgets covering this campaign")
    bw.add_argument("--json", action="store_true", help="print JSON")
    bw.set_defaults(fn=cmd_budget_show)
    a = add("approvals", cmd_approvals, "edits over budget waiting for a manager")
    a.add_argument("--all", action="store_true", help="decided ones too")
    for name, fn, help_ in (
        ("approve", cmd_approve, "approve an edit over budget: it is submitted as its requester"),
        ("reject", cmd_reject, "reject an edit over budget"),
    ):
        p = add(name, fn, help_)
        p.add_argument("approval_id")

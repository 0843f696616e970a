"""Team commands: `users add|remove|list|admin`, acting as the global ``--user`` (default: the local user)."""

from __future__ import annotations

import argparse

from editing import team
from editing.cli.common import Parser, line, out
from editing.context import Atelier


def cmd_add(ctx: Atelier, args: argparse.Namespace) -> None:
    member = team.add_member(ctx, args.user, args.email, args.member_brand, args.role)
    if args.json:
        out(member.to_dict())
    else:
        line(f"{member.email} is {member.role} of {member.brand}")


def cmd_remove(ctx: Atelier, args: argparse.Namespace) -> None:
    team.remove_member(ctx, args.user, args.email, args.member_brand)
    if args.json:
        out({"email": args.email.strip().lower(), "brand": args.member_brand, "removed": True})
    else:
        line(f"{args.email} is no longer a member of {args.member_brand}")


def cmd_list(ctx: Atelier, args: argparse.Namespace) -> None:
    members = team.list_members(ctx, args.user, brand=args.member_brand)
    if args.json:
        out([m.to_dict() for m in members])
        return
    for m in members:
        admin = "  admin" if m.is_admin else ""
        line(f"{m.email:<40} {m.brand or '—':<30} {m.role or '—':<8}{admin}")


def cmd_admin(ctx: Atelier, args: argparse.Namespace) -> None:
    user = team.set_admin(ctx, args.user, args.email, admin=not args.revoke)
    if args.json:
        out({"email": user.email, "is_admin": user.is_admin})
    else:
        line(f"{user.email} is {'now' if user.is_admin else 'no longer'} an admin")


def register(add: object) -> None:
    """Add `users` and its sub-commands (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    users: argparse.ArgumentParser = add("users", cmd_list, "members of each brand, their roles, admins")
    sub = users.add_subparsers(dest="users_command", required=True, parser_class=Parser)

    def command(name: str, fn: object, help_: str, *, brand: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
        if brand:
            sp.add_argument("--brand", dest="member_brand", metavar="NAME", required=brand == "required")
        sp.set_defaults(fn=fn)
        return sp

    a = command("add", cmd_add, "give EMAIL a role in a brand (or change it)", brand="required")
    a.add_argument("email")
    a.add_argument("--role", required=True, choices=team.ROLES)
    command("remove", cmd_remove, "take EMAIL out of a brand", brand="required").add_argument("email")
    command("list", cmd_list, "members and their roles (of the brands you manage)", brand="optional")
    d = command("admin", cmd_admin, "make EMAIL admin of everything", brand="")
    d.add_argument("email")
    d.add_argument("--revoke", action="store_true", help="no longer admin")

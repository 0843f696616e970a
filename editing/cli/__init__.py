"""`python -m editing`: every capability of the app, scriptable without a browser.

A thin face over the same functions the Streamlit pages call. Errors are one line
on stderr with a non-zero exit; ``--json`` prints the seed-shaped records.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from editing import access
from editing.cli import (
    budgets,
    campaigns,
    create,
    edits,
    files,
    history,
    spend,
    transfer,
    uploads,
    users,
    variations,
)
from editing.cli.common import Parser
from editing.config import Settings, load_settings
from editing.context import Atelier
from editing.errors import AtelierError, ConfigError, InputError, UnmappableInstructionError
from editing.startup import startup

log = logging.getLogger("editing.cli")

Command = Callable[[Atelier, argparse.Namespace], None]


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m editing", description="Atelier: edit perfume ad scenes.")
    p.add_argument("--brand", help="act as this brand (campaigns of other brands are not visible)")
    p.add_argument(
        "--user",
        help="who acts: once sign-in is in use, an EMAIL checked against its roles (default ATELIER_USER)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="show progress on stderr")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    def add(name: str, fn: Command, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    campaigns.register(add)
    edits.register(add)
    history.register(add)
    files.register(add)
    transfer.register(add)
    budgets.register(add)
    users.register(add)
    uploads.register(add)
    variations.register(add)
    create.register(add)
    spend.register(add)
    return p


def _settings(args: argparse.Namespace) -> Settings:
    """The settings, with --user and --brand checked by the same rules as ATELIER_USER / ATELIER_BRAND."""
    settings = load_settings()
    if args.brand and settings.brand and args.brand != settings.brand:
        raise InputError(f"--brand {args.brand!r} contradicts ATELIER_BRAND={settings.brand!r}")
    overrides: dict[str, Any] = {}
    for flag, var in (("user", "ATELIER_USER"), ("brand", "ATELIER_BRAND")):
        value = getattr(args, flag)
        if value is not None:
            overrides[var] = value
    try:
        settings = load_settings(extra=overrides)
    except ConfigError as exc:
        message = str(exc)
        for flag, var in (("--user", "ATELIER_USER"), ("--brand", "ATELIER_BRAND")):
            message = message.replace(f"{var}:", f"{flag}:") if var in overrides else message
        raise InputError(message) from None
    args.user, args.brand = settings.user, settings.brand
    return settings


def _act_as(ctx: Atelier, args: argparse.Namespace) -> None:
    """``args.brand`` becomes the scope every command passes on (see editing.access); the brand
    name stays in ``args.brand_name`` for the commands that create into a brand."""
    args.brand_name = args.brand
    who = access.access_for(ctx, args.user)
    if not who.local:
        args.brand, args.user = who.narrowed(args.brand), who.user


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        ctx = Atelier.open(_settings(args))
        try:
            startup(ctx)
            _act_as(ctx, args)
            args.fn(ctx, args)
        finally:
            ctx.close()
    except UnmappableInstructionError as exc:
        sys.stderr.write(f"error: refused, nothing was spent or changed: {exc}\n")
        return exc.exit_code
    except AtelierError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return 0

"""Campaigns in and out: import (folder, zip, S3 prefix), export (zip or folder), duplicate."""

from __future__ import annotations

import argparse

from editing import transfer
from editing.cli.common import line, out, say
from editing.context import Atelier


def _progress(step: str, message: str) -> None:
    say(f"{step}: {message}")


def cmd_import(ctx: Atelier, args: argparse.Namespace) -> None:
    result = transfer.import_campaign(
        ctx,
        args.source,
        brand=args.brand_name,
        scope=args.brand,
        on_progress=_progress if args.verbose else None,
    )
    if args.json:
        out({"campaign_id": result.campaign_id})
        return
    line(
        f"imported campaign {result.campaign_id} ({result.brand} / {result.name}): "
        f"{result.scenes} scene{'' if result.scenes == 1 else 's'}, {result.duration:g} s"
    )
    for note in result.notes:
        say(f"note: {note}")


def cmd_export(ctx: Atelier, args: argparse.Namespace) -> None:
    result = transfer.export_campaign(ctx, args.campaign, args.path, brand=args.brand)
    if args.json:
        out(result.to_dict())
    else:
        line(f"exported campaign {result.campaign_id} to {result.path} ({len(result.files)} files)")


def cmd_duplicate(ctx: Atelier, args: argparse.Namespace) -> None:
    result = transfer.duplicate_campaign(ctx, args.campaign, name=args.name, brand=args.brand)
    if args.json:
        out({"campaign_id": result.campaign_id})
    else:
        line(f"created campaign {result.campaign_id} ({result.name}), a copy of {result.source_campaign_id}")


def _brand_option(parser: argparse.ArgumentParser, help_: str) -> None:
    """``--brand`` after the command too; when absent, the one before it (or ATELIER_BRAND) stands."""
    parser.add_argument("--brand", default=argparse.SUPPRESS, help=help_)


def register(add: object) -> None:
    """Add the transfer commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    i = add("import", cmd_import, "import a campaign: a folder, a .zip or s3://bucket/…/campaigns/ID/")
    i.add_argument("source", help="folder, .zip file or s3:// prefix holding campaign.json and its files")
    _brand_option(i, "the brand it goes to (default: campaign.json's brand_name)")
    e = add("export", cmd_export, "write a campaign's files and campaign.json to a .zip or a new folder")
    e.add_argument("campaign")
    e.add_argument("path", help="a new .zip file, or a new or empty folder")
    _brand_option(e, "act as this brand")
    d = add("duplicate", cmd_duplicate, "copy a campaign to try an alternative without touching it")
    d.add_argument("campaign")
    d.add_argument("--name", help="the copy's name (default: the campaign's name + ' (copy)')")
    _brand_option(d, "act as this brand")

"""Store commands: verify (every referenced file against its record), gc (what nothing references)."""

from __future__ import annotations

import argparse

from editing import maintenance
from editing.cli.common import line, out
from editing.context import Atelier
from editing.errors import CorruptFileError


def cmd_verify(ctx: Atelier, args: argparse.Namespace) -> None:
    checks = maintenance.verify(ctx, args.campaign, brand=args.brand)
    bad = [c for c in checks if not c.ok]
    if args.json:
        out([c.to_dict() for c in checks])
    else:
        for c in bad:
            line(f"{c.campaign_id}  {c.key}: {c.problem}")
        line(f"{len(checks)} files checked, {len(bad)} with a problem")
    if bad:
        first = bad[0]
        raise CorruptFileError(
            f"{len(bad)} of {len(checks)} files failed the check, first {first.key}: {first.problem}"
        )


def cmd_gc(ctx: Atelier, args: argparse.Namespace) -> None:
    report = maintenance.gc(ctx, dry_run=args.dry_run, older_than_s=args.older_than)
    if args.json:
        out(report.to_dict())
        return
    verb = "would remove" if args.dry_run else "removed"
    megabytes = report.bytes / 1e6
    for key in report.files:
        line(f"{verb} {key}")
    line(f"{verb} {len(report.files)} files ({megabytes:.1f} MB) and {len(report.work_dirs)} work dirs")


def register(add: object) -> None:
    """Add the store commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    v = add("verify", cmd_verify, "check every file a campaign references against its recorded SHA-256")
    v.add_argument("campaign", nargs="?", help="one campaign (default: every campaign you can see)")
    g = add("gc", cmd_gc, "remove stored files no row references, and stale work directories")
    g.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    g.add_argument(
        "--older-than",
        type=float,
        default=maintenance.GC_MIN_AGE_S,
        help="keep anything younger than this many seconds (default 3600)",
    )

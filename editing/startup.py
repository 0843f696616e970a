"""What every entry point does on start: the app, the CLI and the workers call :func:`startup`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from editing.context import Atelier
from editing.demo import ensure_demo_campaign
from editing.errors import AtelierError
from editing.jobs.sweeper import sweep_once

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartupReport:
    """What start-up did: edits it closed, and why the demo could not be built (if it could not)."""

    closed_edits: int
    demo_error: str | None = None


def startup(ctx: Atelier, *, demo: bool = False) -> StartupReport:
    """Close (or resume) edits a dead process left, and, with ``demo``, build the demo on an empty install.

    Migrations already ran when ``ctx`` was opened (:meth:`Atelier.open`). A demo that cannot
    be built (the store is unreachable, say) is reported, not raised: the rest of the app,
    the Settings page first, must still work.
    """
    closed = sweep_once(ctx).total
    if not demo:
        return StartupReport(closed)
    try:
        ensure_demo_campaign(ctx)
    except AtelierError as exc:
        log.warning("the demo campaign could not be created: %s", exc)
        return StartupReport(closed, str(exc))
    return StartupReport(closed)

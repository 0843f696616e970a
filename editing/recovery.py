"""Closing edits that a process left running when it died (restart, OOM, kill)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import AtelierError

log = logging.getLogger(__name__)

INTERRUPTED = "Interrupted: the process running this edit stopped; nothing was changed"


def recover_interrupted_edits(ctx: Atelier, *, older_than_s: float | None = None) -> int:
    """Close edits left 'running' by a process that died; returns how many were closed.

    A row still running after the longest an edit can take is marked failed; if it had
    a paid prediction whose cost was not yet recorded, the generator's estimate is
    recorded (money is never silently lost); the campaign leaves 'processing'.
    """
    limit = older_than_s if older_than_s is not None else ctx.settings.replicate_timeout_s + 900
    cutoff = datetime.now(UTC) - timedelta(seconds=limit)
    closed = 0
    with ctx.db.Session.begin() as session:
        rows = session.scalars(
            select(EditHistory)
            .where(EditHistory.status == "running", EditHistory.timestamp < cutoff)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            campaign = session.get(Campaign, row.campaign_id, with_for_update=True)
            _close(ctx, row, campaign)
            closed += 1
    if closed:
        log.warning("closed %d edit(s) interrupted by a stopped process", closed)
    return closed


def _close(ctx: Atelier, row: EditHistory, campaign: Campaign | None) -> None:
    """Mark the row failed with what it spent (a recorded paid prediction at its estimate)."""
    breakdown = dict(row.cost_breakdown or {})
    if row.prediction_id and "video" not in breakdown and row.video_provider and campaign:
        scene = campaign.campaign_json["scenes"][row.scene_index]
        try:
            estimate = ctx.video_generator(row.video_provider).estimate_cost(float(scene["duration"]))
        except AtelierError as exc:
            log.warning("cannot estimate the cost of prediction %s: %s", row.prediction_id, exc)
        else:
            breakdown["video"] = estimate
    total = Decimal(str(round(sum(breakdown.values()), 6)))
    row.status, row.error, row.cost_breakdown, row.cost = "failed", INTERRUPTED, breakdown, total
    if campaign is not None:
        # A running edit's spend is charged to the campaign only when it ends: now.
        campaign.cost = (campaign.cost or Decimal(0)) + total
        if campaign.status == "processing":
            campaign.status, campaign.error_message = "failed", INTERRUPTED

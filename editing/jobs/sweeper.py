"""Closing, or resuming, edits whose process died; every worker and app process sweeps.

A running edit holds a lease (:mod:`editing.jobs.lease`). The sweeper tries each running
edit's lease inside its own transaction: if it gets it, nobody holds it, the process that
ran the edit is gone. The edit is then resumed from its recorded paid prediction when its
provider can pick it up (a new job, no second charge), or closed: failed, with what it
spent (a recorded prediction at its estimate), its campaign out of ``processing``, the
old scene and final still current. An edit a live process runs is never touched.

Queued edits whose job can no longer run them (the job was lost, or a worker died after
fetching it and before starting the edit) are given a new job, or failed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from editing import ledger, variations
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import AtelierError
from editing.jobs import runner

log = logging.getLogger(__name__)

INTERRUPTED = "Interrupted: the process running this edit stopped; nothing was changed"
LOST = "Its job ended before the edit could start; nothing was changed"
#: An edit is started at most this many times (the first run and its resumptions).
MAX_ATTEMPTS = 3
#: A worker whose heartbeat is older than this is gone (it beats every 2 s).
WORKER_TIMEOUT = timedelta(seconds=20)


@dataclass(frozen=True)
class Sweep:
    closed: int = 0
    resumed: int = 0
    requeued: int = 0
    failed_queued: int = 0

    @property
    def total(self) -> int:
        return self.closed + self.resumed + self.requeued + self.failed_queued


def sweep_once(ctx: Atelier) -> Sweep:
    """One look at every running and queued edit; returns what it did."""
    closed = resumed = requeued = failed = 0
    with ctx.db.Session.begin() as session:
        rows = session.scalars(
            select(EditHistory).where(EditHistory.status == "running").with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            if row.lease_key is not None and not _lease_free(session, row.lease_key):
                continue  # a live process runs it
            if _resumable(ctx, row):
                _requeue(session, row, why="resumed its recorded prediction")
                resumed += 1
            else:
                _close(ctx, session, row, INTERRUPTED)
                closed += 1
    with ctx.db.Session.begin() as session:
        for row, job_status in _stuck_queued(session):
            if row.attempts < MAX_ATTEMPTS:
                _requeue(session, row, why=f"its job was {job_status or 'lost'} before the edit started")
                requeued += 1
            else:
                _close(ctx, session, row, LOST)
                failed += 1
    sweep = Sweep(closed, resumed, requeued, failed)
    if sweep.total:
        log.warning("sweeper: %s", sweep)
    return sweep


def _lease_free(session: Session, key: int) -> bool:
    """Whether nobody holds the lease (this transaction takes it until commit if so)."""
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def _resumable(ctx: Atelier, row: EditHistory) -> bool:
    """A paid prediction recorded, not yet paid out, on a provider that can pick it up again."""
    if row.job_id is None or row.attempts >= MAX_ATTEMPTS or not row.prediction_id or not row.video_provider:
        return False
    if "video" in (row.cost_breakdown or {}):
        return False
    try:
        return bool(getattr(ctx.video_generator(row.video_provider), "can_resume", False))
    except AtelierError:
        return False


def _requeue(session: Session, row: EditHistory, *, why: str) -> None:
    """Back to queued with a new job (the old one, if a worker still holds it, is marked failed)."""
    _finish_job(session, row.job_id)
    row.status, row.lease_key = "queued", None
    row.attempts = (row.attempts or 0) + 1  # a requeue counts: an edit is not retried forever
    row.progress_message = f"waiting for a worker: {why}"
    session.flush()
    row.job_id = runner.defer_edit(
        session,
        row.edit_id,
        campaign_id=str(row.campaign_id),
        scene_index=row.scene_index,
        edit_instruction=row.edit_prompt,
    )
    log.warning("edit %s queued again: %s", row.edit_id, why)


def _close(ctx: Atelier, session: Session, row: EditHistory, message: str) -> None:
    """Mark the edit failed with what it spent; its campaign settles."""
    breakdown = dict(row.cost_breakdown or {})
    campaign = session.get(Campaign, row.campaign_id)
    if row.prediction_id and "video" not in breakdown and row.video_provider and campaign is not None:
        scene = variations.view(campaign.campaign_json, row.variation)["scenes"][row.scene_index]
        try:
            breakdown["video"] = ctx.video_generator(row.video_provider).estimate_cost(
                float(scene["duration"])
            )
        except AtelierError as exc:
            log.warning("cannot estimate the cost of prediction %s: %s", row.prediction_id, exc)
    total = Decimal(str(round(sum(breakdown.values()), 6)))
    row.status, row.error, row.cost_breakdown, row.cost = "failed", message, breakdown, total
    row.lease_key, row.finished_at = None, datetime.now(UTC)
    started = row.started_at or row.timestamp
    row.duration_seconds = Decimal(f"{(row.finished_at - started).total_seconds():.3f}")
    _finish_job(session, row.job_id)
    session.flush()
    ledger.settle_campaign(session, row.campaign_id, failed=message, spent=total)
    log.warning("edit %s closed: %s", row.edit_id, message)


def _finish_job(session: Session, job_id: int | None) -> None:
    """Mark a job that will never run as failed: not started, or held by a worker that is gone.

    A live worker's job is left to that worker (it finishes it when the task returns).
    """
    if job_id is None:
        return
    found = session.execute(
        text(
            "SELECT j.status::text, w.last_heartbeat FROM procrastinate_jobs j "
            "LEFT JOIN procrastinate_workers w ON w.id = j.worker_id WHERE j.id = :id"
        ),
        {"id": job_id},
    ).first()
    if found is None:
        return
    status, heartbeat = found
    dead = heartbeat is None or heartbeat < datetime.now(UTC) - WORKER_TIMEOUT
    if status == "todo" or (status == "doing" and dead):
        session.execute(text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)"), {"id": job_id})


def _stuck_queued(session: Session) -> list[tuple[EditHistory, str | None]]:
    """Queued edits whose job cannot run them: lost, ended, or held by a worker that is gone."""
    cutoff = datetime.now(UTC) - timedelta(seconds=5)
    rows = session.execute(
        text(
            "SELECT e.edit_id, j.status::text, w.last_heartbeat FROM edit_history e "
            "LEFT JOIN procrastinate_jobs j ON j.id = e.job_id "
            "LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE e.status = 'queued' AND e.timestamp < :cutoff "
            "FOR UPDATE OF e SKIP LOCKED"
        ),
        {"cutoff": cutoff},
    ).all()
    stale = datetime.now(UTC) - WORKER_TIMEOUT
    stuck = []
    for edit_id, job_status, heartbeat in rows:
        if job_status == "todo" or (job_status == "doing" and heartbeat is not None and heartbeat > stale):
            continue  # waiting for a worker, or a live worker is about to start it
        row = session.get(EditHistory, edit_id)
        if row is not None:
            stuck.append((row, job_status))
    return stuck


async def sweep_forever(ctx: Atelier) -> None:
    """Sweep every ATELIER_SWEEP_INTERVAL seconds until cancelled (a side task of every worker)."""
    while True:
        try:
            await asyncio.to_thread(sweep_once, ctx)
        except Exception as exc:  # the database may be restarting: try again next time
            log.warning("sweeper: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        await asyncio.sleep(ctx.settings.sweep_interval_s)

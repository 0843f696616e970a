"""The sweeper: queued edits whose job can no longer run them get a new job, a few times, then fail."""

from __future__ import annotations

from sqlalchemy import text

from editing import campaigns
from editing.context import Atelier
from editing.jobs.queue import submit_edit
from editing.jobs.sweeper import MAX_ATTEMPTS, sweep_once


def _age(ctx: Atelier, edit_id: str) -> None:
    with ctx.db.Session.begin() as s:
        older = "UPDATE edit_history SET timestamp = timestamp - interval '1 minute' WHERE edit_id = :e"
        s.execute(text(older), {"e": edit_id})


def test_a_lost_job_is_replaced_then_the_edit_fails(ctx: Atelier, demo: str) -> None:
    response = submit_edit(ctx, demo, 0, "make it brighter")
    assert sweep_once(ctx).total == 0  # a fresh queued edit is waiting for a worker: left alone
    jobs = {response.job_id}
    for _ in range(MAX_ATTEMPTS):
        with ctx.db.Session.begin() as s:  # the job vanished (deleted by hand, a restored backup...)
            s.execute(text("DELETE FROM procrastinate_jobs"))
        _age(ctx, response.edit_id)
        assert sweep_once(ctx).requeued == 1
        with ctx.db.Session() as s:
            job = s.scalar(
                text("SELECT job_id FROM edit_history WHERE edit_id = :e"), {"e": response.edit_id}
            )
        assert str(job) not in jobs
        jobs.add(str(job))
    with ctx.db.Session.begin() as s:
        s.execute(text("DELETE FROM procrastinate_jobs"))
    _age(ctx, response.edit_id)
    assert sweep_once(ctx).failed_queued == 1
    [record] = campaigns.get_history(ctx, demo)
    assert record.status == "failed" and "before the edit could start" in (record.error or "")
    assert campaigns.campaign_overview(ctx, demo).status == "failed"

"""Accepting edits as jobs: one transaction, one charge per intent, refusals that change nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from editing import campaigns
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import ConflictError, InputError, NotFoundError, UnmappableInstructionError
from editing.jobs.queue import enqueue_job, job_status, submit_edit, wait_for
from editing.jobs.runner import Worker
from editing.jobs.tasks import edit_scene_job


def _jobs(ctx: Atelier) -> int:
    with ctx.db.Session() as s:
        return int(s.scalar(text("SELECT count(*) FROM procrastinate_jobs")) or 0)


def _campaign_row(ctx: Atelier, cid: str) -> tuple[Any, ...]:
    with ctx.db.Session() as s:
        c = s.get(Campaign, campaigns.parse_campaign_id(cid))
        assert c is not None
        return (c.updated_at, c.status, c.version, c.cost, c.campaign_json)


@pytest.fixture
def worker(ctx: Atelier) -> Iterator[Worker]:
    w = Worker(ctx, concurrency=2)
    w.start_thread()
    yield w
    w.stop()


def test_an_edit_is_its_row_and_its_job_in_one_transaction(ctx: Atelier, demo: str) -> None:
    response = submit_edit(ctx, demo, 1, "make it brighter")
    assert response.message == "Edit job enqueued for scene 1" and response.estimated_cost == 0.0
    assert response.estimated_duration_seconds >= 1 and response.job_id.isdigit()
    with ctx.db.Session() as s:
        row = s.get(EditHistory, response.edit_id)
        assert row is not None and row.status == "queued" and str(row.job_id) == response.job_id
        job = s.execute(text("SELECT task_name, status, args FROM procrastinate_jobs WHERE id = :i"),
                        {"i": int(response.job_id)}).one()  # fmt: skip
    assert job.task_name == "atelier:edit_scene" and job.status == "todo"
    assert job.args == {"edit_id": response.edit_id, "campaign_id": demo, "scene_index": 1,
                        "edit_instruction": "make it brighter"}  # fmt: skip
    status = job_status(ctx, response.job_id)
    assert (status.status, status.result, status.instruction) == ("queued", None, "make it brighter")


def test_a_worker_runs_it_and_anyone_can_follow(ctx: Atelier, demo: str, worker: Worker) -> None:
    seen: list[str] = []
    response = submit_edit(ctx, demo, 0, "warmer, with gold dust")
    status = wait_for(
        ctx, response.job_id, timeout=60, on_change=lambda s: seen.append(f"{s.status}:{s.step}")
    )
    assert status.status == "completed" and status.result is not None
    assert status.result["success"] is True and status.result["scene_index"] == 0
    assert set(status.result) >= {"success", "campaign_id", "scene_index", "cost", "duration_seconds",
                                  "changes_summary", "new_video_url"}  # fmt: skip
    assert seen[-1] == "completed:save" and any(s.startswith("running:") for s in seen)
    assert campaigns.list_scenes(ctx, demo)[0].edit_count == 1
    assert campaigns.campaign_overview(ctx, demo).status == "completed"


def test_the_same_key_twice_is_one_edit(ctx: Atelier, demo: str) -> None:
    """A double click or two tabs with the dialog's key: one row, one job, one charge."""
    results: list[Any] = []

    def click() -> None:
        results.append(submit_edit(ctx, demo, 2, "slow motion", idempotency_key="dialog-42"))

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.edit_id for r in results}) == 1 and len({r.job_id for r in results}) == 1
    assert submit_edit(ctx, demo, 2, "slow motion", idempotency_key="dialog-42").edit_id == results[0].edit_id
    assert len(campaigns.get_history(ctx, demo)) == 1 and _jobs(ctx) == 1


def test_a_scene_being_edited_refuses_a_second_edit_naming_who(ctx: Atelier, demo: str) -> None:
    submit_edit(ctx, demo, 1, "make it brighter", user="alice@maison.example")
    before = _campaign_row(ctx, demo)
    with pytest.raises(ConflictError, match=r"Scene 1 is being edited by alice@maison.example \(queued"):
        submit_edit(ctx, demo, 1, "make it darker", user="bob@maison.example")
    assert _campaign_row(ctx, demo) == before and _jobs(ctx) == 1
    submit_edit(ctx, demo, 0, "make it darker", user="bob@maison.example")  # another scene: fine
    assert _jobs(ctx) == 2


@pytest.mark.parametrize(
    ("scene", "instruction", "error"),
    [
        (0, "what is the weather in Paris", UnmappableInstructionError),
        (0, "asdf qwerty", UnmappableInstructionError),
        (0, " \u200b\t", InputError),
        (0, "x" * 2001, InputError),
        (3, "brighter", InputError),
        (-1, "brighter", InputError),
    ],
)
def test_a_refused_edit_changes_nothing_not_even_updated_at(
    ctx: Atelier, demo: str, scene: int, instruction: str, error: type[Exception]
) -> None:
    before = _campaign_row(ctx, demo)
    with pytest.raises(error) as exc:
        submit_edit(ctx, demo, scene, instruction)
    assert "\n" not in str(exc.value)
    assert _campaign_row(ctx, demo) == before
    with ctx.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(EditHistory)) == 0
    assert _jobs(ctx) == 0


def test_unknown_or_foreign_campaigns_and_jobs(ctx: Atelier, demo: str) -> None:
    with pytest.raises(NotFoundError):
        submit_edit(ctx, demo, 0, "brighter", brand="Another House")
    response = submit_edit(ctx, demo, 0, "brighter")
    with pytest.raises(NotFoundError):
        job_status(ctx, response.job_id, brand="Another House")
    for bad in ("", "12a", "١٢", "-1", "99999999"):
        with pytest.raises(NotFoundError):
            job_status(ctx, bad)


def test_the_seed_entry_points(ctx: Atelier, demo: str) -> None:
    """enqueue_job('edit_scene', ...) returns the job id; edit_scene_job(...) runs an edit."""
    job_id = enqueue_job(
        "edit_scene", ctx=ctx, campaign_id=demo, scene_index=2, edit_instruction="cooler tones"
    )
    assert job_status(ctx, job_id).status == "queued"
    with pytest.raises(InputError, match="unknown job"):
        enqueue_job("render_everything", ctx=ctx)
    result = edit_scene_job(demo, 0, "make it brighter", ctx=ctx)  # the seed's call, run in this thread
    assert result["success"] is True and result["scene_index"] == 0

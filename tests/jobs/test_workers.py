"""Edit jobs run by real `python -m editing worker` processes, and killed with kill -9 mid-edit.

The providers are the real OpenAI and Replicate clients against the fake servers: a
prediction that takes its time, a model reply that takes its time, so a worker can be
killed in the middle of a step.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from editing import campaigns, media
from editing.context import Atelier
from editing.demo import create_demo_campaign
from editing.jobs.queue import job_status, submit_edit
from tests.conftest import FAST_ENV
from tests.fakes.openai_server import FakeOpenAI, director_reply
from tests.fakes.replicate_server import FakeReplicate, PredictionScript, make_tiny_mp4
from tests.jobs.harness import WorkerProcess, process_env, row, wait_until

STEPS = ["rewrite_prompt", "generate_scene", "prediction_recorded", "store_scene", "render_final", "save"]


def _reached(r: Any, step: str) -> bool:
    """The edit is at ``step`` (or, for 'prediction_recorded', its paid prediction is on its row) or over."""
    if r.status in ("completed", "failed"):
        return True
    if step == "prediction_recorded":
        return r.prediction_id is not None
    return bool(r.progress_step == step)


def slow_director(request: dict[str, Any]) -> Any:
    time.sleep(1.5)  # a model that takes its time: a worker can be killed while it thinks
    return director_reply(request)


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[dict[str, Any]]:
    """Fake OpenAI (1.5 s a reply) and Replicate (4 s a prediction), settings for them, a 2-scene demo."""
    clip = make_tiny_mp4(seconds=1.5, size=(144, 256), fps=24)
    with (
        FakeOpenAI(default=slow_director) as openai,
        FakeReplicate(video=clip, default_script=PredictionScript(seconds=4)) as replicate,
    ):
        env = {
            **FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
            "OPENAI_API_KEY": openai.api_key or "", "OPENAI_BASE_URL": openai.base_url,
            "REPLICATE_API_TOKEN": replicate.api_token or "", "REPLICATE_BASE_URL": replicate.base_url,
            "TRUSTED_MEDIA_HOSTS": replicate.host, "REPLICATE_POLL_INTERVAL": "0.2",
            "ATELIER_WORKERS": "external", "ATELIER_SWEEP_INTERVAL": "1",
        }  # fmt: skip
        from editing.config import load_settings

        ctx = Atelier.open(load_settings(env=env))
        try:
            cid = str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0))
            yield {"ctx": ctx, "env": process_env(env), "cid": cid, "replicate": replicate, "tmp": tmp_path}
        finally:
            ctx.close()


def _final_plays(ctx: Atelier, cid: str) -> int:
    overview = campaigns.campaign_overview(ctx, cid)
    assert overview.final_video_url
    info = media.probe(Path(overview.final_video_url), count_frames=True)
    assert info.has_video and info.has_audio and info.nb_frames == 2 * 12
    return info.nb_frames


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_a_worker_mid_edit(world: dict[str, Any], step: str) -> None:
    """kill -9 at each step: the edit is closed (or resumed) within 30 s by another worker's
    sweeper, the campaign is consistent, the final plays, and the next edit succeeds."""
    ctx, cid, tmp = world["ctx"], world["cid"], world["tmp"]
    before = campaigns.campaign_overview(ctx, cid)
    doomed = WorkerProcess(world["env"], tmp / "doomed.log", concurrency=2).wait_ready()
    response = submit_edit(ctx, cid, 0, "make it warmer, golden hour light")
    wait_until(lambda: _reached(row(ctx, response.edit_id), step), timeout=60, what=f"step {step}")
    doomed.kill()
    killed_at = time.monotonic()
    state = row(ctx, response.edit_id)
    survivor = WorkerProcess(world["env"], tmp / "survivor.log", concurrency=2).wait_ready()
    try:
        wait_until(
            lambda: row(ctx, response.edit_id).status in ("completed", "failed"), timeout=60, what="the end"
        )
        recovery = time.monotonic() - killed_at
        end = row(ctx, response.edit_id)
        assert recovery < 30, f"closed {recovery:.1f}s after the kill"
        after = campaigns.campaign_overview(ctx, cid)
        assert after.status in ("completed", "failed")  # never left 'processing'
        if end.status == "failed":
            assert "Interrupted" in (end.error or "")
            assert [s.background_prompt for s in after.scenes] == [s.background_prompt for s in before.scenes]
            assert after.final_video_url == before.final_video_url
            assert float(end.cost) == pytest.approx(sum((end.cost_breakdown or {}).values()), abs=1e-6)
        else:  # resumed from its recorded prediction, or it committed before the kill
            assert after.scenes[0].edit_count == 1
        if step == "prediction_recorded" and state.status == "running":
            assert end.status == "completed", "a recorded paid prediction is resumed, not thrown away"
        if state.prediction_id is not None:
            assert len(world["replicate"].creates) == 1, "the prediction was paid once"
        _final_plays(ctx, cid)
        nxt = submit_edit(ctx, cid, 0, "a bit brighter")
        status = wait_until(
            lambda: job_status(ctx, nxt.job_id).done and job_status(ctx, nxt.job_id), timeout=60
        )
        assert status.status == "completed", status.error
        _final_plays(ctx, cid)
    finally:
        survivor.stop()


def test_two_workers_run_sixteen_edits_at_once(tmp_path: Path, database_url: str) -> None:
    """2 worker processes x 8 edits each: 16 predictions of 15 s are all in flight together, all land."""
    clip = make_tiny_mp4(seconds=1.5, size=(144, 256), fps=24)
    with FakeReplicate(video=clip, default_script=PredictionScript(seconds=15)) as replicate:
        env = {
            **FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
            "REPLICATE_API_TOKEN": replicate.api_token or "", "REPLICATE_BASE_URL": replicate.base_url,
            "TRUSTED_MEDIA_HOSTS": replicate.host, "REPLICATE_POLL_INTERVAL": "0.5",
        }  # fmt: skip
        from editing.config import load_settings

        ctx = Atelier.open(load_settings(env=env))
        workers = [WorkerProcess(process_env(env), tmp_path / f"w{i}.log", concurrency=8) for i in range(2)]
        try:
            cid = str(create_demo_campaign(ctx, scenes=16, scene_duration=1.0))
            for w in workers:
                w.wait_ready()
            jobs = [submit_edit(ctx, cid, i, "warmer light, slow dolly in").job_id for i in range(16)]
            in_flight = wait_until(
                lambda: sum(p.status == "processing" for p in replicate.predictions.values()) >= 16,
                timeout=20, poll=0.2, what="16 predictions in flight at once",
            )  # fmt: skip
            assert in_flight
            done = wait_until(lambda: all(job_status(ctx, j).done for j in jobs), timeout=120, poll=0.5)
            assert done
            statuses = [job_status(ctx, j) for j in jobs]
            assert [s.status for s in statuses] == ["completed"] * 16, [s.error for s in statuses]
            scenes = campaigns.list_scenes(ctx, cid)
            assert all(s.edit_count == 1 for s in scenes) and len(replicate.creates) == 16
            overview = campaigns.campaign_overview(ctx, cid)
            assert overview.version == 17 and overview.status == "completed"
            info = media.probe(Path(overview.final_video_url or ""), count_frames=True)
            assert info.nb_frames == 16 * 12  # the last final holds every edited scene
            logs = [w.log.read_text() for w in workers]
            assert all("Starting job" in text or "atelier:edit_scene" in text for text in logs), "both worked"
        finally:
            for w in workers:
                w.stop()
            ctx.close()

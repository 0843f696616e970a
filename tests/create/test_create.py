"""Creating a campaign from a brief: the CLI end to end, scenes side by side on real worker processes,
a failed scene failing the creation and a retry that pays for nothing twice, refusals that store nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from editing import create, media
from editing.cli import main as cli_main
from editing.config import ENV_FIELDS, Settings
from editing.context import Atelier
from editing.db.models import Brand, Campaign, FinalVersion, Perfume, SceneVersion, StoredFile
from editing.errors import ConflictError
from editing.jobs.queue import submit_edit
from editing.jobs.runner import Worker
from tests.conftest import FAST_ENV
from tests.create.test_brief import a_brief
from tests.fakes.replicate_server import FakeReplicate, PredictionScript, make_tiny_mp4
from tests.jobs.harness import WorkerProcess, process_env

ROOT = Path(__file__).resolve().parents[2]


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "REPLICATE", "AWS", "S3_"))}
    env.update(FAST_ENV, ATELIER_DATA_DIR=str(settings.data_dir), DATABASE_URL=str(settings.database_url))
    command = [sys.executable, "-m", "editing", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def cli_here(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: Any, *args: str
) -> tuple[int, str, str]:
    """`python -m editing ARGS` in this process (exit code, stdout, stderr): refusals, quickly."""
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(settings.data_dir), "DATABASE_URL": str(settings.database_url)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def counts(ctx: Atelier) -> tuple[int, ...]:
    """Rows of every table a creation writes, jobs included, and files in the media folder."""
    with ctx.db.Session() as s:
        rows = tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (Campaign, Brand, Perfume, SceneVersion, FinalVersion, StoredFile)
        )
        jobs = int(s.scalar(text("SELECT count(*) FROM procrastinate_jobs")) or 0)
    media_dir = ctx.settings.data_dir / "media"
    files = sum(1 for p in media_dir.rglob("*") if p.is_file()) if media_dir.exists() else 0
    return (*rows, jobs, files)


def campaign(ctx: Atelier, cid: str) -> Campaign:
    with ctx.db.Session() as s:
        row = s.get(Campaign, cid)
        assert row is not None
        return row


def test_cli_create_waits_for_every_scene_the_music_and_the_finals(ctx: Atelier, tmp_path: Path) -> None:
    brief = tmp_path / "brief.json"
    brief.write_text(json.dumps(a_brief(variations=2)), encoding="utf-8")
    estimate = run_cli(ctx.settings, "create", "--brief", str(brief), "--estimate", "--json")
    assert estimate.returncode == 0, estimate.stderr
    assert json.loads(estimate.stdout)["seconds_of_video"] == 5.0
    proc = run_cli(ctx.settings, "create", "--brief", str(brief), "--wait", "--json")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["estimated_cost"] == 0.0 and answer["status"] == "completed" and answer["error"] is None
    assert (answer["scenes"], answer["variations"], len(answer["job_ids"])) == (2, 2, 4)
    row = campaign(ctx, answer["campaign_id"])
    cj = row.campaign_json
    assert (row.status, row.name, cj["creation"]["state"]) == ("completed", "Ambre — brief", "completed")
    assert [s["role"] for s in cj["scenes"]] == ["hook", "cta"] and cj["selected_variation_index"] == 0
    assert [[s["seed"] for s in v["scenes"]] for v in cj["variations"]] == [[0, 1], [1000, 1001]]
    assert cj["variations"][0]["scenes"] == cj["scenes"] and cj["audio_url"].endswith("audio/music_bed.wav")
    for v, variation in enumerate(cj["variations"]):
        scenes = [ctx.storage.local_path(s["video_key"]) for s in variation["scenes"]]
        assert [round(media.probe(p).duration, 1) for p in scenes] == [1.0, 1.5]
        assert f"variation_{v}/draft/scene_2_bg.mp4" in variation["scenes"][1]["video_key"]
        final = media.probe(ctx.storage.local_path(variation["final_video_key"]))
        assert abs(final.duration - 2.5) < 0.15 and final.has_audio
    with ctx.db.Session() as s:
        got = s.execute(select(SceneVersion.variation, SceneVersion.scene_index, SceneVersion.version,
                               SceneVersion.method)).all()  # fmt: skip
        finals = s.scalar(select(func.count()).select_from(FinalVersion))
    assert sorted(got) == [(v, i, 1, "original") for v in (0, 1) for i in (0, 1)] and finals == 2
    assert create.creation_status(ctx, answer["campaign_id"]).completed_scenes == 4


def test_the_scenes_are_generated_side_by_side_by_worker_processes(
    ctx: Atelier, settings: Settings, tmp_path: Path
) -> None:
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(settings.data_dir), "DATABASE_URL": str(settings.database_url)}
    worker = WorkerProcess(process_env(env), tmp_path / "worker.log", concurrency=4).wait_ready()
    try:
        roles = ("hook", "showcase", "detail", "cta")
        scenes = [{"role": r, "duration": 1, "prompt": f"The bottle, {r} shot"} for r in roles]
        started = create.start_creation(ctx, create.parse_brief(a_brief(scenes=scenes)))
        seen: list[tuple[str, ...]] = []
        status = create.wait_for_creation(
            ctx,
            started.campaign_id,
            timeout=120,
            on_change=lambda s: seen.append(tuple(x.state for x in s.scenes)),
        )
    finally:
        worker.stop()
    assert status.state == "completed", status.error
    assert any(states.count("running") >= 2 for states in seen), seen
    entries = campaign(ctx, started.campaign_id).campaign_json["creation"]["variations"][0]["scenes"]
    starts = [datetime.fromisoformat(e["started_at"]) for e in entries]
    ends = [datetime.fromisoformat(e["finished_at"]) for e in entries]
    assert max(starts) < min(ends), "every scene started before the first one ended: they ran at once"
    with ctx.db.Session() as s:
        left = s.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'"))
    assert left == 0, "every job of the creation was taken and ended by the worker"


@pytest.fixture
def replicate_ctx(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Atelier, FakeReplicate]]:
    clip = make_tiny_mp4(seconds=2.0, size=(144, 256), fps=24)
    with FakeReplicate(video=clip) as fake:
        monkeypatch.setenv("REPLICATE_POLL_INTERVAL", "0.02")
        settings = make_settings(
            REPLICATE_API_TOKEN=fake.api_token or "",
            REPLICATE_BASE_URL=fake.base_url,
            TRUSTED_MEDIA_HOSTS=fake.host,
            ATELIER_REPLICATE_TIMEOUT="20",
        )
        ctx = Atelier.open(settings)
        try:
            yield ctx, fake
        finally:
            ctx.close()


def test_a_failed_scene_fails_the_creation_and_a_retry_pays_for_nothing_twice(
    replicate_ctx: tuple[Atelier, FakeReplicate],
) -> None:
    ctx, fake = replicate_ctx
    fake.queue(PredictionScript(), PredictionScript(outcome="failed"))
    scenes = [
        {"role": "hook", "duration": 1, "prompt": "A bottle"},
        {"role": "cta", "duration": 2, "prompt": "p"},
    ]
    brief = create.parse_brief(a_brief(scenes=scenes))
    estimate = create.estimate_creation(ctx, brief)
    assert (estimate.provider, estimate.per_scene_cost) == (
        "replicate",
        (0.072, 0.072),
    )  # Seedance: 2 s at least
    worker = Worker(ctx, concurrency=1)  # one at a time: the second prediction created is the failing one
    worker.start_thread()
    try:
        started = create.start_creation(ctx, brief)
        failed = create.wait_for_creation(ctx, started.campaign_id, timeout=60)
        assert failed.state == "failed" and len(fake.creates) == 2
        assert failed.error is not None and failed.error.startswith("Scene 2 (cta) could not be generated: ")
        assert "CUDA out of memory" in failed.error
        row = campaign(ctx, started.campaign_id)
        assert (row.status, row.error_message, float(row.cost)) == ("failed", failed.error, 0.072)
        assert [s.state for s in failed.scenes] == ["completed", "failed"]
        with pytest.raises(ConflictError, match="is being created from a brief"):
            submit_edit(ctx, started.campaign_id, 0, "make it brighter")
        create.retry_creation(ctx, started.campaign_id)
        done = create.wait_for_creation(ctx, started.campaign_id, timeout=60)
    finally:
        worker.stop()
    assert done.state == "completed" and len(fake.creates) == 3, "only the failed scene was generated again"
    row = campaign(ctx, started.campaign_id)
    assert (row.status, float(row.cost)) == ("completed", 0.144), "each scene paid once"
    with ctx.db.Session() as s:
        costs = s.execute(
            select(SceneVersion.scene_index, SceneVersion.cost).order_by(SceneVersion.scene_index)
        )
        assert [(i, float(c)) for i, c in costs] == [(0, 0.072), (1, 0.072)]
    with pytest.raises(ConflictError, match="was created already"):
        create.retry_creation(ctx, started.campaign_id)


def test_a_creation_waiting_for_workers_cannot_be_edited_or_retried(ctx: Atelier) -> None:
    started = create.start_creation(ctx, create.parse_brief(a_brief()))
    with ctx.db.Session() as s:
        jobs = s.execute(
            text("SELECT task_name, status::text, args FROM procrastinate_jobs ORDER BY id")
        ).all()
    assert [(j.task_name, j.status) for j in jobs] == [("atelier:create_scene", "todo")] * 2
    assert [j.args["scene_index"] for j in jobs] == [0, 1]
    status = create.creation_status(ctx, started.campaign_id)
    assert (status.state, status.campaign_status, [s.state for s in status.scenes]) == (
        "generating", "processing", ["queued", "queued"],
    )  # fmt: skip
    with pytest.raises(ConflictError, match="is being created from a brief"):
        submit_edit(ctx, started.campaign_id, 0, "make it brighter")
    with pytest.raises(ConflictError, match="is still being created"):
        create.retry_creation(ctx, started.campaign_id)


BAD_BRIEFS = [
    (a_brief(scenes=[{"role": "hook", "duration": 2, "prompt": ""}]), "scene 1: The prompt cannot be empty"),
    (a_brief(template="tiktok-99s"), "Unknown template 'tiktok-99s'"),
    (
        a_brief(scenes=[{"role": "hook", "duration": 30, "prompt": "p"}]),
        "scene 1: duration 30 s is out of range",
    ),
    (
        a_brief(scenes=[{"role": "hook", "duration": 1, "prompt": "p"}] * 21),
        "A brief has 1 to 20 scenes, not 21",
    ),
    (a_brief(variations=0), "variations must be a whole number from 1 to 5, not 0"),
]


def test_refused_briefs_store_nothing(
    ctx: Atelier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    create.start_creation(ctx, create.parse_brief(a_brief()))  # something there already, to compare with
    before = counts(ctx)
    for i, (data, message) in enumerate(BAD_BRIEFS):
        path = tmp_path / f"bad{i}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        code, out, err = cli_here(ctx.settings, monkeypatch, capsys, "create", "--brief", str(path), "--json")
        assert code != 0 and out == ""
        assert err.startswith(f"error: {message}") and err.count("\n") == 1, err
    other_brand = tmp_path / "other.json"
    other_brand.write_text(json.dumps(a_brief(brand="Another House")), encoding="utf-8")
    proc = run_cli(ctx.settings, "--brand", "Maison Test", "create", "--brief", str(other_brand))
    assert proc.returncode != 0
    assert proc.stderr == "error: The brief is for brand 'Another House'; you act as 'Maison Test'\n"
    assert counts(ctx) == before

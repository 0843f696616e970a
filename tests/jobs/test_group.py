"""Edit all scenes: one instruction, each scene by its own method, ONE final render at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from editing import campaigns, media, versions
from editing.context import Atelier
from editing.db.models import EditHistory, FinalVersion
from editing.demo import create_demo_campaign
from editing.errors import ConflictError, InputError, ProviderError
from editing.jobs.group import wait_for_group
from editing.jobs.queue import submit_edit, submit_group
from editing.jobs.runner import Worker
from editing.providers import registry
from editing.providers.base import GeneratedScene, SceneRequest
from editing.providers.offline.procedural import ProceduralVideoGenerator


@pytest.fixture
def worker(ctx: Atelier) -> Iterator[Worker]:
    w = Worker(ctx, concurrency=2)
    w.start_thread()
    yield w
    w.stop()


def _finals(ctx: Atelier) -> int:
    with ctx.db.Session() as s:
        return int(s.scalar(select(func.count()).select_from(FinalVersion)) or 0)


def test_warmer_everywhere_is_one_group_with_one_final(ctx: Atelier, demo: str, worker: Worker) -> None:
    before = campaigns.campaign_overview(ctx, demo)
    finals_before = _finals(ctx)
    submission = submit_group(ctx, demo, "warmer everywhere")
    assert sorted(submission.accepted) == [0, 1, 2] and submission.refused == {}
    assert submission.estimated_cost == 0.0

    status = wait_for_group(ctx, submission.group_id)
    assert status.status == "completed" and [e.method for e in status.edits] == ["adjust"] * 3
    assert _finals(ctx) == finals_before + 1  # ONE final render for the three scenes
    after = campaigns.campaign_overview(ctx, demo)
    assert status.final_video_url == after.final_video_url != before.final_video_url
    assert all(a.video_url != b.video_url for a, b in zip(after.scenes, before.scenes, strict=True))
    final = media.probe(Path(after.final_video_url or ""))
    assert final.duration == pytest.approx(3.0, abs=0.06) and final.has_audio
    history = campaigns.get_history(ctx, demo)
    assert {r.group_id for r in history} == {submission.group_id}
    assert versions.list_final_versions(ctx, demo)[-1].current


class ShowcaseFails(ProceduralVideoGenerator):
    """A video provider that fails on the showcase scene (a model's outage for one request)."""

    name = "showcase-fails"

    def generate(self, request: SceneRequest, workdir: Path, **kw: Any) -> GeneratedScene:
        if request.role == "showcase":
            raise ProviderError("the video model returned status 'failed': content filter", cost=0.05)
        return super().generate(request, workdir, **kw)


def test_failures_are_reported_per_scene_and_the_final_has_exactly_the_current_scenes(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.VIDEO_GENERATORS, "showcase-fails", ShowcaseFails)
    ctx = Atelier.open(make_settings(ATELIER_VIDEO_GENERATOR="showcase-fails"))
    worker = Worker(ctx, concurrency=2)
    worker.start_thread()
    try:
        demo = str(create_demo_campaign(ctx, scenes=3, scene_duration=1.0))
        before = campaigns.list_scenes(ctx, demo)
        status = wait_for_group(ctx, submit_group(ctx, demo, "add smoke").group_id)
        assert status.status == "partial" and status.cost == 0.05
        outcome = [(e.scene_index, e.status, e.method) for e in status.edits]
        assert outcome == [
            (0, "completed", "regenerate"),
            (1, "failed", "regenerate"),
            (2, "completed", "regenerate"),
        ]
        assert "content filter" in (status.failed[0].error or "")
        after = campaigns.list_scenes(ctx, demo)
        assert after[1].video_url == before[1].video_url  # the failed scene kept its version
        assert after[0].video_url != before[0].video_url and after[2].video_url != before[2].video_url
        final = campaigns.campaign_overview(ctx, demo).final_video_url
        assert status.final_video_url == final
        assert media.probe(Path(final or "")).duration == pytest.approx(3.0, abs=0.06)
        assert _finals(ctx) == 2  # the original and the group's one final
    finally:
        worker.stop()
        ctx.close()


def test_refusals_per_scene_and_a_busy_scene_refuses_the_group(ctx: Atelier, demo: str) -> None:
    with pytest.raises(InputError, match="No scene can be changed"):
        submit_group(ctx, demo, "trim to 3 seconds")  # every demo scene is 1 s long
    submit_edit(ctx, demo, 2, "add smoke")  # queued, no worker: scene 2 stays busy
    with pytest.raises(ConflictError, match="Scene 2 is being edited"):
        submit_group(ctx, demo, "warmer")
    with ctx.db.Session() as s:
        assert s.scalar(select(func.count()).select_from(EditHistory)) == 1  # nothing of the group

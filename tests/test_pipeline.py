"""End-to-end scene edits through SceneEditPipeline on a real PostgreSQL and real ffmpeg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from editing import campaigns, media
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.demo import create_demo_campaign
from editing.errors import ConflictError, InputError, NotFoundError
from editing.pipeline import STEPS, ProgressEvent, edit_scene
from editing.providers import registry


def _state(ctx: Atelier, campaign_id: str) -> dict[str, Any]:
    """Everything a failed or refused edit must leave untouched."""
    with ctx.db.Session() as s:
        c = s.get(Campaign, campaigns.parse_campaign_id(campaign_id))
        assert c is not None
        rows = s.scalar(select(func.count()).select_from(EditHistory))
        files = sorted(p.relative_to(ctx.storage.root) for p in ctx.storage.root.rglob("*") if p.is_file())
        return {"json": c.campaign_json, "cost": c.cost, "version": c.version, "rows": rows, "files": files}


def test_demo_edit_end_to_end(make_settings: Any) -> None:
    """The default demo (5 scenes x 4 s, 720x1280), one edit, checked with ffprobe, rows and storage."""
    ctx = Atelier.open(make_settings(fast=False))
    try:
        cid = str(create_demo_campaign(ctx))
        before = campaigns.campaign_overview(ctx, cid)
        assert [s.role for s in before.scenes] == ["hook", "showcase", "lifestyle", "detail", "cta"]
        old_final = Path(before.final_video_url)
        old_scene = Path(before.scenes[1].video_url)
        info = media.probe(old_final)
        assert (info.width, info.height, info.codec, info.audio_codec) == (720, 1280, "h264", "aac")
        assert info.duration == pytest.approx(20.0, abs=0.1)

        events: list[ProgressEvent] = []
        result = edit_scene(ctx, cid, 1, "make it brighter", method="regenerate", on_progress=events.append)

        assert set(result) >= {"success", "campaign_id", "scene_index", "cost", "duration_seconds",
                               "changes_summary", "new_video_url"}  # fmt: skip
        assert result["success"] is True and result["scene_index"] == 1 and result["campaign_id"] == cid
        assert result["cost"] == 0.0 and result["changes_summary"]
        # every named step ran, in order
        done = [e.step for e in events if e.state == "done"]
        assert done == [s for s, _ in STEPS]

        new_final = Path(result["new_video_url"])
        assert new_final != old_final and new_final.exists()
        info = media.probe(new_final, count_frames=True)
        assert info.has_video and info.has_audio and info.codec == "h264" and info.pix_fmt == "yuv420p"
        assert info.duration == pytest.approx(20.0, abs=1 / 24 + 0.05)
        assert info.nb_frames == 480
        # previous versions stay playable
        assert old_final.exists() and old_scene.exists()
        assert media.probe(old_scene).duration == pytest.approx(4.0, abs=0.05)

        after = campaigns.campaign_overview(ctx, cid)
        scene = after.scenes[1]
        assert scene.edit_count == 1 and scene.last_edited_at
        assert scene.background_prompt == result["modified_prompt"] != before.scenes[1].background_prompt
        assert Path(scene.video_url) != old_scene
        assert after.status == "completed" and after.version == before.version + 1

        history = campaigns.get_history(ctx, cid)
        assert len(history) == 1
        rec = history[0]
        assert (rec.scene_index, rec.edit_prompt, rec.status) == (1, "make it brighter", "completed")
        assert rec.timestamp.endswith("Z") and rec.elapsed_s > 0
        assert isinstance(rec.duration_seconds, int) and rec.duration_seconds >= rec.elapsed_s
        assert isinstance(result["duration_seconds"], int)
        assert rec.original_prompt == before.scenes[1].background_prompt
        summary = campaigns.cost_summary(ctx)
        assert summary.total_edits == 1
    finally:
        ctx.close()


def test_second_edit_builds_on_first(ctx: Atelier, demo: str) -> None:
    first = edit_scene(ctx, demo, 0, "make it warmer", method="regenerate")
    second = edit_scene(ctx, demo, 0, "slow motion", method="regenerate")
    scene = campaigns.list_scenes(ctx, demo)[0]
    assert scene.edit_count == 2
    assert scene.background_prompt == second["modified_prompt"]
    history = campaigns.get_history(ctx, demo)
    assert history[1].original_prompt == first["modified_prompt"]


@pytest.mark.parametrize(
    ("scene_index", "instruction", "error"),
    [
        (3, "make it brighter", "out of range"),
        (-1, "make it brighter", "out of range"),
        (99, "make it brighter", "out of range"),
        (0, "", "cannot be empty"),
        (0, "   \n\t ", "cannot be empty"),
        (0, "brighter " * 300, "limit is 2000"),
    ],
)
def test_bad_input_changes_nothing(
    ctx: Atelier, demo: str, scene_index: int, instruction: str, error: str
) -> None:
    before = _state(ctx, demo)
    with pytest.raises(InputError, match=error) as exc:
        edit_scene(ctx, demo, scene_index, instruction)
    assert "\n" not in str(exc.value)
    assert _state(ctx, demo) == before


def test_unknown_or_foreign_campaign(ctx: Atelier, demo: str) -> None:
    before = _state(ctx, demo)
    with pytest.raises(NotFoundError, match="not found"):
        edit_scene(ctx, "00000000-0000-0000-0000-000000000000", 0, "brighter", method="regenerate")
    with pytest.raises(NotFoundError, match="not found"):
        edit_scene(ctx, "not-a-uuid", 0, "brighter", method="regenerate")
    # the demo belongs to the demo brand: another brand cannot see or edit it
    with pytest.raises(NotFoundError, match="not found"):
        edit_scene(ctx, demo, 0, "brighter", method="regenerate", brand="Another House")
    with pytest.raises(NotFoundError):
        campaigns.list_scenes(ctx, demo, brand="Another House")
    assert _state(ctx, demo) == before


def test_unmappable_instruction_is_refused_without_a_row(ctx: Atelier, demo: str) -> None:
    before = _state(ctx, demo)
    with pytest.raises(InputError):
        edit_scene(ctx, demo, 0, "what is the weather", method="regenerate")
    assert _state(ctx, demo) == before


class CorruptGenerator:
    """A video provider that returns an HTML error page saved as .mp4 (as a broken CDN would)."""

    name = "corrupt"

    def __init__(self, settings: Any) -> None:
        pass

    def generate(self, request: Any, workdir: Path, **_: Any) -> Any:
        from editing.providers.base import GeneratedScene

        path = workdir / "scene.mp4"
        path.write_text("<html><body>502 Bad Gateway</body></html>")
        return GeneratedScene(path=path, cost=0.25, provider=self.name, prediction_id="p-1")

    def estimate_cost(self, duration: float) -> float:
        return 0.25

    def check(self) -> str:
        return "ok"


@pytest.fixture
def corrupt(make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Atelier, str]]:
    """An Atelier whose video provider is CorruptGenerator, and a 2-scene demo campaign."""
    monkeypatch.setitem(registry.VIDEO_GENERATORS, "corrupt", CorruptGenerator)
    ctx = Atelier.open(make_settings(ATELIER_VIDEO_GENERATOR="corrupt"))
    try:
        yield ctx, str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0))
    finally:
        ctx.close()


def test_failed_generation_keeps_campaign_and_records_spend(
    corrupt: tuple[Atelier, str], make_settings: Any
) -> None:
    ctx, cid = corrupt
    before = _state(ctx, cid)
    with pytest.raises(Exception, match=r"not a video"):
        edit_scene(ctx, cid, 0, "make it brighter", method="regenerate")
    after = _state(ctx, cid)
    assert after["json"] == before["json"]  # scene, prompt and final untouched
    assert after["files"] == before["files"]  # nothing stored, no temp file behind
    assert not list(ctx.settings.tmp_dir.iterdir())
    history = campaigns.get_history(ctx, cid)
    assert [h.status for h in history] == ["failed"]
    assert history[0].cost == pytest.approx(0.25)  # the money spent is not lost
    overview = campaigns.campaign_overview(ctx, cid)
    assert overview.status == "failed" and "mp4" in overview.error_message
    assert campaigns.cost_summary(ctx).total_edit_cost == pytest.approx(0.25)
    # the next good edit (offline generator again) clears the failure
    good = Atelier.open(make_settings())
    try:
        edit_scene(good, cid, 0, "make it brighter", method="regenerate")
        assert campaigns.campaign_overview(good, cid).status == "completed"
    finally:
        good.close()


def test_concurrent_edit_of_another_scene_is_kept_in_final(ctx: Atelier, demo: str) -> None:
    """Edit B (scene 2) commits while edit A (scene 0) is rendering: A's final must include B."""
    fired = []

    def interleave(ev: ProgressEvent) -> None:
        if ev.step == "store_scene" and ev.state == "done" and not fired:
            fired.append(edit_scene(ctx, demo, 2, "make it darker", method="regenerate"))

    result = edit_scene(ctx, demo, 0, "make it brighter", method="regenerate", on_progress=interleave)
    scenes = campaigns.list_scenes(ctx, demo)
    assert scenes[0].edit_count == 1 and scenes[2].edit_count == 1  # no lost update
    overview = campaigns.campaign_overview(ctx, demo)
    assert overview.final_video_url == result["new_video_url"]
    # The final was re-rendered under the lock: its scene 2 is B's darker scene.
    final = media.read_frames(Path(result["new_video_url"]), size=(36, 64))
    frames = list(final)
    third = frames[len(frames) * 5 // 6]
    b_scene = next(iter(media.read_frames(Path(scenes[2].video_url), size=(36, 64))))
    assert abs(float(third.mean()) - float(b_scene.mean())) < 8


def test_a_second_edit_of_a_scene_being_edited_is_refused_before_anything(ctx: Atelier, demo: str) -> None:
    """The database allows one active edit per scene: the second is refused, naming who edits it."""
    refused: list[Exception] = []

    def interleave(ev: ProgressEvent) -> None:
        if ev.step == "store_scene" and ev.state == "done" and not refused:
            try:
                edit_scene(ctx, demo, 1, "make it darker", method="regenerate")
            except ConflictError as exc:
                refused.append(exc)

    result = edit_scene(ctx, demo, 1, "make it brighter", method="regenerate", on_progress=interleave)
    assert refused and "being edited by tester" in str(refused[0]) and "\n" not in str(refused[0])
    scene = campaigns.list_scenes(ctx, demo)[1]
    assert scene.edit_count == 1 and scene.background_prompt == result["modified_prompt"]
    assert [h.status for h in campaigns.get_history(ctx, demo)] == ["completed"]  # no row, no cost


def test_a_broken_progress_display_never_fails_an_edit(ctx: Atelier, demo: str) -> None:
    def broken(ev: ProgressEvent) -> None:
        raise RuntimeError(f"display broke on {ev.step}")

    result = edit_scene(ctx, demo, 0, "make it brighter", method="regenerate", on_progress=broken)
    assert Path(result["new_video_url"]).exists()
    assert [h.status for h in campaigns.get_history(ctx, demo)] == ["completed"]
    assert campaigns.campaign_overview(ctx, demo).final_video_url == result["new_video_url"]


def test_interruption_mid_edit_is_recorded_and_changes_nothing(ctx: Atelier, demo: str) -> None:
    before = _state(ctx, demo)

    def interrupt(ev: ProgressEvent) -> None:
        if ev.step == "render_final" and ev.state == "running":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        edit_scene(ctx, demo, 0, "make it brighter", method="regenerate", on_progress=interrupt)
    after = _state(ctx, demo)
    assert after["json"] == before["json"] and after["version"] == before["version"]
    [rec] = campaigns.get_history(ctx, demo)
    assert rec.status == "failed" and "Interrupted during render_final" in (rec.error or "")
    assert not list(ctx.settings.tmp_dir.iterdir())
    # the new scene (possibly paid for) is kept and named on the row; no final render is left
    new_files = set(after["files"]) - set(before["files"])
    assert new_files and all("final_video" not in str(f) for f in new_files)


def test_failed_edit_adds_spend_without_losing_a_concurrent_commit(corrupt: tuple[Atelier, str]) -> None:
    """The failure's cost is added in SQL: an edit committed meanwhile keeps its own cost."""
    ctx, cid = corrupt

    def concurrent_commit(ev: ProgressEvent) -> None:
        if ev.step == "store_scene" and ev.state == "running":
            with ctx.db.Session.begin() as s:  # another process charging this campaign
                s.execute(
                    update(Campaign).where(Campaign.id == campaigns.parse_campaign_id(cid))
                    .values(cost=Campaign.cost + 1)
                )  # fmt: skip

    with pytest.raises(Exception, match="not a video"):
        edit_scene(ctx, cid, 0, "make it brighter", method="regenerate", on_progress=concurrent_commit)
    assert campaigns.campaign_overview(ctx, cid).cost == pytest.approx(1.25)


def test_edits_whose_process_died_are_closed(ctx: Atelier, demo: str) -> None:
    """A process killed mid-edit leaves a 'running' row whose lease nobody holds: the sweeper closes
    it, charging a recorded paid prediction by the generator's estimate; a live one is left alone."""
    from decimal import Decimal

    from editing.jobs.lease import new_lease_key
    from editing.jobs.sweeper import sweep_once

    cid = campaigns.parse_campaign_id(demo)
    live, dead = new_lease_key(), new_lease_key()
    ctx.leases.acquire(live)  # this process is alive and runs scene 1's edit
    with ctx.db.Session.begin() as s:
        s.get(Campaign, cid).status = "processing"  # type: ignore[union-attr]
        for scene, key, pid in ((0, dead, "pred-dead"), (1, live, "pred-live")):
            row = EditHistory(campaign_id=cid, scene_index=scene, edit_prompt="brighter", original_prompt="p")
            row.status, row.user_name, row.base_version, row.lease_key = "running", "t", 1, key
            row.prediction_id, row.video_provider = pid, "replicate"
            row.cost, row.cost_breakdown = Decimal("0.001"), {"prompt": 0.001}
            s.add(row)
    assert sweep_once(ctx).closed == 1
    assert sweep_once(ctx).total == 0  # idempotent
    history = {h.status: h for h in campaigns.get_history(ctx, demo)}
    assert set(history) == {"failed", "running"}  # the live one is never closed
    dead_row = history["failed"]
    video = ctx.video_generator("replicate").estimate_cost(1.0)  # the demo's scenes are 1 s
    assert video > 0 and dead_row.cost_breakdown == {"prompt": 0.001, "video": video}
    assert "Interrupted" in (dead_row.error or "") and dead_row.cost == pytest.approx(0.001 + video)
    overview = campaigns.campaign_overview(ctx, demo)
    assert overview.status == "processing" and overview.cost == pytest.approx(0.001 + video)
    ctx.leases.release(live)  # the live process ends without finishing: now it is closed too
    assert sweep_once(ctx).closed == 1
    assert campaigns.campaign_overview(ctx, demo).status == "failed"


class BrokenSynth:
    """An audio provider that fails after the scenes were stored (as a full disk would)."""

    name = "broken"

    def __init__(self, settings: Any) -> None:
        pass

    def synthesize(self, style_spec: dict[str, Any], duration: float, dst: Path) -> Path:
        raise OSError(28, "No space left on device")


def test_a_failed_demo_build_leaves_no_files_and_no_campaign(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.AUDIO_SYNTHS, "offline", BrokenSynth)
    ctx = Atelier.open(make_settings())
    try:
        with pytest.raises(OSError, match="No space left"):
            create_demo_campaign(ctx, scenes=2, scene_duration=1.0)
        assert campaigns.list_campaigns(ctx) == []
        assert [p for p in ctx.storage.root.rglob("*") if p.is_file()] == []
        assert not list(ctx.settings.tmp_dir.iterdir())
    finally:
        ctx.close()

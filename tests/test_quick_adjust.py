"""Quick adjust through the pipeline: $0, the clip graded in place, versions and history recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from editing import campaigns, media, versions
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import CorruptFileError, InputError
from editing.pipeline import ProgressEvent, edit_scene, steps_of


def _luma(path: str | Path) -> float:
    frames = np.stack(list(media.read_frames(Path(path), size=(45, 80)))).astype(np.float64)
    return float(frames.mean())


def _state(ctx: Atelier, cid: str) -> dict[str, Any]:
    with ctx.db.Session() as s:
        c = s.get(Campaign, campaigns.parse_campaign_id(cid))
        assert c is not None
        rows = s.scalar(select(func.count()).select_from(EditHistory))
        files = sorted(p.relative_to(ctx.storage.root) for p in ctx.storage.root.rglob("*") if p.is_file())
        return {"json": c.campaign_json, "cost": c.cost, "version": c.version, "updated": c.updated_at,
                "rows": rows, "files": files}  # fmt: skip


def test_brighter_is_a_free_quick_adjust_of_the_current_clip(ctx: Atelier, demo: str) -> None:
    before = campaigns.campaign_overview(ctx, demo)
    events: list[ProgressEvent] = []
    result = edit_scene(ctx, demo, 1, "make it brighter", on_progress=events.append)

    assert result["cost"] == 0.0 and result["changes_summary"] == "Quick adjust: exposure +1 stop"
    assert [e.step for e in events if e.state == "done"] == [s for s, _ in steps_of("adjust")]
    after = campaigns.campaign_overview(ctx, demo)
    old, new = before.scenes[1], after.scenes[1]
    assert _luma(new.video_url) > _luma(old.video_url) + 5
    assert "exposure +1 stop" in new.background_prompt  # the prompt says what the clip now shows
    fmt = ctx.video_format
    assert media.canonical_mismatch(Path(new.video_url), fmt, frames=fmt.fps) is None
    # the other scenes of the final are the same bytes: only scene 2 changed
    final = Path(after.final_video_url or "")
    assert media.probe(final).duration == pytest.approx(3.0, abs=0.06)
    for i in (0, 2):
        assert Path(after.scenes[i].video_url) == Path(before.scenes[i].video_url)

    record = campaigns.get_history(ctx, demo)[0]
    assert (record.method, record.video_provider, record.cost) == ("adjust", "ffmpeg", 0.0)
    listed = versions.list_scene_versions(ctx, demo, 1)
    assert [(v.version, v.method, v.current) for v in listed] == [(1, "original", False), (2, "adjust", True)]
    assert listed[1].edit_id == result["edit_id"] and listed[1].cost == 0.0


def test_slow_motion_with_the_new_length_retimes_the_scene_and_the_audio(ctx: Atelier, demo: str) -> None:
    result = edit_scene(ctx, demo, 0, "slow motion", keep_length=False)
    scene = campaigns.list_scenes(ctx, demo)[0]
    assert scene.duration == 2  # was 1 s; SceneInfo's whole seconds
    final = media.probe(Path(result["new_video_url"]))
    assert final.duration == pytest.approx(4.0, abs=0.06)  # 2 + 1 + 1
    assert final.has_audio and final.audio_duration == pytest.approx(final.duration, abs=0.05)
    assert versions.list_scene_versions(ctx, demo, 0)[-1].duration == 2.0


def test_slow_motion_keeps_the_length_by_default(ctx: Atelier, demo: str) -> None:
    result = edit_scene(ctx, demo, 0, "slow motion")
    assert media.probe(Path(result["new_video_url"])).duration == pytest.approx(3.0, abs=0.06)
    assert campaigns.list_scenes(ctx, demo)[0].duration == 1


def test_adjust_for_new_content_is_refused_and_changes_nothing(ctx: Atelier, demo: str) -> None:
    before = _state(ctx, demo)
    with pytest.raises(InputError, match="needs a regeneration: it adds rose petals"):
        edit_scene(ctx, demo, 0, "add rose petals", method="adjust")
    with pytest.raises(InputError, match="Unknown method"):
        edit_scene(ctx, demo, 0, "brighter", method="photoshop")
    with pytest.raises(InputError, match="shorter, not 5 s"):
        edit_scene(ctx, demo, 0, "trim to 5 seconds")
    assert _state(ctx, demo) == before


def test_a_changed_clip_is_not_adjusted(ctx: Atelier, demo: str) -> None:
    scene = campaigns.list_scenes(ctx, demo)[2]
    Path(scene.video_url).write_bytes(Path(scene.video_url).read_bytes()[:-100] + b"\x00" * 100)
    with pytest.raises(CorruptFileError, match="changed since it was stored"):
        edit_scene(ctx, demo, 2, "warmer")
    record = campaigns.get_history(ctx, demo)[0]
    assert record.status == "failed" and record.cost == 0.0 and "changed since" in (record.error or "")
    assert campaigns.list_scenes(ctx, demo)[2].video_url == scene.video_url


def test_auto_regenerates_content_and_adjusts_grading(ctx: Atelier, demo: str) -> None:
    edit_scene(ctx, demo, 0, "add gold dust")
    edit_scene(ctx, demo, 0, "a bit cooler")
    methods = [r.method for r in campaigns.get_history(ctx, demo)]
    assert methods == ["regenerate", "adjust"]
    listed = versions.list_scene_versions(ctx, demo, 0)
    assert [v.method for v in listed] == ["original", "regenerate", "adjust"]

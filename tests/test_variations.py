"""Variations: edits, previews, versions and finals of one variation leave the others as they were."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from editing import campaigns, variations, versions
from editing.cli import main
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory, Preview
from editing.errors import ConflictError, InputError
from editing.jobs.group import wait_for_group
from editing.jobs.queue import EditRequest, enqueue_job, submit_edit, submit_group, wait_for
from editing.jobs.runner import Worker
from editing.pipeline import edit_scene
from editing.preview import preview_edit
from editing.revert import revert_scene
from tests.conftest import FAST_ENV


def _files(ctx: Atelier, keys: list[str]) -> dict[str, str]:
    root = ctx.storage.root
    return {k: hashlib.sha256((root / k).read_bytes()).hexdigest() for k in keys}


def _state(ctx: Atelier, cid: str) -> tuple[Any, ...]:
    with ctx.db.Session() as s:
        c = s.get(Campaign, uuid.UUID(cid))
        assert c is not None
        edits = s.scalar(select(func.count()).select_from(EditHistory))
        previews = s.scalar(select(func.count()).select_from(Preview))
        return (c.campaign_json, c.version, c.selected_variation_index, edits, previews)


def _keys(view: campaigns.CampaignOverview) -> list[str]:
    return [s.video_url for s in view.scenes] + [view.final_video_url or ""]


@pytest.fixture
def two(ctx: Atelier, demo: str) -> str:
    """The demo campaign with a second variation copied from the first."""
    made = variations.new_variation(ctx, demo)
    assert (made.index, made.selected, made.cost) == (1, False, 0.0)
    return demo


def test_editing_variation_1_leaves_variation_0_untouched(ctx: Atelier, two: str) -> None:
    first, second = variations.list_variations(ctx, two)  # a new variation: the same files, for free
    assert first.selected and not second.selected
    assert first.final_key == second.final_key and first.prompts == second.prompts
    assert [len(versions.list_scene_versions(ctx, two, 0, variation=v)) for v in (0, 1)] == [1, 1]
    assert len(versions.list_final_versions(ctx, two, variation=1)) == 1
    before = campaigns.campaign_overview(ctx, two, variation=0)
    files = _files(ctx, [Path(u).relative_to(ctx.storage.root).as_posix() for u in _keys(before)])
    result = edit_scene(ctx, two, 1, "add rose petals", variation=1)
    assert "/variations/variation_1/" in result["new_video_url"]

    after0 = campaigns.campaign_overview(ctx, two, variation=0)
    assert after0.scenes == before.scenes and after0.final_video_url == before.final_video_url
    assert _files(ctx, list(files)) == files  # variation 0's bytes, as they were
    after1 = campaigns.campaign_overview(ctx, two, variation=1)
    assert after1.scenes[1].edit_count == 1 and after1.scenes[1].video_url != before.scenes[1].video_url
    assert after1.scenes[0] == before.scenes[0] and after1.final_video_url == result["new_video_url"]
    shown = campaigns.campaign_overview(ctx, two)  # the selected one is still 0
    assert (shown.variation, shown.scenes, shown.final_video_url) == (
        0,
        before.scenes,
        before.final_video_url,
    )
    assert [len(versions.list_scene_versions(ctx, two, 1, variation=v)) for v in (0, 1)] == [1, 2]
    assert [len(versions.list_final_versions(ctx, two, variation=v)) for v in (0, 1)] == [1, 2]
    assert campaigns.get_history(ctx, two)[-1].scene_index == 1
    listed = variations.list_variations(ctx, two)
    assert listed[1].prompts[1] != listed[0].prompts[1] and listed[0].cost == 0.0

    revert_scene(ctx, two, 1, 1, variation=1)  # a revert acts on its variation too
    reverted = campaigns.campaign_overview(ctx, two, variation=1)
    assert reverted.scenes[1].video_url == before.scenes[1].video_url
    assert len(versions.list_scene_versions(ctx, two, 1, variation=1)) == 3
    assert campaigns.campaign_overview(ctx, two, variation=0).scenes == before.scenes


def test_select_variation_moves_the_top_level_mirror(ctx: Atelier, two: str) -> None:
    edit_scene(ctx, two, 0, "darker", variation=1)
    one = campaigns.campaign_overview(ctx, two, variation=1)
    chosen = variations.select_variation(ctx, two, 1)
    assert chosen.selected and chosen.index == 1
    with ctx.db.Session() as s:
        c = s.get(Campaign, uuid.UUID(two))
        assert c is not None
        cj = c.campaign_json
        assert c.selected_variation_index == 1 and cj["selected_variation_index"] == 1
        assert cj["final_video_key"] == cj["variations"][1]["final_video_key"]
        assert cj["scenes"] == cj["variations"][1]["scenes"]
    shown = campaigns.campaign_overview(ctx, two)
    assert (shown.variation, shown.final_video_url, shown.scenes) == (1, one.final_video_url, one.scenes)
    edit_scene(ctx, two, 2, "brighter")  # no variation: the selected one, now 1
    assert campaigns.campaign_overview(ctx, two, variation=1).scenes[2].edit_count == 1
    assert campaigns.campaign_overview(ctx, two, variation=0).scenes[2].edit_count == 0
    variations.select_variation(ctx, two, 0)
    assert campaigns.campaign_overview(ctx, two).scenes[2].edit_count == 0


def test_jobs_and_previews_of_a_variation(ctx: Atelier, two: str) -> None:
    preview = preview_edit(ctx, two, 0, "add gold dust", variation=1)
    with pytest.raises(InputError, match="is for variation 1, not variation 0"):
        submit_edit(ctx, two, 0, request=EditRequest(preview_id=preview.preview_id))
    worker = Worker(ctx, concurrency=2)
    worker.start_thread()
    try:
        response = submit_edit(ctx, two, 0, request=EditRequest(preview_id=preview.preview_id, variation=1))
        assert wait_for(ctx, response.job_id, timeout=60).status == "completed"
        group = submit_group(ctx, two, "warmer", variation=1)
        assert wait_for_group(ctx, group.group_id).status == "completed"
    finally:
        worker.stop()
    zero, one = (campaigns.campaign_overview(ctx, two, variation=v) for v in (0, 1))
    assert [s.edit_count for s in zero.scenes] == [0, 0, 0]
    assert [s.edit_count for s in one.scenes] == [2, 1, 1]
    assert one.scenes[0].background_prompt == variations.list_variations(ctx, two)[1].prompts[0]
    assert len(versions.list_final_versions(ctx, two, variation=0)) == 1


def test_a_variation_out_of_range_is_refused_with_nothing_stored(ctx: Atelier, two: str) -> None:
    before = _state(ctx, two)
    for bad in (2, -1):
        _refused_everywhere(ctx, two, bad)
    assert _state(ctx, two) == before
    for v in (0, 1):  # the same scene of two variations can be edited at once, each only once
        submit_edit(ctx, two, 0, "brighter", request=EditRequest(variation=v))
    with pytest.raises(ConflictError, match="Scene 0 is being edited"):
        submit_edit(ctx, two, 0, "darker", request=EditRequest(variation=1))


def _refused_everywhere(ctx: Atelier, two: str, bad: int) -> None:
    calls = (
        lambda: submit_edit(ctx, two, 0, "brighter", request=EditRequest(variation=bad)),
        lambda: submit_group(ctx, two, "brighter", variation=bad),
        lambda: enqueue_job(
            "edit_scene", ctx=ctx, campaign_id=two, scene_index=0, edit_instruction="x", variation=bad
        ),
        lambda: preview_edit(ctx, two, 0, "brighter", variation=bad),
        lambda: edit_scene(ctx, two, 0, "brighter", variation=bad),
        lambda: revert_scene(ctx, two, 0, 1, variation=bad),
        lambda: variations.select_variation(ctx, two, bad),
        lambda: variations.new_variation(ctx, two, source=bad),
        lambda: campaigns.campaign_overview(ctx, two, variation=bad),
        lambda: versions.list_scene_versions(ctx, two, 0, variation=bad),
    )
    for call in calls:
        with pytest.raises(
            InputError, match=f"Variation {bad} out of range: this campaign has variations 0-1"
        ):
            call()


def test_a_campaign_without_variations_is_one(ctx: Atelier, demo: str) -> None:
    (only,) = variations.list_variations(ctx, demo)
    assert (only.index, only.selected, only.scenes) == (0, True, 3)
    with pytest.raises(InputError, match="only variation 0"):
        edit_scene(ctx, demo, 0, "brighter", variation=1)
    assert variations.select_variation(ctx, demo, 0).selected


def test_the_view_and_put_of_campaign_json() -> None:
    cj = {"perfume_name": "P", "selected_variation_index": 0, "scenes": [{"video_key": "a"}],
          "final_video_key": "f0", "audio_url": "m"}  # fmt: skip
    both, number = variations.added(cj)
    assert number == 1 and variations.indices(both) == [0, 1]
    one = variations.view(both, 1)
    assert one["audio_url"] == "m" and "variations" not in one
    one["scenes"][0]["video_key"], one["final_video_key"] = "b", "f1"
    both = variations.put(both, 1, one)
    assert both["scenes"] == [{"video_key": "a"}] and both["variations"][1]["final_video_key"] == "f1"
    picked = variations.select_in(both, 1)
    assert picked["scenes"][0]["video_key"] == "b" and picked["final_video_key"] == "f1"
    assert variations.view(picked, 0)["final_video_key"] == "f0"
    legacy = {"selected_variation_index": 2, "scenes": []}
    assert variations.indices(legacy) == [2] and variations.resolve(legacy, None) == 2
    with pytest.raises(InputError, match="number 2"):
        variations.added(legacy)


def test_the_cli_acts_on_the_variation_asked(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m editing` (its main, in this process: the subprocess face is tests/test_cli.py's)."""
    for key, value in {
        **FAST_ENV,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(key, value)

    def run(*args: str, code: int = 0) -> Any:
        assert main([*args, "--json"]) == code
        out, err = capsys.readouterr()
        return json.loads(out) if code == 0 else err

    cid = run("demo", "--scenes", "2")["campaign_id"]
    assert run("new-variation", cid)["index"] == 1
    assert run("edit", cid, "1", "add rose petals", "--variation", "1")["success"] is True
    assert [s["edit_count"] for s in run("scenes", cid, "--variation", "1")] == [0, 1]
    assert [s["edit_count"] for s in run("scenes", cid)] == [0, 0]
    assert len(run("versions", cid, "1", "--variation", "1")) == 2
    assert run("preview", cid, "0", "warmer", "--variation", "1")["scene_index"] == 0
    before = run("variations", cid)
    for args, message in (
        (("edit", cid, "0", "brighter", "--variation", "5"), "error: Variation 5 out of range"),
        (("scenes", cid, "--variation", "-1"), "error: --variation must be a plain number"),
        (("select-variation", cid, "2"), "error: Variation 2 out of range"),
    ):
        err = run(*args, code=2)
        assert err.count("\n") == 1 and err.startswith(message), err
    assert run("variations", cid) == before
    assert run("select-variation", cid, "1")["selected"] is True
    listed = run("variations", cid)
    assert [v["selected"] for v in listed] == [False, True]
    assert set(listed[0]) >= {"index", "selected", "scenes", "final_key", "cost"}
    assert "/variation_1/" in listed[1]["final_key"] and "/variation_0/" in listed[0]["final_key"]

"""Versions of scenes and finals, revert and undo: free, by stream copy, recorded as edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from editing import campaigns, media, versions
from editing.context import Atelier
from editing.errors import InputError, NotFoundError
from editing.pipeline import edit_scene
from editing.revert import revert_scene, undo_last_edit


def _keys(ctx: Atelier, cid: str, scene: int) -> list[str]:
    return [v.video_key for v in versions.list_scene_versions(ctx, cid, scene)]


def test_revert_makes_an_earlier_version_current_for_free(ctx: Atelier, demo: str) -> None:
    edit_scene(ctx, demo, 1, "add rose petals")
    edit_scene(ctx, demo, 1, "warmer")
    v1, v2, v3 = versions.list_scene_versions(ctx, demo, 1)
    assert (v1.method, v2.method, v3.method) == ("original", "regenerate", "adjust") and v3.current

    result = revert_scene(ctx, demo, 1, 1)
    assert result["cost"] == 0.0 and result["changes_summary"] == "Back to version 1"
    listed = versions.list_scene_versions(ctx, demo, 1)
    assert [(v.version, v.method, v.current) for v in listed][-1] == (4, "revert", True)
    assert listed[-1].video_key == v1.video_key and listed[-1].source_version == 1  # the same file
    scene = campaigns.list_scenes(ctx, demo)[1]
    assert scene.background_prompt == v1.prompt and Path(scene.video_url) == Path(v1.video_url)
    final = Path(result["new_video_url"])
    assert media.probe(final).duration == pytest.approx(3.0, abs=0.06)
    record = campaigns.get_history(ctx, demo)[-1]
    assert (record.method, record.cost, record.status) == ("revert", 0.0, "completed")

    finals = versions.list_final_versions(ctx, demo)
    assert len(finals) == 4 and finals[-1].current and finals[-1].edit_id == result["edit_id"]
    assert all(Path(f.video_url).exists() for f in finals)  # every final stays playable


def test_undo_goes_back_one_version_and_can_itself_be_undone(ctx: Atelier, demo: str) -> None:
    edit_scene(ctx, demo, 0, "darker")
    original, darker = _keys(ctx, demo, 0)
    undo_last_edit(ctx, demo, 0)
    assert _keys(ctx, demo, 0)[-1] == original
    undo_last_edit(ctx, demo, 0)  # undo the undo
    assert _keys(ctx, demo, 0)[-1] == darker
    assert campaigns.list_scenes(ctx, demo)[0].edit_count == 3


@pytest.mark.parametrize(
    ("version", "error"),
    [(2, "already the current version"), (7, "there is no version 7"), (0, "there is no version 0")],
)
def test_a_bad_revert_changes_nothing(ctx: Atelier, demo: str, version: int, error: str) -> None:
    edit_scene(ctx, demo, 2, "brighter")
    before = (campaigns.campaign_overview(ctx, demo), campaigns.get_history(ctx, demo))
    with pytest.raises(InputError, match=error):
        revert_scene(ctx, demo, 2, version)
    assert (campaigns.campaign_overview(ctx, demo), campaigns.get_history(ctx, demo)) == before


def test_undo_of_an_unedited_scene_and_foreign_campaigns(ctx: Atelier, demo: str) -> None:
    with pytest.raises(InputError, match="nothing to undo"):
        undo_last_edit(ctx, demo, 1)
    with pytest.raises(InputError, match="out of range"):
        revert_scene(ctx, demo, 5, 1)
    with pytest.raises(NotFoundError):
        revert_scene(ctx, demo, 0, 1, brand="Another House")
    with pytest.raises(NotFoundError):
        versions.list_scene_versions(ctx, demo, 0, brand="Another House")
    assert campaigns.get_history(ctx, demo) == []


def test_revert_to_a_version_of_another_length_restores_the_length(ctx: Atelier, demo: str) -> None:
    edit_scene(ctx, demo, 0, "slow motion", keep_length=False)
    assert campaigns.list_scenes(ctx, demo)[0].duration == 2
    result = revert_scene(ctx, demo, 0, 1)
    assert campaigns.list_scenes(ctx, demo)[0].duration == 1
    assert media.probe(Path(result["new_video_url"])).duration == pytest.approx(3.0, abs=0.06)


def test_compare_shows_the_scene_and_the_ad_before_and_after(ctx: Atelier, demo: str) -> None:
    from PIL import Image

    from editing.compare import compare_edit

    result = edit_scene(ctx, demo, 1, "black and white")
    cmp = compare_edit(ctx, result["edit_id"])
    assert cmp.method == "adjust" and cmp.scene_before_url != cmp.scene_after_url
    assert cmp.final_after_url == result["new_video_url"] and cmp.final_before_url
    assert len(cmp.moments) == 5 and cmp.moments == tuple(sorted(cmp.moments)) and cmp.moments[-1] < 1.0
    before = [Image.open(p).convert("RGB") for p in cmp.frames_before]
    after = [Image.open(p).convert("RGB") for p in cmp.frames_after]
    for b, a in zip(before, after, strict=True):
        assert b.size == a.size == (180, 320)
        r, _, bl = a.split()
        assert max(abs(x - y) for x, y in zip(r.getdata(), bl.getdata(), strict=True)) < 12  # grey now
    assert compare_edit(ctx, result["edit_id"]).frames_after == cmp.frames_after  # cut once, cached


def test_compare_refuses_what_changed_nothing(ctx: Atelier, demo: str) -> None:
    from editing.compare import compare_edit

    with pytest.raises(NotFoundError):
        compare_edit(ctx, "00000000-0000-0000-0000-000000000000")
    result = edit_scene(ctx, demo, 0, "warmer")
    with pytest.raises(NotFoundError):
        compare_edit(ctx, result["edit_id"], brand="Another House")

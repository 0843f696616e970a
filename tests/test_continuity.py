"""Continuity: a scene much brighter (warmer, more saturated) than its neighbours is flagged,
and one click queues the $0 quick adjust that brings it back in line."""

from __future__ import annotations

import pytest

from editing import campaigns
from editing.context import Atelier
from editing.continuity import check, continuity_flags, submit_match
from editing.errors import InputError
from editing.jobs.tasks import edit_scene_job
from editing.media.stats import LookStats
from editing.pipeline import edit_scene


def _s(luma: float = 120, warmth: float = 20, saturation: float = 0.4) -> LookStats:
    return LookStats(luma, warmth, saturation)


def test_a_scene_is_flagged_when_its_gap_to_its_neighbours_moved_beyond_the_campaigns_spread() -> None:
    original = [_s(luma=100), _s(luma=160), _s(luma=120)]  # a dark hook, a bright showcase: on purpose
    assert check(original, original) == []
    assert check([_s(luma=108), _s(luma=170), _s(luma=125)], original) == []  # within the spread
    flags = check([_s(luma=100), _s(luma=230), _s(luma=120)], original)
    assert [(f.scene_index, f.issues) for f in flags] == [(1, ("much brighter than the scenes around it",))]
    assert flags[0].targets == {"luma": 160.0}  # back to its original gap to the scenes around it
    everywhere = [_s(luma=v.luma + 40, warmth=50) for v in original]  # one edit of every scene
    assert check(everywhere, original) == []
    flags = check([_s(warmth=70, saturation=0.1), _s(), _s()], [_s(), _s(), _s()])
    assert flags[0].issues == (
        "much warmer than the scenes around it",
        "much more muted than the scenes around it",
    )
    assert check([_s()], [_s()]) == []


def test_a_brightened_scene_is_flagged_and_matched_for_free(ctx: Atelier, demo: str) -> None:
    assert continuity_flags(ctx, demo) == []
    edit_scene(ctx, demo, 1, "much brighter")
    edit_scene(ctx, demo, 1, "much brighter")
    flags = continuity_flags(ctx, demo)
    assert [f.scene_index for f in flags] == [1] and "much brighter" in flags[0].message
    target = flags[0].targets["luma"]

    response = submit_match(ctx, demo, 1)
    assert response.estimated_cost == 0.0
    result = edit_scene_job("", 0, "", edit_id=response.edit_id, ctx=ctx)
    assert result["cost"] == 0.0 and result["changes_summary"].startswith("Quick adjust: exposure -")
    assert continuity_flags(ctx, demo) == []
    from editing.continuity import scene_stats

    key = campaigns.campaign_overview(ctx, demo).scenes[1].video_url.split("/media/", 1)[-1]
    assert abs(scene_stats(ctx, [key])[0].luma - target) < 6  # within a few luma levels of the target


def test_nothing_to_match(ctx: Atelier, demo: str) -> None:
    with pytest.raises(InputError, match="does not stand out"):
        submit_match(ctx, demo, 0)
    assert campaigns.get_history(ctx, demo) == []

"""Continuity: a scene that stands out from the scenes around it, and the quick adjust that matches it.

A campaign's scenes differ on purpose (a dark hook, a bright lifestyle shot); what the
original cut shows between a scene and its neighbours is the campaign's own spread. After
edits, a scene is flagged when its gap to its neighbours on mean luma, warmth or
saturation has moved away from the original gap by more than that spread (and by more than
a visible margin). The match is a quick adjust ($0) that restores the original gap, found
by trying grades on a few frames of the clip until its numbers meet the target.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from editing import assets, queries, variations, versions
from editing.access import Scope
from editing.context import Atelier
from editing.errors import InputError
from editing.jobs.queue import EditRequest, EditSceneResponse, submit_edit
from editing.media.adjust import Adjustment, grade_filters
from editing.media.stats import LookStats, graded_stats, look_stats, sample_frames

#: Per measure: the grade that moves it, the words for above / below, and the least gap that shows.
MEASURES: dict[str, tuple[str, str, str, float]] = {
    "luma": ("exposure", "brighter", "darker", 14.0),
    "warmth": ("warmth", "warmer", "cooler", 10.0),
    "saturation": ("saturation", "more saturated", "more muted", 0.07),
}


@dataclass(frozen=True)
class ContinuityFlag:
    """A scene that stands out: on what, by how much, and what its neighbours measure."""

    scene_index: int
    issues: tuple[str, ...]  # "much brighter than the scenes around it"
    measures: dict[str, float]  # the flagged measures of the scene
    targets: dict[str, float]  # the mean of its neighbours on the same measures

    @property
    def message(self) -> str:
        return "; ".join(self.issues)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gap(stats: list[LookStats], i: int, name: str) -> float:
    """How far scene ``i`` is from the mean of its neighbours on ``name``."""
    near = [stats[j].get(name) for j in (i - 1, i + 1) if 0 <= j < len(stats)]
    return stats[i].get(name) - sum(near) / len(near)


def check(current: list[LookStats], original: list[LookStats]) -> list[ContinuityFlag]:
    """The scenes that moved away from their neighbours since the original cut, beyond the campaign's spread.

    Only a scene that itself changed is flagged (its neighbours' gaps move too, but not by their doing).
    """
    flags: list[ContinuityFlag] = []
    if len(current) < 2 or len(original) != len(current):
        return flags
    for i, own in enumerate(current):
        issues, measures, targets = [], {}, {}
        for name, (_, above, below, margin) in MEASURES.items():
            spread = sum(abs(_gap(original, j, name)) for j in range(len(original))) / len(original)
            gap, was = _gap(current, i, name), _gap(original, i, name)
            moved = own.get(name) - original[i].get(name)
            if abs(gap - was) <= max(margin, spread) or abs(moved) <= margin or moved * (gap - was) <= 0:
                continue
            issues.append(f"much {above if gap > was else below} than the scenes around it")
            measures[name], targets[name] = own.get(name), round(own.get(name) - gap + was, 4)
        if issues:
            flags.append(ContinuityFlag(i, tuple(issues), measures, targets))
    return flags


_STATS: dict[str, LookStats] = {}  # by video key: keys are write-once, so a key's stats never change
_STATS_LOCK = threading.Lock()


def scene_stats(ctx: Atelier, keys: list[str]) -> list[LookStats]:
    """The look stats of stored scenes (measured once per key per process)."""
    out: list[LookStats] = []
    with tempfile.TemporaryDirectory(prefix="atelier-stats-") as tmp:
        for i, key in enumerate(keys):
            with _STATS_LOCK:
                known = _STATS.get(key)
            if known is None:
                known = look_stats(assets.fetch(ctx.storage, key, Path(tmp), f"s{i}.mp4"))
                with _STATS_LOCK:
                    _STATS[key] = known
            out.append(known)
    return out


def continuity_flags(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None, variation: int | None = None
) -> list[ContinuityFlag]:
    """The campaign's scenes that stand out from their neighbours now, against the original cut.

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        variation = variations.resolve(campaign.campaign_json, variation)
        keys = [s["video_key"] for s in variations.view(campaign.campaign_json, variation).get("scenes", [])]
        firsts = versions.first_versions(session, campaign.id, variation)
    if all(firsts.get(i, key) == key for i, key in enumerate(keys)):
        return []  # the original cut: nothing was edited
    original = [firsts.get(i, key) for i, key in enumerate(keys)]
    return check(scene_stats(ctx, keys), scene_stats(ctx, original))


def _solve(measure: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """The grade amount in [lo, hi] whose measure is nearest ``target`` (measure rises with the amount)."""
    if measure(hi) <= target:
        return hi
    if measure(lo) >= target:
        return lo
    for _ in range(6):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if measure(mid) < target else (lo, mid)
    return round((lo + hi) / 2, 2)


def _with(adjustment: Adjustment, field: str, amount: float) -> Adjustment:
    return Adjustment.from_dict({**adjustment.to_dict(), field: amount})


def match_adjustment(clip: Path, flag: ContinuityFlag) -> Adjustment:
    """The grade that brings the flagged measures of ``clip`` to its neighbours' (tried on a few frames)."""
    adjustment = Adjustment()
    with tempfile.TemporaryDirectory(prefix="atelier-match-") as tmp:
        sample = sample_frames(clip, Path(tmp) / "sample.rgb")
        for name, target in flag.targets.items():
            field = MEASURES[name][0]
            base = adjustment

            def measure(
                amount: float, base: Adjustment = base, field: str = field, name: str = name
            ) -> float:
                return graded_stats(sample, grade_filters(_with(base, field, amount))).get(name)

            adjustment = _with(base, field, _solve(measure, target, -3.0, 3.0))
    return adjustment


def match_plan(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    *,
    brand: Scope = None,
    variation: int | None = None,
) -> tuple[str, Adjustment]:
    """The instruction text and quick adjust that match a flagged scene to its neighbours.

    Raises:
        InputError: the scene does not stand out (nothing to match).
    """
    flags = {f.scene_index: f for f in continuity_flags(ctx, campaign_id, brand=brand, variation=variation)}
    flag = flags.get(scene_index)
    if flag is None:
        raise InputError(f"Scene {scene_index} does not stand out from its neighbours; nothing to match")
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        key = variations.view(campaign.campaign_json, variation)["scenes"][scene_index]["video_key"]
    with tempfile.TemporaryDirectory(prefix="atelier-match-") as tmp:
        adjustment = match_adjustment(assets.fetch(ctx.storage, key, Path(tmp), "clip.mp4"), flag)
    return f"Match the scenes around it ({flag.message})", adjustment


def submit_match(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    *,
    brand: Scope = None,
    user: str | None = None,
    variation: int | None = None,
) -> EditSceneResponse:
    """Queue the quick adjust ($0) that matches a flagged scene to its neighbours.

    Raises:
        InputError: the scene does not stand out.
        ConflictError: the scene is being edited.
    """
    text, adjustment = match_plan(ctx, campaign_id, scene_index, brand=brand, variation=variation)
    request = EditRequest(method="adjust", adjustment=adjustment, variation=variation)
    return submit_edit(ctx, campaign_id, scene_index, text, brand=brand, user=user, request=request)

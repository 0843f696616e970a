"""Compare an edit's before and after: the scene (players and frames at the same moments) and the ad.

Frames are cut once per (file, moment) into the cache directory: stored keys are
write-once, so a key's frame at a moment never changes.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from editing import assets, queries
from editing.access import Scope
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import InputError, NotFoundError
from editing.media.ffmpeg import run, thumbnail_cmd

#: Moments of a strip, as fractions of the shorter clip.
MOMENTS = (0.1, 0.3, 0.5, 0.7, 0.9)
STRIP_WIDTH = 180


@dataclass(frozen=True)
class Comparison:
    """An edit's before and after, ready to show side by side."""

    edit_id: str
    campaign_id: str
    scene_index: int
    method: str
    instruction: str
    changes_summary: str | None
    scene_before_url: str | None
    scene_after_url: str | None
    final_before_url: str | None
    final_after_url: str | None
    moments: tuple[float, ...]  # seconds into both scenes
    frames_before: tuple[str, ...]  # local JPEG paths, one per moment
    frames_after: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _frame(ctx: Atelier, key: str, at: float, work: Path) -> Path:
    """The JPEG of stored video ``key`` at ``at`` seconds (cut once, then from the cache)."""
    name = hashlib.sha256(f"{key}@{at:.3f}:{STRIP_WIDTH}".encode()).hexdigest()[:32]
    cached = ctx.settings.cache_dir / "frames" / f"{name}.jpg"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        video = assets.fetch(ctx.storage, key, work, f"{name}.mp4")
        tmp = cached.with_name(f".{name}.{uuid.uuid4().hex[:8]}.jpg")
        try:
            run(thumbnail_cmd(video, tmp, at, STRIP_WIDTH), f"a frame of {Path(key).name}")
            tmp.replace(cached)
        finally:
            tmp.unlink(missing_ok=True)
    return cached


def frame_strip(ctx: Atelier, key: str, moments: tuple[float, ...]) -> tuple[str, ...]:
    """Frames of a stored video at ``moments`` (seconds), as local JPEG paths."""
    with tempfile.TemporaryDirectory(prefix="atelier-strip-") as tmp:
        return tuple(str(_frame(ctx, key, at, Path(tmp))) for at in moments)


def _duration(ctx: Atelier, key: str) -> float:
    from editing.media.mp4 import read_mp4_video

    with tempfile.TemporaryDirectory(prefix="atelier-probe-") as tmp:
        box = read_mp4_video(assets.fetch(ctx.storage, key, Path(tmp), "clip.mp4"))
    return box.duration / box.timescale if box is not None and box.timescale else 0.0


def compare_edit(ctx: Atelier, edit_id: str | uuid.UUID, *, brand: Scope = None) -> Comparison:
    """The before and after of a completed edit.

    Raises:
        NotFoundError: unknown edit, or one of a campaign ``brand`` may not see.
        InputError: the edit did not complete (it changed nothing to compare).
    """
    eid = queries.parse_uuid(edit_id, "Edit")
    with ctx.db.Session() as session:
        stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
        row = session.scalars(queries.visible(stmt.where(EditHistory.edit_id == eid), brand)).first()
    if row is None:
        raise NotFoundError(f"Edit {edit_id} not found")
    if row.status != "completed" or not row.scene_key_before or not row.scene_key_after:
        raise InputError(
            f"Edit {edit_id} is {row.status}: it changed nothing, so there is nothing to compare"
        )
    before, after = row.scene_key_before, row.scene_key_after
    length = min(_duration(ctx, before), _duration(ctx, after))
    moments = tuple(round(f * length, 3) for f in MOMENTS)
    url = ctx.storage.url
    return Comparison(
        edit_id=str(row.edit_id),
        campaign_id=str(row.campaign_id),
        scene_index=row.scene_index,
        method=row.method,
        instruction=row.edit_prompt,
        changes_summary=row.changes_summary,
        scene_before_url=url(before),
        scene_after_url=url(after),
        final_before_url=url(row.final_key_before) if row.final_key_before else None,
        final_after_url=url(row.final_key_after) if row.final_key_after else None,
        moments=moments,
        frames_before=frame_strip(ctx, before, moments),
        frames_after=frame_strip(ctx, after, moments),
    )

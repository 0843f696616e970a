"""The edit row and the campaign row while an edit runs: open, record, fail, discard, commit.

Money is written to the edit row the moment it is spent; the campaign changes only in
:func:`commit`, one transaction that locks the campaign row, refuses an edit whose scene
changed underneath it, re-renders the final under the lock when another scene changed
meanwhile, and makes the edit visible. A failure charges the campaign in SQL, so a
concurrent commit is never overwritten.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import update

from editing import queries
from editing.assets import StoredVideo
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.domain import Instruction, iso_utc, validate_scene_index
from editing.errors import ConflictError
from editing.providers.base import GeneratedScene, PromptEdit
from editing.storage.keys import CampaignKeys


@dataclass(frozen=True)
class Snapshot:
    """The campaign as the edit found it (compared again at commit time)."""

    keys: CampaignKeys
    base_version: int
    scenes: list[dict[str, Any]]
    style_spec: dict[str, Any]
    perfume_name: str
    audio_key: str | None
    final_key: str | None
    prev_status: str
    prev_error: str | None


@dataclass
class EditRun:
    """One edit in progress: what it started from, what it spent and wrote, what each step made."""

    edit_id: uuid.UUID
    campaign_id: uuid.UUID
    scene_index: int
    instruction: Instruction
    snapshot: Snapshot
    started: float = field(default_factory=time.monotonic)
    work: Path = Path()
    costs: dict[str, float] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # keys stored by this run
    finals: list[str] = field(default_factory=list)  # final-video keys (free to remake)
    committed: bool = False
    duration: float = 0.0  # seconds from start to commit
    # what the steps made, in order
    prompt_edit: PromptEdit | None = None
    generated: GeneratedScene | None = None
    scene_path: Path | None = None
    new_scene: StoredVideo | None = None
    final: StoredVideo | None = None

    @property
    def scene(self) -> dict[str, Any]:
        return self.snapshot.scenes[self.scene_index]

    @property
    def total(self) -> float:
        return round(sum(self.costs.values()), 6)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def version(self, campaign_version: int | None = None) -> str:
        """A key suffix: the scene's next version, or (with ``campaign_version``) the final's.

        The edit id keeps concurrent edits from ever choosing the same key.
        """
        if campaign_version is None:
            return f"v{int(self.scene.get('edit_count', 0)) + 2}_{self.edit_id.hex[:8]}"
        return f"v{campaign_version + 1}_{self.edit_id.hex[:8]}"


def begin(
    ctx: Atelier,
    campaign_id: uuid.UUID,
    scene_index: int,
    instruction: Instruction,
    *,
    brand: str | None,
    user: str,
) -> EditRun:
    """Snapshot the campaign and insert the 'running' edit row, in one transaction."""
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(campaign_id, session=session, brand=brand, for_update=True)
        cj = copy.deepcopy(c.campaign_json)
        scenes = cj.get("scenes", [])
        validate_scene_index(scene_index, len(scenes))
        variation = int(cj.get("selected_variation_index", c.selected_variation_index or 0))
        snapshot = Snapshot(
            keys=CampaignKeys(str(c.brand_id), str(c.perfume_id), str(c.id), variation),
            base_version=c.version,
            scenes=scenes,
            style_spec=cj.get("style_spec", {}),
            perfume_name=cj.get("perfume_name", "Perfume"),
            audio_key=cj.get("audio_url"),
            final_key=cj.get("final_video_key"),
            prev_status=c.status,
            prev_error=c.error_message,
        )
        run = EditRun(uuid.uuid4(), c.id, scene_index, instruction, snapshot)
        session.add(
            EditHistory(
                edit_id=run.edit_id,
                campaign_id=c.id,
                timestamp=datetime.now(UTC),
                scene_index=scene_index,
                edit_prompt=instruction.text,
                original_prompt=run.scene.get("background_prompt", ""),
                status="running",
                user_name=user,
                base_version=snapshot.base_version,
                scene_key_before=run.scene.get("video_key"),
                final_key_before=snapshot.final_key,
                cost=Decimal(0),
                cost_breakdown={},
            )
        )
        c.status = "processing"
    return run


def record(ctx: Atelier, run: EditRun, **values: Any) -> None:
    """Write what the edit knows so far (and what it spent) to its row, at once."""
    values.setdefault("cost", Decimal(str(run.total)))
    values.setdefault("cost_breakdown", dict(run.costs))
    with ctx.db.Session.begin() as session:
        row = session.get(EditHistory, run.edit_id)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)


def discard(ctx: Atelier, run: EditRun) -> None:
    """Remove the 'running' row of a request refused before anything was spent: no trace."""
    with ctx.db.Session.begin() as session:
        row = session.get(EditHistory, run.edit_id)
        if row is not None:
            session.delete(row)
        c = session.get(Campaign, run.campaign_id)
        if c is not None and c.status == "processing":
            c.status, c.error_message = run.snapshot.prev_status, run.snapshot.prev_error


def fail(ctx: Atelier, run: EditRun, message: str) -> None:
    """Record the failure: the row with what was spent, the campaign's status, error and spend."""
    message = " ".join(message.split())
    with ctx.db.Session.begin() as session:
        row = session.get(EditHistory, run.edit_id)
        if row is not None:
            row.status = "failed"
            row.error = message
            row.cost = Decimal(str(run.total))
            row.cost_breakdown = dict(run.costs)
            row.duration_seconds = Decimal(f"{run.elapsed:.3f}")
        # Incremented in SQL: a concurrent edit's commit cannot be overwritten. Money spent
        # on a failed edit is still money spent on this campaign.
        session.execute(
            update(Campaign)
            .where(Campaign.id == run.campaign_id)
            .values(status="failed", error_message=message, cost=Campaign.cost + Decimal(str(run.total)))
        )


#: Renders the final again from these scene keys under this version suffix (used under the lock).
Rerender = Callable[[list[str], str], StoredVideo]


def commit(ctx: Atelier, run: EditRun, rerender: Rerender) -> StoredVideo:
    """Make the edit visible: the new scene, prompt and final, the cost, the completed row.

    Returns the final video in the campaign (re-rendered if another scene changed meanwhile).

    Raises:
        ConflictError: another edit changed this scene while this one ran.
    """
    assert run.prompt_edit is not None and run.new_scene is not None and run.final is not None
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(run.campaign_id, session=session, for_update=True)
        cj = copy.deepcopy(c.campaign_json)
        scene = cj["scenes"][run.scene_index]
        if scene.get("video_key") != run.scene.get("video_key"):
            raise ConflictError(
                f"Scene {run.scene_index} was changed by another edit while this one ran; "
                "open the campaign again and repeat the edit"
            )
        final = run.final
        if c.version != run.snapshot.base_version:
            # Another scene changed meanwhile: the final must include it. Re-render under the lock.
            final = rerender([s["video_key"] for s in cj["scenes"]], run.version(c.version))
        scene.update(
            background_prompt=run.prompt_edit.modified_prompt,
            edit_count=int(scene.get("edit_count", 0)) + 1,
            last_edited_at=iso_utc(datetime.now(UTC)),
            video_key=run.new_scene.key,
            thumbnail_key=run.new_scene.thumbnail_key,
        )
        cj["final_video_key"], cj["final_thumbnail_key"] = final.key, final.thumbnail_key
        c.campaign_json = cj
        c.cost = (c.cost or Decimal(0)) + Decimal(str(run.total))
        c.status, c.error_message = "completed", None
        c.version = c.version + 1
        run.duration = run.elapsed
        _complete_row(session.get(EditHistory, run.edit_id), run, final)
    run.committed = True
    return final


def _complete_row(row: EditHistory | None, run: EditRun, final: StoredVideo) -> None:
    assert row is not None and run.new_scene is not None
    row.status = "completed"
    row.cost = Decimal(str(run.total))
    row.cost_breakdown = dict(run.costs)
    row.duration_seconds = Decimal(f"{run.duration:.3f}")
    row.scene_key_after = run.new_scene.key
    row.final_key_after = final.key

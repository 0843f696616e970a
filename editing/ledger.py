"""The edit row and the campaign row while an edit runs: start, record, fail, discard, commit.

An edit starts from a queued row (:func:`claim`, what a job does) or a fresh one
(:func:`begin`, a direct run), always under a lease the caller already holds. Money is
written to the edit row the moment it is spent; the campaign changes only in
:func:`commit`, one transaction that locks the campaign row, checks the edit still owns
its row (the sweeper may have closed it if this process lost its lease), refuses an edit
whose scene changed underneath it, re-renders the final under the lock when another
scene changed meanwhile, and makes the edit visible. A failure charges the campaign in
SQL, so a concurrent commit is never overwritten.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editing import budgets, estimates, queries, variations, versions
from editing.access import Scope
from editing.assets import StoredVideo
from editing.context import Atelier
from editing.db.models import ACTIVE_STATUSES, Campaign, EditHistory
from editing.domain import Instruction, iso_utc, validate_scene_index
from editing.errors import ConflictError, LeaseLost
from editing.media.adjust import Adjustment
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
    product_image_key: str | None = None


@dataclass(frozen=True)
class Recorded:
    """What an earlier attempt of this edit already recorded (a resumed or previewed edit)."""

    modified_prompt: str | None = None
    changes_summary: str | None = None
    prompt_provider: str | None = None
    prediction_id: str | None = None
    video_provider: str | None = None
    costs: dict[str, float] = field(default_factory=dict)


@dataclass
class EditRun:
    """One edit in progress: what it started from, what it spent and wrote, what each step made."""

    edit_id: uuid.UUID
    campaign_id: uuid.UUID
    scene_index: int
    instruction: Instruction
    snapshot: Snapshot
    lease_key: int
    recorded: Recorded = field(default_factory=Recorded)
    started: float = field(default_factory=time.monotonic)
    work: Path = Path()
    costs: dict[str, float] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # keys stored by this run
    finals: list[str] = field(default_factory=list)  # final-video keys (free to remake)
    committed: bool = False
    attempt: int = 1  # 2 and more: resumed after the process that ran it died
    method: str = "regenerate"
    group_id: uuid.UUID | None = None  # one of an "edit all scenes": the group renders the final once
    adjustment: Adjustment | None = None  # what a quick adjust does
    source_version: int | None = None  # the version a revert restores
    new_duration: float | None = None  # the scene's new length (a trim, a retimed speed change, a revert)
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

        The edit id keeps concurrent edits from ever choosing the same key, the attempt an
        edit resumed while its first run still finishes (a database restart) from its own.
        """
        tag = self.edit_id.hex[:8] + (f"r{self.attempt}" if self.attempt > 1 else "")
        if campaign_version is None:
            return f"v{int(self.scene.get('edit_count', 0)) + 2}_{tag}"
        return f"v{campaign_version + 1}_{tag}"


def _snapshot(c: Campaign, scene_index: int, variation: int | None) -> Snapshot:
    snapshot = snapshot_of(c, variation)
    validate_scene_index(scene_index, len(snapshot.scenes))
    return snapshot


def snapshot_of(c: Campaign, variation: int | None = None) -> Snapshot:
    """A variation of the campaign (None: the selected one) as it is now: keys, version, scenes, audio, final.

    Raises:
        InputError: an unknown variation.
    """
    variation = variations.resolve(c.campaign_json, variation)
    cj = variations.view(c.campaign_json, variation)
    scenes = cj.get("scenes", [])
    return Snapshot(
        keys=CampaignKeys(str(c.brand_id), str(c.perfume_id), str(c.id), variation),
        base_version=c.version,
        scenes=scenes,
        style_spec=cj.get("style_spec", {}),
        perfume_name=cj.get("perfume_name", "Perfume"),
        audio_key=cj.get("audio_url"),
        final_key=cj.get("final_video_key"),
        product_image_key=cj.get("product_image_key"),
    )


def _plan(run: EditRun, method: str, plan: dict[str, Any] | None) -> None:
    """What the edit's method does, as its row fixed it when the edit was accepted."""
    run.method = method
    plan = plan or {}
    if "adjustment" in plan:
        run.adjustment = Adjustment.from_dict(plan["adjustment"])
    if "source_version" in plan:
        run.source_version = int(plan["source_version"])


def _start_row(row: EditHistory, snapshot: Snapshot, scene: dict[str, Any], lease_key: int) -> None:
    """What a running row says: the campaign as found, the lease, when it started."""
    row.status, row.lease_key = "running", lease_key
    row.attempts = (row.attempts or 0) + 1
    row.started_at = datetime.now(UTC)
    row.base_version = snapshot.base_version
    row.original_prompt = scene.get("background_prompt", "")
    row.scene_key_before, row.final_key_before = scene.get("video_key"), snapshot.final_key


def begin(
    ctx: Atelier,
    campaign_id: uuid.UUID,
    scene_index: int,
    instruction: Instruction,
    *,
    brand: Scope,
    user: str,
    lease_key: int,
    method: str = "regenerate",
    plan: dict[str, Any] | None = None,
    variation: int | None = None,
) -> EditRun:
    """Snapshot the campaign's variation and insert the running edit row (a direct run, not a job).

    Raises:
        ConflictError: another edit of this scene is queued or running.
    """
    try:
        with ctx.db.Session.begin() as session:
            c = queries.load_campaign(campaign_id, session=session, brand=brand, for_update=True)
            snapshot = _snapshot(c, scene_index, variation)
            run = EditRun(uuid.uuid4(), c.id, scene_index, instruction, snapshot, lease_key)
            estimate = estimates.estimate_edit(
                ctx, run.scene, instruction.text, session=session, method=method
            )
            budgets.hold(session, c, estimate.cost)
            row = EditHistory(edit_id=run.edit_id, campaign_id=c.id, timestamp=datetime.now(UTC))
            row.scene_index, row.variation, row.edit_prompt = (
                scene_index,
                snapshot.keys.variation,
                instruction.text,
            )
            row.user_name, row.cost, row.cost_breakdown = user, Decimal(0), {}
            row.method, row.plan = method, plan or None
            row.scene_role = run.scene.get("role")
            _plan(run, method, plan)
            _start_row(row, snapshot, run.scene, lease_key)
            session.add(row)
            session.flush()
            c.status = "processing"
    except IntegrityError as exc:
        raise busy_scene(ctx, campaign_id, scene_index, variation) from exc
    return run


def claim(ctx: Atelier, edit_id: uuid.UUID, *, lease_key: int) -> EditRun | None:
    """Start a queued edit (a job's first act); None when it is not queued any more."""
    with ctx.db.Session.begin() as session:
        row = session.get(EditHistory, edit_id, with_for_update=True)
        if row is None or row.status != "queued":
            return None
        c = queries.load_campaign(row.campaign_id, session=session, for_update=True)
        snapshot = _snapshot(c, row.scene_index, row.variation)
        recorded = Recorded(
            modified_prompt=row.modified_prompt,
            changes_summary=row.changes_summary,
            prompt_provider=row.prompt_provider,
            prediction_id=row.prediction_id,
            video_provider=row.video_provider,
            costs=dict(row.cost_breakdown or {}),
        )
        run = EditRun(edit_id, c.id, row.scene_index, Instruction.parse(row.edit_prompt), snapshot, lease_key)
        run.recorded, run.costs = recorded, dict(recorded.costs)
        _plan(run, row.method, row.plan)
        run.group_id = row.group_id
        _start_row(row, snapshot, run.scene, lease_key)
        run.attempt = row.attempts
        c.status = "processing"
    return run


def busy_scene(
    ctx: Atelier, campaign_id: uuid.UUID, scene_index: int, variation: int | None = None
) -> ConflictError:
    """The refusal of a second edit of a scene (of ``variation``, if known): who is editing it, since when."""
    with ctx.db.Session() as session:
        stmt = select(EditHistory).where(
            EditHistory.campaign_id == campaign_id,
            EditHistory.scene_index == scene_index,
            EditHistory.status.in_(ACTIVE_STATUSES),
        )
        if variation is not None:
            stmt = stmt.where(EditHistory.variation == variation)
        row = session.scalars(stmt).first()
    if row is None:  # it ended meanwhile
        return ConflictError(f"Scene {scene_index} was being edited; try again")
    since = (datetime.now(UTC) - row.timestamp).total_seconds()
    return ConflictError(
        f"Scene {scene_index} is being edited by {row.user_name} ({row.status} for {since:.0f}s); "
        "wait for that edit to finish, then edit it again"
    )


def busy_campaign(ctx: Atelier, campaign_id: uuid.UUID) -> ConflictError:
    """The refusal of an edit of every scene while one of them is being edited."""
    with ctx.db.Session() as session:
        index = session.scalar(
            select(EditHistory.scene_index).where(
                EditHistory.campaign_id == campaign_id, EditHistory.status.in_(ACTIVE_STATUSES)
            )
        )
    if index is None:
        return ConflictError("A scene was being edited; try again")
    return busy_scene(ctx, campaign_id, index)


def record(ctx: Atelier, run: EditRun, **values: Any) -> None:
    """Write what the edit knows so far (and what it spent) to its row, at once."""
    values.setdefault("cost", Decimal(str(run.total)))
    values.setdefault("cost_breakdown", dict(run.costs))
    with ctx.db.Session.begin() as session:
        session.execute(update(EditHistory).where(_owned(run)).values(**values))


def _owned(run: EditRun) -> Any:
    """The run's row, while it still belongs to this run (running, under its lease)."""
    return (
        (EditHistory.edit_id == run.edit_id)
        & (EditHistory.status == "running")
        & (EditHistory.lease_key == run.lease_key)
    )


def settle_campaign(session: Session, campaign_id: uuid.UUID, *, failed: str | None, spent: Decimal) -> None:
    """After an edit ends: charge what it spent; 'processing' while other edits run, else its outcome."""
    others = session.scalar(
        select(func.count())
        .select_from(EditHistory)
        .where(EditHistory.campaign_id == campaign_id, EditHistory.status.in_(ACTIVE_STATUSES))
    )
    values: dict[str, Any] = {"cost": Campaign.cost + spent}
    if not others:
        values.update(status="failed" if failed else "completed", error_message=failed)
    elif failed:
        values["error_message"] = failed
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


def discard(ctx: Atelier, run: EditRun) -> None:
    """Remove the row of a request refused before anything was spent: no trace but the settled status."""
    with ctx.db.Session.begin() as session:
        row = session.get(EditHistory, run.edit_id)
        if row is not None and row.status == "running" and row.lease_key == run.lease_key:
            session.delete(row)
            session.flush()
            settle_campaign(session, run.campaign_id, failed=None, spent=Decimal(0))


def fail(ctx: Atelier, run: EditRun, message: str) -> None:
    """Record the failure: the row with what was spent, the campaign's status, error and spend."""
    message = " ".join(message.split())
    with ctx.db.Session.begin() as session:
        now = datetime.now(UTC)
        values = {"status": "failed", "error": message, "cost": Decimal(str(run.total)), "finished_at": now}
        values |= {"cost_breakdown": dict(run.costs), "duration_seconds": Decimal(f"{run.elapsed:.3f}")}
        done = session.execute(
            update(EditHistory)
            .where(_owned(run))
            .values(lease_key=None, **values)
            .returning(EditHistory.edit_id)
        ).first()
        if done is not None:  # the sweeper did not close it first
            settle_campaign(session, run.campaign_id, failed=message, spent=Decimal(str(run.total)))


#: Renders the final again from these scene keys under this version suffix, with this music (under the lock).
Rerender = Callable[[list[str], str, str | None], StoredVideo]


def commit(ctx: Atelier, run: EditRun, rerender: Rerender) -> StoredVideo | None:
    """Make the edit visible: the new scene, prompt and final, the cost, the completed row.

    Returns the final video in the campaign (re-rendered if another scene changed meanwhile);
    None for an edit of a group, whose final is rendered once for the group
    (:func:`editing.finals.settle_group`).

    Raises:
        LeaseLost: this process lost the edit's lease and the edit was closed meanwhile.
        ConflictError: another edit changed this scene while this one ran.
    """
    assert run.prompt_edit is not None and run.new_scene is not None
    assert run.final is not None or run.group_id is not None
    ctx.leases.check(run.lease_key)
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(run.campaign_id, session=session, for_update=True)
        row = session.get(EditHistory, run.edit_id, with_for_update=True)
        if row is None or row.status != "running" or row.lease_key != run.lease_key:
            raise LeaseLost(
                "this edit was closed while it ran (its process lost its lease); nothing was changed"
            )
        v = run.snapshot.keys.variation
        cj = variations.view(c.campaign_json, v)
        scene = cj["scenes"][run.scene_index]
        if scene.get("video_key") != run.scene.get("video_key"):
            raise ConflictError(
                f"Scene {run.scene_index} was changed by another edit while this one ran; "
                "open the campaign again and repeat the edit"
            )
        final = run.final
        if final is not None and c.version != run.snapshot.base_version:
            # Another scene changed meanwhile: the final must include it. Re-render under the lock.
            final = rerender(
                [s["video_key"] for s in cj["scenes"]], run.version(c.version), cj.get("audio_url")
            )
        _update_scene(scene, run)
        if final is None:
            cj["final_stale"] = True  # the group's last edit renders it
        else:
            cj["final_video_key"], cj["final_thumbnail_key"] = final.key, final.thumbnail_key
            cj.pop("final_stale", None)
        c.campaign_json = variations.put(c.campaign_json, v, cj)
        c.version = c.version + 1
        run.duration = run.elapsed
        _complete_row(row, run, final)
        _record_versions(session, run, row, final)
        session.flush()
        settle_campaign(session, run.campaign_id, failed=None, spent=Decimal(str(run.total)))
    run.committed = True
    return final


def _update_scene(scene: dict[str, Any], run: EditRun) -> None:
    assert run.prompt_edit is not None and run.new_scene is not None
    scene.update(
        background_prompt=run.prompt_edit.modified_prompt,
        edit_count=int(scene.get("edit_count", 0)) + 1,
        last_edited_at=iso_utc(datetime.now(UTC)),
        video_key=run.new_scene.key,
        thumbnail_key=run.new_scene.thumbnail_key,
    )
    if run.new_duration is not None:
        scene["duration"] = run.new_duration


def _record_versions(session: Session, run: EditRun, row: EditHistory, final: StoredVideo | None) -> None:
    """The new scene version and the new final version this edit made."""
    assert run.new_scene is not None and run.prompt_edit is not None
    v = run.snapshot.keys.variation
    versions.record_scene_version(
        session,
        campaign_id=run.campaign_id,
        variation=v,
        scene_index=run.scene_index,
        video_key=run.new_scene.key,
        thumbnail_key=run.new_scene.thumbnail_key,
        prompt=run.prompt_edit.modified_prompt,
        duration=run.new_duration if run.new_duration is not None else float(run.scene.get("duration", 4)),
        method=row.method,
        user=row.user_name,
        edit_id=run.edit_id,
        cost=run.total,
        source_version=run.source_version,
    )
    if final is None:
        return
    versions.record_final_version(
        session,
        campaign_id=run.campaign_id,
        variation=v,
        video_key=final.key,
        thumbnail_key=final.thumbnail_key,
        user=row.user_name,
        edit_id=run.edit_id,
    )


def _complete_row(row: EditHistory, run: EditRun, final: StoredVideo | None) -> None:
    assert run.new_scene is not None
    row.status, row.lease_key, row.finished_at = "completed", None, datetime.now(UTC)
    row.cost = Decimal(str(run.total))
    row.cost_breakdown = dict(run.costs)
    row.duration_seconds = Decimal(f"{run.duration:.3f}")
    row.scene_key_after = run.new_scene.key
    row.final_key_after = final.key if final is not None else None
    row.progress_step, row.progress_fraction = "save", 1.0

"""SceneEditPipeline: one scene edit as named steps, with a progress callback.

rewrite_prompt → generate_scene → store_scene → render_final → save

Every file is written under a new, write-once key before the database commit, and
the commit is the moment the edit becomes visible. A failure at any step leaves the
old scene, final video and prompt current; the edit row records the failure and any
money already spent, and the campaign records its status and error. Concurrent edits
are safe: the save step locks the campaign row, refuses an edit whose scene changed
underneath it, and re-renders the final video if another scene changed meanwhile.
"""

from __future__ import annotations

import copy
import logging
import math
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from editing import assets
from editing.campaigns import load_campaign
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.domain import iso_utc, validate_instruction, validate_scene_index
from editing.errors import (
    AtelierError,
    ConflictError,
    InputError,
    InvalidVideoError,
    ProviderError,
    ProviderTimeout,
)
from editing.providers.base import PromptEdit, SceneRequest
from editing.service import EditService
from editing.storage.base import final_video_key, scene_key

log = logging.getLogger(__name__)

STEPS: tuple[tuple[str, str], ...] = (
    ("rewrite_prompt", "Rewrite prompt"),
    ("generate_scene", "Generate scene"),
    ("store_scene", "Store scene"),
    ("render_final", "Render final video"),
    ("save", "Save"),
)


@dataclass(frozen=True)
class ProgressEvent:
    """A step started, advanced, finished or failed."""

    step: str
    label: str
    state: str  # "running" | "done" | "failed"
    message: str = ""
    fraction: float | None = None
    elapsed_s: float = 0.0


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class _Snapshot:
    """What the edit started from (read once, compared again at save time)."""

    brand_id: str
    perfume_id: str
    variation: int
    base_version: int
    scene: dict[str, Any]
    scenes: list[dict[str, Any]]
    style_spec: dict[str, Any]
    perfume_name: str
    audio_key: str | None
    final_key: str | None
    prev_status: str
    prev_error: str | None


@dataclass
class _Run:
    edit_id: uuid.UUID
    started: float
    costs: dict[str, float] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # keys stored by this run
    finals: list[str] = field(default_factory=list)  # final-video keys (free to remake)
    committed: bool = False

    @property
    def total(self) -> float:
        return round(sum(self.costs.values()), 6)


class SceneEditPipeline:
    """Pipeline for editing a single scene in a campaign (seed: jobs/edit_pipeline.py)."""

    def __init__(
        self,
        campaign_id: str | uuid.UUID,
        scene_index: int,
        edit_instruction: str,
        *,
        ctx: Atelier,
        brand: str | None = None,
        user: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Validate the request; nothing is written until :meth:`run`.

        Raises:
            InputError: empty / over-long instruction or scene index out of range (negative too).
            NotFoundError: unknown campaign, or one of another brand.
        """
        self.ctx = ctx
        self.edit_instruction = validate_instruction(edit_instruction)
        self.brand = brand
        self.user = user or ctx.settings.user
        self.on_progress = on_progress
        with ctx.db.Session() as session:
            campaign = load_campaign(session, campaign_id, brand=brand)
            self.campaign_id = campaign.id
            self.scene_index = validate_scene_index(
                scene_index, len(campaign.campaign_json.get("scenes", []))
            )
        self._step_started = 0.0
        self._current_step = ""

    # -- progress ---------------------------------------------------------------------------
    def _emit(self, step: str, state: str, message: str = "", fraction: float | None = None) -> None:
        if state == "running" and step != self._current_step:
            self._current_step, self._step_started = step, time.monotonic()
        label = dict(STEPS).get(step, step)
        event = ProgressEvent(step, label, state, message, fraction, time.monotonic() - self._step_started)
        log.debug("edit %s %s: %s", step, state, message)
        if self.on_progress is not None:
            try:
                self.on_progress(event)
            except Exception:  # a broken progress display must never fail an edit
                log.exception("progress callback failed on %s %s", step, state)

    # -- database helpers -------------------------------------------------------------------
    def _begin(self) -> tuple[_Snapshot, _Run]:
        """Snapshot the campaign and insert the 'running' edit row (one transaction)."""
        with self.ctx.db.Session.begin() as session:
            c = load_campaign(session, self.campaign_id, brand=self.brand, for_update=True)
            cj = copy.deepcopy(c.campaign_json)
            scenes = cj.get("scenes", [])
            validate_scene_index(self.scene_index, len(scenes))
            snap = _Snapshot(
                brand_id=str(c.brand_id),
                perfume_id=str(c.perfume_id),
                variation=int(cj.get("selected_variation_index", c.selected_variation_index or 0)),
                base_version=c.version,
                scene=scenes[self.scene_index],
                scenes=scenes,
                style_spec=cj.get("style_spec", {}),
                perfume_name=cj.get("perfume_name", "Perfume"),
                audio_key=cj.get("audio_url"),
                final_key=cj.get("final_video_key"),
                prev_status=c.status,
                prev_error=c.error_message,
            )
            rec = EditService.create_edit_record(
                self.scene_index, self.edit_instruction, snap.scene.get("background_prompt", ""), "", 0.0, 0.0
            )
            run = _Run(edit_id=uuid.UUID(rec["edit_id"]), started=time.monotonic())
            session.add(
                EditHistory(
                    edit_id=run.edit_id,
                    campaign_id=c.id,
                    timestamp=datetime.now(UTC),
                    scene_index=self.scene_index,
                    edit_prompt=self.edit_instruction,
                    original_prompt=rec["original_prompt"],
                    status="running",
                    user_name=self.user,
                    base_version=snap.base_version,
                    scene_key_before=snap.scene.get("video_key"),
                    final_key_before=snap.final_key,
                    cost=Decimal(0),
                    cost_breakdown={},
                )
            )
            c.status = "processing"
        return snap, run

    def _update_row(self, run: _Run, **values: Any) -> None:
        """Persist progress on the edit row at once (so spent money is never lost)."""
        values.setdefault("cost", Decimal(str(run.total)))
        values.setdefault("cost_breakdown", dict(run.costs))
        with self.ctx.db.Session.begin() as session:
            row = session.get(EditHistory, run.edit_id)
            assert row is not None
            for k, v in values.items():
                setattr(row, k, v)

    def _discard(self, run: _Run, snap: _Snapshot) -> None:
        """Undo the 'running' row of a request refused before anything was spent."""
        with self.ctx.db.Session.begin() as session:
            row = session.get(EditHistory, run.edit_id)
            if row is not None:
                session.delete(row)
            c = session.get(Campaign, self.campaign_id)
            if c is not None and c.status == "processing":
                c.status, c.error_message = snap.prev_status, snap.prev_error

    def _fail(self, run: _Run, message: str) -> None:
        """Record the failure: the row with what was spent, the campaign's status and error."""
        message = " ".join(message.split())
        with self.ctx.db.Session.begin() as session:
            row = session.get(EditHistory, run.edit_id)
            if row is not None:
                row.status = "failed"
                row.error = message
                row.cost = Decimal(str(run.total))
                row.cost_breakdown = dict(run.costs)
                row.duration_seconds = Decimal(f"{time.monotonic() - run.started:.3f}")
            # Incremented in SQL: a concurrent edit's commit cannot be overwritten. Money spent
            # on a failed edit is still money spent on this campaign.
            session.execute(
                update(Campaign)
                .where(Campaign.id == self.campaign_id)
                .values(status="failed", error_message=message, cost=Campaign.cost + Decimal(str(run.total)))
            )

    def _record_spend(self, run: _Run, exc: BaseException) -> None:
        """Add what the failing provider had already spent to the step it failed in."""
        spent = float(getattr(exc, "cost", 0.0) or 0.0)
        if spent:
            key = "prompt" if self._current_step == "rewrite_prompt" else "video"
            run.costs[key] = run.costs.get(key, 0.0) + spent

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Execute the edit; returns the seed's result dict.

        Raises:
            InputError: the instruction has no visual change the editor can make (nothing recorded).
            StorageError: the store is unusable before anything was spent (nothing recorded).
            AtelierError: any later failure (recorded on the edit row and the campaign).
        """
        # A missing bucket or bad credentials must surface before any paid step, not after.
        self.ctx.storage.check()
        snap, run = self._begin()
        self.ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            with tempfile.TemporaryDirectory(dir=self.ctx.settings.tmp_dir, prefix="edit-") as tmp:
                result = self._run_steps(snap, run, Path(tmp))
        except Exception as exc:
            if run.committed:  # the edit is saved; only the clean-up after it failed
                log.exception("after committing edit %s", run.edit_id)
                raise
            self._record_spend(run, exc)
            if isinstance(exc, InputError) and run.total == 0 and not run.written:
                self._discard(run, snap)  # refused before anything was spent: no trace
            else:
                if not isinstance(exc, AtelierError):
                    log.exception("scene edit %s failed", run.edit_id)
                self._fail(run, str(exc) if isinstance(exc, AtelierError) else _internal(exc))
                self._cleanup_unreferenced(run)
            self._emit(self._current_step or "rewrite_prompt", "failed", str(exc))
            if isinstance(exc, AtelierError):
                raise
            raise AtelierError(_internal(exc)) from exc
        except BaseException as exc:  # KeyboardInterrupt, SystemExit, a UI's stop signal
            if not run.committed:
                self._record_spend(run, exc)
                self._fail(run, f"Interrupted during {self._current_step or 'start'}; nothing was changed")
                self._cleanup_unreferenced(run)
            raise
        self._emit("save", "done", f"edit {run.edit_id} saved")
        return result

    def _run_steps(self, snap: _Snapshot, run: _Run, work: Path) -> dict[str, Any]:
        ctx, fmt = self.ctx, self.ctx.video_format
        ids = (snap.brand_id, snap.perfume_id, str(self.campaign_id), snap.variation)
        # Scene files count the scene's versions, final videos the campaign's; the edit id
        # keeps concurrent edits from ever choosing the same key.
        version = f"v{int(snap.scene.get('edit_count', 0)) + 2}_{run.edit_id.hex[:8]}"
        final_version = f"v{snap.base_version + 1}_{run.edit_id.hex[:8]}"

        # 1. rewrite the prompt
        self._emit("rewrite_prompt", "running", "asking the prompt editor")
        editor = ctx.prompt_editor()
        edit: PromptEdit = EditService(editor).modify_prompt(
            original_prompt=snap.scene.get("background_prompt", ""),
            edit_instruction=self.edit_instruction,
            style_spec=snap.style_spec,
            scene_role=snap.scene.get("role", "unknown"),
            perfume_name=snap.perfume_name,
        )
        run.costs["prompt"] = float(edit.cost)
        self._update_row(
            run,
            modified_prompt=edit.modified_prompt,
            changes_summary=edit.changes_summary,
            prompt_provider=edit.provider or editor.name,
        )
        self._emit("rewrite_prompt", "done", edit.changes_summary)

        # 2. generate the scene (a paid prediction is created once and resumed, never duplicated)
        generator = ctx.video_generator()
        self._emit("generate_scene", "running", f"rendering with {generator.name}")
        request = SceneRequest(
            prompt=edit.modified_prompt,
            style_spec=snap.style_spec,
            duration=float(snap.scene.get("duration", 4)),
            role=snap.scene.get("role", "unknown"),
            perfume_name=snap.perfume_name,
            seed=int(snap.scene.get("seed", self.scene_index)),
            fmt=fmt,
        )
        prediction: dict[str, str] = {}

        def submitted(prediction_id: str) -> None:
            prediction["id"] = prediction_id
            self._update_row(run, prediction_id=prediction_id, video_provider=generator.name)

        def gen_progress(fraction: float | None, message: str) -> None:
            self._emit("generate_scene", "running", message, fraction)

        gen_dir = work / "generated"
        gen_dir.mkdir()
        try:
            gen = generator.generate(request, gen_dir, on_progress=gen_progress, on_submitted=submitted)
        except (ProviderError, InvalidVideoError) as exc:
            # Resume the recorded prediction once (a failed poll or download); never pay twice.
            if "id" not in prediction or isinstance(exc, ProviderTimeout):
                raise
            log.warning("resuming prediction %s after: %s", prediction["id"], exc)
            self._emit("generate_scene", "running", f"retrying download of {prediction['id']}")
            gen = generator.generate(
                request, gen_dir, on_progress=gen_progress, on_submitted=submitted,
                resume_prediction_id=prediction["id"],
            )  # fmt: skip
        run.costs["video"] = float(gen.cost)
        self._update_row(run, video_provider=gen.provider or generator.name, prediction_id=gen.prediction_id)
        self._emit(
            "generate_scene", "done", f"{request.duration:g}s scene from {gen.provider or generator.name}"
        )

        # 3. normalize and store the new scene under a new key
        self._emit("store_scene", "running", "normalizing and storing")
        scene_path = assets.prepare_scene(gen.path, gen_dir, fmt, request.duration)
        new_scene = assets.store_video(
            ctx.storage, scene_path, scene_key(*ids, self.scene_index, version), gen_dir
        )
        run.written += [new_scene.key, new_scene.thumbnail_key]
        self._update_row(run, scene_key_after=new_scene.key)
        self._emit("store_scene", "done", new_scene.key)

        # 4. re-render the final video from the stored scenes
        self._emit("render_final", "running", "joining scenes and mixing audio")
        scene_keys = [s["video_key"] for s in snap.scenes]
        final = self._render_final(snap, run, work, scene_keys, scene_path, ids, final_version)
        self._emit("render_final", "done", final.key)

        # 5. commit: the moment the edit becomes visible
        self._emit("save", "running", "saving the campaign")
        return self._save(snap, run, work, edit, new_scene, final, scene_path, ids)

    def _render_final(
        self,
        snap: _Snapshot,
        run: _Run,
        work: Path,
        scene_keys: list[str],
        new_scene_path: Path,
        ids: tuple[str, str, str, int],
        version: str,
    ) -> assets.StoredVideo:
        render_dir = Path(tempfile.mkdtemp(dir=work, prefix="render-"))
        paths = [
            new_scene_path
            if i == self.scene_index
            else assets.fetch(self.ctx.storage, k, render_dir, f"s{i}.mp4")
            for i, k in enumerate(scene_keys)
        ]
        local = assets.render_final(
            self.ctx.storage, paths, snap.audio_key, render_dir,
            fmt=self.ctx.video_format, cache_dir=self.ctx.settings.cache_dir,
        )  # fmt: skip
        stored = assets.store_video(self.ctx.storage, local, final_video_key(*ids, version), render_dir)
        run.written += [stored.key, stored.thumbnail_key]
        run.finals += [stored.key, stored.thumbnail_key]
        return stored

    def _save(
        self,
        snap: _Snapshot,
        run: _Run,
        work: Path,
        edit: PromptEdit,
        new_scene: assets.StoredVideo,
        final: assets.StoredVideo,
        scene_path: Path,
        ids: tuple[str, str, str, int],
    ) -> dict[str, Any]:
        with self.ctx.db.Session.begin() as session:
            c = session.scalars(
                select(Campaign).where(Campaign.id == self.campaign_id).with_for_update()
            ).one()
            cj = copy.deepcopy(c.campaign_json)
            scene = cj["scenes"][self.scene_index]
            if scene.get("video_key") != snap.scene.get("video_key"):
                raise ConflictError(
                    f"Scene {self.scene_index} was changed by another edit while this one ran; "
                    "open the campaign again and repeat the edit"
                )
            if c.version != snap.base_version:
                # Another scene changed meanwhile: the final must include it. Re-render under the lock.
                stale = final
                final = self._render_final(
                    snap, run, work, [s["video_key"] for s in cj["scenes"]], scene_path, ids,
                    f"v{c.version + 1}_{run.edit_id.hex[:8]}",
                )  # fmt: skip
                assets.delete_quietly(self.ctx.storage, [stale.key, stale.thumbnail_key], "stale final")
            now = iso_utc(datetime.now(UTC))
            scene.update(
                background_prompt=edit.modified_prompt,
                edit_count=int(scene.get("edit_count", 0)) + 1,
                last_edited_at=now,
                video_key=new_scene.key,
                thumbnail_key=new_scene.thumbnail_key,
            )
            cj["final_video_key"] = final.key
            cj["final_thumbnail_key"] = final.thumbnail_key
            c.campaign_json = cj
            c.cost = (c.cost or Decimal(0)) + Decimal(str(run.total))
            c.status, c.error_message = "completed", None
            c.version = c.version + 1
            elapsed = time.monotonic() - run.started
            row = session.get(EditHistory, run.edit_id)
            assert row is not None
            row.status = "completed"
            row.cost = Decimal(str(run.total))
            row.cost_breakdown = dict(run.costs)
            row.duration_seconds = Decimal(f"{elapsed:.3f}")
            row.scene_key_after = new_scene.key
            row.final_key_after = final.key
        run.committed = True
        log.info("scene edit complete: %.1fs, $%.4f", elapsed, run.total)
        return {
            "success": True,
            "campaign_id": str(self.campaign_id),
            "scene_index": self.scene_index,
            "cost": run.total,
            "duration_seconds": math.ceil(elapsed),  # the seed's int
            "elapsed_s": round(elapsed, 2),
            "changes_summary": edit.changes_summary,
            "new_video_url": self.ctx.storage.url(final.key),
            "edit_id": str(run.edit_id),
            "modified_prompt": edit.modified_prompt,
            "new_scene_url": self.ctx.storage.url(new_scene.key),
        }

    def _cleanup_unreferenced(self, run: _Run) -> None:
        """After a failure, drop final renders (free to remake) but keep a paid-for scene,
        whose key is on the failed edit's row."""
        assets.delete_quietly(self.ctx.storage, run.finals, "final of a failed edit")


def recover_interrupted_edits(ctx: Atelier, *, older_than_s: float | None = None) -> int:
    """Close edits left 'running' by a process that died (restart, OOM, kill).

    A row still running after the longest an edit can take is marked failed; if it had
    a paid prediction whose cost was not yet recorded, the generator's estimate is
    recorded (money is never silently lost); the campaign leaves 'processing'.
    Returns how many edits were closed.
    """
    limit = older_than_s if older_than_s is not None else ctx.settings.replicate_timeout_s + 900
    cutoff = datetime.now(UTC) - timedelta(seconds=limit)
    closed = 0
    with ctx.db.Session.begin() as session:
        rows = session.scalars(
            select(EditHistory)
            .where(EditHistory.status == "running", EditHistory.timestamp < cutoff)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            campaign = session.get(Campaign, row.campaign_id, with_for_update=True)
            breakdown = dict(row.cost_breakdown or {})
            if row.prediction_id and "video" not in breakdown and row.video_provider and campaign:
                scene = campaign.campaign_json["scenes"][row.scene_index]
                try:
                    estimate = ctx.video_generator(row.video_provider).estimate_cost(float(scene["duration"]))
                except AtelierError as exc:
                    log.warning("cannot estimate the cost of prediction %s: %s", row.prediction_id, exc)
                else:
                    breakdown["video"] = estimate
            total = Decimal(str(round(sum(breakdown.values()), 6)))
            message = "Interrupted: the process running this edit stopped; nothing was changed"
            row.status, row.error, row.cost_breakdown, row.cost = "failed", message, breakdown, total
            if campaign is not None:
                # A running edit's spend is charged to the campaign only when it ends: now.
                campaign.cost = (campaign.cost or Decimal(0)) + total
                if campaign.status == "processing":
                    campaign.status, campaign.error_message = "failed", message
            closed += 1
    if closed:
        log.warning("closed %d edit(s) interrupted by a stopped process", closed)
    return closed


def _internal(exc: BaseException) -> str:
    return f"Internal error: {type(exc).__name__}: {exc}"


def edit_scene(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str,
    *,
    brand: str | None = None,
    user: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Validate and run one scene edit (what the editor page and `python -m editing edit` call)."""
    pipeline = SceneEditPipeline(
        campaign_id, scene_index, edit_instruction, ctx=ctx, brand=brand, user=user, on_progress=on_progress
    )
    return pipeline.run()

"""SceneEditPipeline: one scene edit as its named steps, with a progress callback.

A regeneration:  rewrite_prompt → generate_scene → store_scene → render_final → save
A quick adjust:  rewrite_prompt → adjust_scene → store_scene → render_final → save
A revert:        restore_scene → render_final → save
An upload:       take_upload → store_scene → render_final → save

Every file is written under a new, write-once key before the database commit, and the
commit (:func:`editing.ledger.commit`) is the moment the edit becomes visible. A failure
at any step leaves the old scene, final video and prompt current; the edit row records
the failure and any money already spent, and the campaign its status and error.
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editing import assets, ledger, queries, variations, versions
from editing.access import EDITING, Scope, actor
from editing.context import Atelier
from editing.db.models import EditHistory
from editing.domain import Instruction, validate_scene_index
from editing.errors import (
    AtelierError,
    InputError,
    InvalidVideoError,
    NotFoundError,
    ProviderError,
    ProviderTimeout,
)
from editing.estimates import ADJUST_PROVIDER
from editing.jobs.lease import new_lease_key
from editing.ledger import EditRun
from editing.media.adjust import adjust_scene
from editing.methods import DEFAULT_METHOD, Method, decide
from editing.providers.base import GeneratedScene, PromptEdit, SceneRequest, VideoGenerator
from editing.providers.offline.editor import OfflinePromptEditor
from editing.service import EditService
from editing.storage.keys import thumbnail_key
from editing.versions import revert_plan

if TYPE_CHECKING:
    from editing.uploads import UploadedClip

log = logging.getLogger(__name__)


class Step(StrEnum):
    """The named steps of an edit, in order."""

    REWRITE_PROMPT = "rewrite_prompt"
    GENERATE_SCENE = "generate_scene"
    ADJUST_SCENE = "adjust_scene"
    RESTORE_SCENE = "restore_scene"
    TAKE_UPLOAD = "take_upload"
    STORE_SCENE = "store_scene"
    RENDER_FINAL = "render_final"
    SAVE = "save"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def starting(self) -> str:
        """What the step says as it starts."""
        return _LABELS[self][1]


_LABELS = {
    Step.REWRITE_PROMPT: ("Rewrite prompt", "asking the prompt editor"),
    Step.GENERATE_SCENE: ("Generate scene", "rendering the scene"),
    Step.ADJUST_SCENE: ("Adjust scene", "grading the current clip"),
    Step.RESTORE_SCENE: ("Restore version", "fetching the earlier version"),
    Step.TAKE_UPLOAD: ("Take the upload", "taking the uploaded clip"),
    Step.STORE_SCENE: ("Store scene", "normalizing and storing"),
    Step.RENDER_FINAL: ("Render final video", "joining scenes and mixing audio"),
    Step.SAVE: ("Save", "saving the campaign"),
}
_METHOD_STEPS: dict[Method, tuple[Step, ...]] = {
    Method.REGENERATE: (
        Step.REWRITE_PROMPT,
        Step.GENERATE_SCENE,
        Step.STORE_SCENE,
        Step.RENDER_FINAL,
        Step.SAVE,
    ),
    Method.ADJUST: (Step.REWRITE_PROMPT, Step.ADJUST_SCENE, Step.STORE_SCENE, Step.RENDER_FINAL, Step.SAVE),
    Method.REVERT: (Step.RESTORE_SCENE, Step.RENDER_FINAL, Step.SAVE),
    Method.UPLOAD: (Step.TAKE_UPLOAD, Step.STORE_SCENE, Step.RENDER_FINAL, Step.SAVE),
}


def _steps(method: str, group: bool) -> tuple[Step, ...]:
    """The steps of an edit; an edit of a group leaves the final to the group (rendered once)."""
    steps = _METHOD_STEPS[Method(method)]
    return tuple(s for s in steps if not (group and s == Step.RENDER_FINAL))


def steps_of(method: str, *, group: bool = False) -> tuple[tuple[str, str], ...]:
    """(step, label) of an edit by ``method``, in order, for progress displays."""
    return tuple((s.value, s.label) for s in _steps(method, group))


#: (step, label) of a regeneration, in order.
STEPS: tuple[tuple[str, str], ...] = steps_of(Method.REGENERATE)


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


class Progress:
    """Emits ProgressEvents; a broken display never fails an edit."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.step = Step.REWRITE_PROMPT
        self.step_started = time.monotonic()

    def emit(self, step: Step, state: str, message: str = "", fraction: float | None = None) -> None:
        if state == "running" and step != self.step:
            self.step, self.step_started = step, time.monotonic()
        event = ProgressEvent(
            step.value, step.label, state, message, fraction, time.monotonic() - self.step_started
        )
        log.debug("edit %s %s: %s", step, state, message)
        if self.callback is None:
            return
        try:
            self.callback(event)
        except Exception:
            log.exception("progress callback failed on %s %s", step, state)


class SceneEditPipeline:
    """Pipeline for editing a single scene in a campaign (seed: jobs/edit_pipeline.py)."""

    def __init__(
        self,
        campaign_id: str | uuid.UUID,
        scene_index: int,
        edit_instruction: str | Instruction,
        *,
        ctx: Atelier,
        brand: Scope = None,
        user: str | None = None,
        on_progress: ProgressCallback | None = None,
        method: str = DEFAULT_METHOD,
        keep_length: bool = True,
        source_version: int | None = None,
        plan: dict[str, Any] | None = None,
        upload: UploadedClip | None = None,
        variation: int | None = None,
    ) -> None:
        """Validate the request; nothing is written until :meth:`run`.

        ``method`` is auto (a quick adjust when the instruction is wholly grading or timing,
        else a regeneration), adjust, regenerate, or revert (to ``source_version``). ``plan``
        is what an accepted edit's row fixed (its method is then taken as it is). ``variation``
        is the one edited (None: the selected one).

        Raises:
            InputError: empty / over-long instruction, scene index out of range (negative too),
                a quick adjust the instruction cannot be, a revert to a version that does not exist,
                or an unknown variation.
            NotFoundError: unknown campaign, or one of another brand.
        """
        self.ctx = ctx
        self.instruction = Instruction.parse(edit_instruction)
        self.brand = brand
        self.user = actor(brand, user or ctx.settings.user)
        self.on_progress = on_progress
        self.progress = Progress(on_progress)
        self.edit_id: uuid.UUID | None = None  # set for an edit accepted earlier (a job)
        self.upload = upload  # the checked, normalized clip of an upload (editing.uploads)
        with ctx.db.Session() as session:
            campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
            self.campaign_id = campaign.id
            self.variation = variations.resolve(campaign.campaign_json, variation)
            cj = variations.view(campaign.campaign_json, self.variation)
            self.scene_index = validate_scene_index(scene_index, len(cj.get("scenes", [])))
            if plan is not None:
                self.method, self.plan = Method(method), plan
            elif method == Method.REVERT:
                self.method, self.plan = (
                    Method.REVERT,
                    revert_plan(session, campaign, scene_index, source_version, self.variation),
                )
            elif method == Method.UPLOAD:
                if upload is None:
                    raise InputError("An upload needs the uploaded clip")
                self.method, self.plan = Method.UPLOAD, {"upload": upload.filename}
            else:
                self.method, self.plan = decide(
                    cj, self.scene_index, self.instruction.text, method, keep_length
                )

    @classmethod
    def for_edit(
        cls, ctx: Atelier, edit_id: uuid.UUID, *, on_progress: ProgressCallback | None = None
    ) -> SceneEditPipeline:
        """The pipeline of an edit accepted earlier as a queued row (what a job runs).

        Raises:
            NotFoundError: no such edit.
        """
        with ctx.db.Session() as session:
            row = session.get(EditHistory, edit_id)
            if row is None:
                raise NotFoundError(f"Edit {edit_id} not found")
            campaign_id, scene_index, text, user = (
                row.campaign_id,
                row.scene_index,
                row.edit_prompt,
                row.user_name,
            )
            method, plan, variation = row.method, dict(row.plan or {}), row.variation
        pipeline = cls(
            campaign_id,
            scene_index,
            text,
            ctx=ctx,
            user=user,
            on_progress=on_progress,
            method=method,
            plan=plan,
            variation=variation,
        )
        pipeline.edit_id = edit_id
        return pipeline

    def steps(self, *, group: bool = False) -> tuple[tuple[Step, Callable[[EditRun], str]], ...]:
        """Each step of this edit's method and the method that does it; it returns its progress message."""
        do: dict[Step, Callable[[EditRun], str]] = {
            Step.REWRITE_PROMPT: self.rewrite_prompt,
            Step.GENERATE_SCENE: self.generate_scene,
            Step.ADJUST_SCENE: self.adjust_scene,
            Step.RESTORE_SCENE: self.restore_scene,
            Step.TAKE_UPLOAD: self.take_upload,
            Step.STORE_SCENE: self.store_scene,
            Step.RENDER_FINAL: self.render_final,
            Step.SAVE: self.save,
        }
        return tuple((step, do[step]) for step in _steps(self.method, group))

    def run(self) -> dict[str, Any]:
        """Execute the edit; returns the seed's result dict.

        Raises:
            InputError: the instruction has no visual change the editor can make (nothing recorded).
            StorageError: the store is unusable before anything was spent (nothing recorded).
            AtelierError: any later failure (recorded on the edit row and the campaign).
        """
        # A missing bucket or bad credentials must surface before any paid step, not after.
        self.ctx.storage.check()
        lease_key = new_lease_key()
        self.ctx.leases.acquire(lease_key)
        try:
            run = self._start(lease_key)
            if run is None:  # a job whose edit already ended (run by another attempt)
                from editing.jobs.queue import edit_result

                assert self.edit_id is not None
                return edit_result(self.ctx, self.edit_id)
            return self._run(run)
        finally:
            self.ctx.leases.release(lease_key)

    def _start(self, lease_key: int) -> EditRun | None:
        if self.edit_id is not None:
            run = ledger.claim(self.ctx, self.edit_id, lease_key=lease_key)
        else:
            args = (self.ctx, self.campaign_id, self.scene_index, self.instruction)
            run = ledger.begin(
                *args,
                brand=self.brand,
                user=self.user,
                lease_key=lease_key,
                method=self.method,
                plan=self.plan,
                variation=self.variation,
            )
        if run is not None:  # from now on, progress is on the edit's row for everyone to follow
            from editing.jobs.progress import ProgressWriter

            self.progress.callback = ProgressWriter(self.ctx, run.edit_id, then=self.on_progress)
        return run

    def _run(self, run: EditRun) -> dict[str, Any]:
        self.ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            with tempfile.TemporaryDirectory(dir=self.ctx.settings.tmp_dir, prefix="edit-") as tmp:
                run.work = Path(tmp)
                for step, do in self.steps(group=run.group_id is not None):
                    self.progress.emit(step, "running", step.starting)
                    self.progress.emit(step, "done", do(run))
        except Exception as exc:
            error = self._failed(run, exc)
            self._settle_group(run)
            if error is exc:
                raise
            raise error from exc
        except BaseException as exc:  # KeyboardInterrupt, SystemExit, a UI's stop signal
            self._interrupted(run, exc)
            raise
        self._settle_group(run)
        return self._result(run)

    def _settle_group(self, run: EditRun) -> None:
        """The last edit of a group to end renders the group's final (once, from the current scenes)."""
        if run.group_id is None:
            return
        from editing.finals import settle_group

        try:
            settle_group(self.ctx, run.group_id)
        except AtelierError as exc:  # the edit itself is saved; `edit … all` settles again
            log.warning("group %s: final not rendered yet: %s", run.group_id, exc)

    # -- the steps -----------------------------------------------------------------------------

    def rewrite_prompt(self, run: EditRun) -> str:
        """The prompt editor rewrites the prompt; one already recorded (a preview, a resumed edit) is reused.

        A quick adjust without a preview is described by the offline editor, which is free.
        """
        if run.recorded.modified_prompt:
            summary = run.recorded.changes_summary or ""
            provider = run.recorded.prompt_provider or "preview"
            run.prompt_edit = PromptEdit(run.recorded.modified_prompt, summary, provider=provider)
            return summary
        if run.method == Method.ADJUST:
            edit = self._describe_adjustment(run)
        else:
            edit = EditService(self.ctx.prompt_editor()).modify_prompt(
                original_prompt=run.scene.get("background_prompt", ""),
                instruction=run.instruction,
                style_spec=run.snapshot.style_spec,
                scene_role=run.scene.get("role", "unknown"),
                perfume_name=run.snapshot.perfume_name,
            )
        run.prompt_edit = edit
        run.costs["prompt"] = float(edit.cost)
        ledger.record(
            self.ctx,
            run,
            modified_prompt=edit.modified_prompt,
            changes_summary=edit.changes_summary,
            prompt_provider=edit.provider,
        )
        return edit.changes_summary

    def _describe_adjustment(self, run: EditRun) -> PromptEdit:
        """The prompt after a quick adjust: the offline editor's rewrite ($0), the same prompt for a trim."""
        assert run.adjustment is not None
        summary = "Quick adjust: " + ", ".join(run.adjustment.describe())
        prompt = run.scene.get("background_prompt", "")
        editor = OfflinePromptEditor(self.ctx.settings)
        role, perfume = run.scene.get("role", "unknown"), run.snapshot.perfume_name
        # timing only ("trim to 3 s"): the picture, so the prompt, stays as it is
        with contextlib.suppress(InputError):
            edit = editor.modify_scene_prompt(
                prompt, run.instruction.text, run.snapshot.style_spec, role, perfume
            )
            prompt = edit.modified_prompt
        return PromptEdit(prompt, summary, cost=0.0, provider="offline")

    def generate_scene(self, run: EditRun) -> str:
        """Render the scene; a paid prediction is created once and resumed, never paid twice."""
        assert run.prompt_edit is not None
        generator = self.ctx.video_generator()
        gen_dir = run.work / "generated"
        gen_dir.mkdir()
        request = SceneRequest(
            prompt=run.prompt_edit.modified_prompt,
            style_spec=run.snapshot.style_spec,
            duration=float(run.scene.get("duration", 4)),
            role=run.scene.get("role", "unknown"),
            perfume_name=run.snapshot.perfume_name,
            seed=int(run.scene.get("seed", run.scene_index)),
            fmt=self.ctx.video_format,
            product_image=self._packshot(run, gen_dir),
        )
        # A paid prediction recorded by an earlier attempt of this edit is resumed, never paid twice.
        recorded = run.recorded
        resume = recorded.prediction_id if recorded.video_provider == generator.name else None
        gen = self._generate_once(run, generator, request, gen_dir, resume)
        run.generated = gen
        run.costs["video"] = float(gen.cost)
        ledger.record(
            self.ctx, run, video_provider=gen.provider or generator.name, prediction_id=gen.prediction_id
        )
        return f"{request.duration:g}s scene from {gen.provider or generator.name}"

    def _packshot(self, run: EditRun, work: Path) -> Path | None:
        """The campaign's product image (checked against its SHA-256), for the generator; None without one."""
        key = run.snapshot.product_image_key
        if not key:
            return None
        path, _ = assets.fetch_verified(self.ctx.vault, key, work, "packshot" + Path(key).suffix)
        return path

    def _generate_once(
        self,
        run: EditRun,
        generator: VideoGenerator,
        request: SceneRequest,
        gen_dir: Path,
        resume: str | None,
    ) -> GeneratedScene:
        prediction: dict[str, str] = {"id": resume} if resume else {}

        def submitted(prediction_id: str) -> None:
            prediction["id"] = prediction_id
            ledger.record(self.ctx, run, prediction_id=prediction_id, video_provider=generator.name)

        def advanced(fraction: float | None, message: str) -> None:
            self.progress.emit(Step.GENERATE_SCENE, "running", message, fraction)

        try:
            return generator.generate(
                request, gen_dir, on_progress=advanced, on_submitted=submitted, resume_prediction_id=resume
            )
        except (ProviderError, InvalidVideoError) as exc:
            # Resume the recorded prediction once (a failed poll or download); never pay twice.
            if "id" not in prediction or isinstance(exc, ProviderTimeout):
                raise
            log.warning("resuming prediction %s after: %s", prediction["id"], exc)
            self.progress.emit(Step.GENERATE_SCENE, "running", f"retrying download of {prediction['id']}")
            return generator.generate(
                request,
                gen_dir,
                on_progress=advanced,
                on_submitted=submitted,
                resume_prediction_id=prediction["id"],
            )

    def adjust_scene(self, run: EditRun) -> str:
        """Apply the quick adjust to the current clip with ffmpeg: $0, the rest of the shot unchanged."""
        assert run.adjustment is not None
        work = run.work / "adjusted"
        work.mkdir()
        source, _ = assets.fetch_verified(self.ctx.vault, run.scene["video_key"], work, "current.mp4")
        duration = float(run.scene.get("duration", 4))
        run.scene_path = work / "adjusted.mp4"
        adjust_scene(source, run.scene_path, run.adjustment, self.ctx.video_format, duration)
        if run.adjustment.retimes:
            run.new_duration = run.adjustment.duration_after(duration)
        ledger.record(self.ctx, run, video_provider=ADJUST_PROVIDER)
        return ", ".join(run.adjustment.describe())

    def restore_scene(self, run: EditRun) -> str:
        """Make an earlier version current again: its file (checked) and prompt, nothing paid."""
        assert run.source_version is not None
        with self.ctx.db.Session() as session:
            old = versions.scene_version(
                session, run.campaign_id, run.snapshot.keys.variation, run.scene_index, run.source_version
            )
            key, thumb, prompt, duration = old.video_key, old.thumbnail_key, old.prompt, old.duration
        work = run.work / "restored"
        work.mkdir()
        run.scene_path, _ = assets.fetch_verified(self.ctx.vault, key, work, "restored.mp4")
        run.new_scene = assets.StoredVideo(
            key=key, thumbnail_key=thumb or thumbnail_key(key), duration=duration
        )
        if abs(duration - float(run.scene.get("duration", 4))) > 1e-6:
            run.new_duration = duration
        summary = f"Back to version {run.source_version}"
        run.prompt_edit = PromptEdit(prompt, summary, cost=0.0, provider="atelier")
        ledger.record(self.ctx, run, modified_prompt=prompt, changes_summary=summary, scene_key_after=key)
        return summary

    def take_upload(self, run: EditRun) -> str:
        """The uploaded clip, already checked and normalized (:mod:`editing.uploads`): nothing paid.

        The scene keeps its prompt (a later regeneration starts from it); its length becomes the clip's.

        Raises:
            InputError: the clip is gone (an upload resumed by another process); nothing is recorded.
        """
        if self.upload is None or not self.upload.path.is_file():
            raise InputError("The uploaded clip is no longer here (its process stopped); upload it again")
        clip = self.upload
        run.scene_path = clip.path
        if abs(clip.duration - float(run.scene.get("duration", 4))) > 1e-6:
            run.new_duration = clip.duration
        prompt = run.scene.get("background_prompt", "")
        summary = f"Replaced by the uploaded clip {clip.filename} ({clip.source})"
        run.prompt_edit = PromptEdit(prompt, summary, cost=0.0, provider="upload")
        ledger.record(self.ctx, run, modified_prompt=prompt, changes_summary=summary, video_provider="upload")
        return summary

    def store_scene(self, run: EditRun) -> str:
        """Normalize the new scene to the campaign's format and store it under a new key."""
        if run.scene_path is None:  # a generated scene: normalized here (an adjusted one already is)
            assert run.generated is not None
            duration = float(run.scene.get("duration", 4))
            run.scene_path = assets.prepare_scene(
                run.generated.path, run.generated.path.parent, self.ctx.video_format, duration
            )
        key = run.snapshot.keys.scene(run.scene_index, run.version())
        run.new_scene = assets.store_video(self.ctx.vault, run.scene_path, key, run.scene_path.parent)
        run.written += run.new_scene.keys
        ledger.record(self.ctx, run, scene_key_after=run.new_scene.key)
        return run.new_scene.key

    def render_final(self, run: EditRun) -> str:
        """Re-render the final from the stored scenes, the new one in place of the old."""
        keys = [s["video_key"] for s in run.snapshot.scenes]
        run.final = self._render(run, keys, run.version(run.snapshot.base_version))
        return run.final.key

    def save(self, run: EditRun) -> str:
        """Commit: the moment the edit becomes visible."""
        run.final = ledger.commit(
            self.ctx, run, rerender=lambda keys, version, audio: self._rerender(run, keys, version, audio)
        )
        log.info("scene edit complete: %.1fs, $%.4f", run.duration, run.total)
        return f"edit {run.edit_id} saved"

    # -- helpers ---------------------------------------------------------------------------------

    def _render(
        self, run: EditRun, scene_keys: list[str], version: str, audio_key: str | None = None
    ) -> assets.StoredVideo:
        """The final from the stored scenes (each checked against its recorded SHA-256) and the new one.

        The music is the campaign's as the edit found it, unless ``audio_key`` (the music now) is given.
        """
        assert run.scene_path is not None and run.new_scene is not None
        render_dir = Path(tempfile.mkdtemp(dir=run.work, prefix="render-"))
        storage = self.ctx.storage
        keys = list(scene_keys)
        keys[run.scene_index] = run.new_scene.key
        paths = [
            run.scene_path if i == run.scene_index else assets.fetch(storage, k, render_dir, f"s{i}.mp4")
            for i, k in enumerate(keys)
        ]
        expected = assets.expected_scenes(self.ctx.vault, keys)
        if run.new_scene.key in run.written:
            expected[run.scene_index] = None  # made by this run, moments ago
        local = assets.render_final(
            storage,
            paths,
            audio_key or run.snapshot.audio_key,
            render_dir,
            fmt=self.ctx.video_format,
            cache_dir=self.ctx.settings.cache_dir,
            expected=expected,
        )
        stored = assets.store_video(self.ctx.vault, local, run.snapshot.keys.final(version), render_dir)
        run.written += stored.keys
        run.finals += stored.keys
        return stored

    def _rerender(
        self, run: EditRun, scene_keys: list[str], version: str, audio_key: str | None
    ) -> assets.StoredVideo:
        """The final again (under the campaign lock), with the scenes and music committed meanwhile."""
        stale = run.final
        final = self._render(run, scene_keys, version, audio_key)
        if stale is not None:
            assets.delete_quietly(self.ctx.storage, stale.keys, "stale final")
        return final

    def _result(self, run: EditRun) -> dict[str, Any]:
        """The seed's result dict, plus the edit's id, prompt and new scene (no final for a group's edit)."""
        assert run.prompt_edit is not None and run.new_scene is not None
        return {
            "success": True,
            "campaign_id": str(run.campaign_id),
            "scene_index": run.scene_index,
            "cost": run.total,
            "duration_seconds": math.ceil(run.duration),  # the seed's int
            "elapsed_s": round(run.duration, 2),
            "changes_summary": run.prompt_edit.changes_summary,
            "new_video_url": self.ctx.storage.url(run.final.key) if run.final is not None else None,
            "edit_id": str(run.edit_id),
            "modified_prompt": run.prompt_edit.modified_prompt,
            "new_scene_url": self.ctx.storage.url(run.new_scene.key),
        }

    def _failed(self, run: EditRun, exc: Exception) -> Exception:
        """Record a failed edit (or forget a refused one) and return the error to raise."""
        if run.committed:  # the edit is saved; only what came after it failed
            log.exception("after committing edit %s", run.edit_id)
            return exc
        self._record_spend(run, exc)
        if isinstance(exc, InputError) and run.total == 0 and not run.written:
            ledger.discard(self.ctx, run)  # refused before anything was spent: no trace
        else:
            if not isinstance(exc, AtelierError):
                log.exception("scene edit %s failed", run.edit_id)
            ledger.fail(self.ctx, run, str(exc) if isinstance(exc, AtelierError) else _internal(exc))
            assets.delete_quietly(self.ctx.storage, run.finals, "final of a failed edit")
        self.progress.emit(self.progress.step, "failed", str(exc))
        return exc if isinstance(exc, AtelierError) else AtelierError(_internal(exc))

    def _interrupted(self, run: EditRun, exc: BaseException) -> None:
        if run.committed:
            return
        self._record_spend(run, exc)
        ledger.fail(self.ctx, run, f"Interrupted during {self.progress.step}; nothing was changed")
        # a paid-for scene stays (its key is on the row); final renders are free to remake
        assets.delete_quietly(self.ctx.storage, run.finals, "final of a failed edit")

    def _record_spend(self, run: EditRun, exc: BaseException) -> None:
        """Add what the failing provider had already spent to the step it failed in."""
        spent = float(getattr(exc, "cost", 0.0) or 0.0)
        if spent:
            key = "prompt" if self.progress.step == Step.REWRITE_PROMPT else "video"
            run.costs[key] = run.costs.get(key, 0.0) + spent


def _internal(exc: BaseException) -> str:
    return f"Internal error: {type(exc).__name__}: {exc}"


def edit_scene(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    edit_instruction: str,
    *,
    brand: Scope = None,
    user: str | None = None,
    on_progress: ProgressCallback | None = None,
    method: str = DEFAULT_METHOD,
    keep_length: bool = True,
    variation: int | None = None,
) -> dict[str, Any]:
    """Validate and run one scene edit of a variation (None: the selected one) in this thread."""
    pipeline = SceneEditPipeline(
        campaign_id,
        scene_index,
        edit_instruction,
        ctx=ctx,
        brand=brand,
        user=user,
        on_progress=on_progress,
        method=method,
        keep_length=keep_length,
        variation=variation,
    )
    return pipeline.run()

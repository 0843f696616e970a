"""The jobs of a new campaign: generate one scene (many at once, on any worker), then finish it.

Each scene job claims its scene on the campaign row (under the row's lock), generates it with
the generator the creation started with, stores it under the seed's key and records it; a
paid prediction is recorded as soon as it exists, so a retry resumes it instead of paying
again. The job completing the last scene queues the finish job: the music bed, each
variation's final, version 1 ("original") of every scene and final, the campaign ready.
Progress is written on the scene's entry of ``campaign_json["creation"]`` as it happens.
"""

from __future__ import annotations

import copy
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from editing import assets, builder, queries, versions
from editing.context import Atelier
from editing.create.service import COMPLETED, FAILED, FINISHING, GENERATING, RUNNING
from editing.db.models import Campaign
from editing.domain import iso_utc
from editing.errors import InvalidVideoError, ProviderError, ProviderTimeout, first_line
from editing.jobs import runner
from editing.methods import Method
from editing.providers.base import GeneratedScene, SceneRequest, VideoGenerator
from editing.storage.keys import CampaignKeys

log = logging.getLogger(__name__)

#: Progress inside a generation is written at most this often (a step change at once).
PROGRESS_INTERVAL_S = 0.5


@dataclass(frozen=True)
class SceneClaim:
    """A scene a job is generating: what to make, where to store it, and a prediction to resume."""

    campaign_id: uuid.UUID
    variation: int
    scene_index: int
    scene: dict[str, Any]
    style: dict[str, Any]
    perfume: str
    provider: str
    keys: CampaignKeys
    attempt: int

    @property
    def label(self) -> str:
        where = f"Scene {self.scene_index + 1} ({self.scene['role']})"
        return f"{where} of variation {self.variation}" if self.variation else where


def run_task(ctx: Atelier, task: str, **kwargs: Any) -> None:
    """Run a creation job by its task name (what the worker calls)."""
    if task == runner.CREATE_SCENE_TASK:
        create_scene(ctx, kwargs["campaign_id"], int(kwargs["variation"]), int(kwargs["scene_index"]))
    elif task == runner.FINISH_CAMPAIGN_TASK:
        finish_campaign(ctx, kwargs["campaign_id"])
    else:
        raise ValueError(f"not a creation task: {task}")


@contextmanager
def _locked(ctx: Atelier, campaign_id: uuid.UUID | str) -> Iterator[tuple[Session, Campaign, dict[str, Any]]]:
    """The campaign row locked, and a copy of its creation block to change and write back."""
    with ctx.db.Session.begin() as session:
        campaign = queries.load_campaign(campaign_id, session=session, for_update=True)
        creation = copy.deepcopy(campaign.campaign_json["creation"])
        yield session, campaign, creation
        campaign.campaign_json = {**campaign.campaign_json, "creation": creation}


def create_scene(ctx: Atelier, campaign_id: str, variation: int, scene_index: int) -> None:
    """Generate, store and record one scene; a failure fails the creation, saying which scene and why."""
    claim = _claim(ctx, campaign_id, variation, scene_index)
    if claim is None:
        return
    try:
        stored, generated = _generate(ctx, claim)
    except Exception as exc:  # the scene ends here either way, and its row says how
        log.warning("%s of campaign %s failed: %s", claim.label, campaign_id, exc)
        _scene_failed(ctx, claim, exc)
        return
    _scene_done(ctx, claim, stored, generated)


def _claim(ctx: Atelier, campaign_id: str, variation: int, scene_index: int) -> SceneClaim | None:
    """Mark the scene running, unless it is done or the creation stopped (a failed sibling)."""
    with _locked(ctx, campaign_id) as (_, campaign, creation):
        scene = creation["variations"][variation]["scenes"][scene_index]
        if creation["state"] != GENERATING or scene["state"] == COMPLETED:
            log.info("campaign %s scene %d/%d: nothing to do", campaign_id, variation, scene_index)
            return None
        scene["attempts"] = int(scene.get("attempts") or 0) + 1
        scene.update(state=RUNNING, fraction=0.0, message="generating", error=None, started_at=_now())
        keys = CampaignKeys(str(campaign.brand_id), str(campaign.perfume_id), str(campaign.id), variation)
        return SceneClaim(
            campaign_id=campaign.id,
            variation=variation,
            scene_index=scene_index,
            scene=dict(scene),
            style=dict(campaign.campaign_json["style_spec"]),
            perfume=str(campaign.campaign_json["perfume_name"]),
            provider=str(creation["provider"]),
            keys=keys,
            attempt=scene["attempts"],
        )


def _generate(ctx: Atelier, claim: SceneClaim) -> tuple[assets.StoredVideo, GeneratedScene]:
    """The scene from the generator (resuming a recorded prediction), normalized and stored."""
    generator = ctx.video_generator(claim.provider)
    s, fmt = claim.scene, ctx.video_format
    prompt, duration, seed = s["background_prompt"], float(s["duration"]), int(s["seed"])
    request = SceneRequest(prompt, claim.style, duration, s["role"], claim.perfume, seed, fmt)
    resume = s.get("prediction_id") if generator.can_resume else None
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="create-") as tmp:
        work = Path(tmp)
        generated = _generate_once(ctx, claim, generator, request, work, resume)
        _patch(ctx, claim, fraction=0.95, message="normalizing and storing")
        path = assets.prepare_scene(generated.path, work, fmt, request.duration)
        version = None if claim.attempt == 1 else f"try{claim.attempt}"  # keys are write-once
        stored = assets.store_video(ctx.vault, path, claim.keys.scene(claim.scene_index, version), work)
    return stored, generated


def _generate_once(
    ctx: Atelier,
    claim: SceneClaim,
    generator: VideoGenerator,
    request: SceneRequest,
    work: Path,
    resume: str | None,
) -> GeneratedScene:
    """One generation; a failed poll or download resumes the recorded prediction once (never paid twice)."""
    recorded: dict[str, str | None] = {"id": resume}
    progress = _ProgressWriter(ctx, claim)

    def submitted(prediction_id: str) -> None:
        recorded["id"] = prediction_id
        _patch(ctx, claim, prediction_id=prediction_id, provider=generator.name)

    try:
        return generator.generate(
            request, work, on_progress=progress, on_submitted=submitted, resume_prediction_id=resume
        )
    except (ProviderError, InvalidVideoError) as exc:
        if recorded["id"] is None or isinstance(exc, ProviderTimeout):
            raise
        log.warning("%s: resuming prediction %s after: %s", claim.label, recorded["id"], exc)
        return generator.generate(
            request, work, on_progress=progress, on_submitted=submitted, resume_prediction_id=recorded["id"]
        )


class _ProgressWriter:
    """The generator's progress on the scene's entry, at most every PROGRESS_INTERVAL_S seconds."""

    def __init__(self, ctx: Atelier, claim: SceneClaim) -> None:
        self.ctx, self.claim, self._last = ctx, claim, 0.0

    def __call__(self, fraction: float | None, message: str) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        try:
            _patch(self.ctx, self.claim, fraction=fraction, message=message[:200])
        except Exception as exc:  # progress is a display: it never fails the scene
            log.warning("could not record progress of %s: %s", self.claim.label, exc)


def _patch(ctx: Atelier, claim: SceneClaim, **values: Any) -> None:
    """Merge ``values`` into the scene's entry in one statement (no read, no lost update)."""
    path = ["creation", "variations", str(claim.variation), "scenes", str(claim.scene_index)]
    with ctx.db.Session.begin() as session:
        session.execute(
            text(
                "UPDATE campaigns SET campaign_json = jsonb_set(campaign_json, CAST(:path AS text[]), "
                "(campaign_json #> CAST(:path AS text[])) || CAST(:patch AS jsonb)) WHERE id = :id"
            ),
            {"path": path, "patch": json.dumps(values), "id": claim.campaign_id},
        )


def _scene_done(
    ctx: Atelier, claim: SceneClaim, stored: assets.StoredVideo, generated: GeneratedScene
) -> None:
    """Record the scene and its cost; the last scene queues the finish job."""
    with _locked(ctx, claim.campaign_id) as (session, campaign, creation):
        scene = creation["variations"][claim.variation]["scenes"][claim.scene_index]
        scene.update(
            state=COMPLETED,
            finished_at=_now(),
            fraction=1.0,
            message=f"{float(scene['duration']):g}s scene from {generated.provider}",
            video_key=stored.key,
            thumbnail_key=stored.thumbnail_key,
            cost=round(float(generated.cost), 6),
            provider=generated.provider,
            prediction_id=generated.prediction_id,
        )
        campaign.cost = campaign.cost + Decimal(str(round(float(generated.cost), 6)))
        scenes = [s for v in creation["variations"] for s in v["scenes"]]
        if creation["state"] == GENERATING and all(s["state"] == COMPLETED for s in scenes):
            creation["state"] = FINISHING
            creation["finish_job_id"] = runner.defer(
                session, runner.FINISH_CAMPAIGN_TASK, campaign_id=str(campaign.id)
            )
    log.info("%s of campaign %s generated", claim.label, claim.campaign_id)


def _scene_failed(ctx: Atelier, claim: SceneClaim, exc: BaseException) -> None:
    """The scene failed: the creation fails with which scene and why (the first failure is the reason)."""
    spent = round(float(getattr(exc, "cost", 0.0) or 0.0), 6)
    with _locked(ctx, claim.campaign_id) as (_, campaign, creation):
        scene = creation["variations"][claim.variation]["scenes"][claim.scene_index]
        scene.update(state=FAILED, message="failed", error=first_line(exc), finished_at=_now())
        scene["prediction_id"] = None  # it ended (failed): a retry asks for a new one
        scene["cost"] = round(float(scene.get("cost") or 0) + spent, 6)
        campaign.cost = campaign.cost + Decimal(str(spent))
        if creation["state"] != FAILED:
            _fail(campaign, creation, f"{claim.label} could not be generated: {first_line(exc)}")


def _now() -> str:
    """A precise UTC timestamp (when a scene started and ended: they overlap when run side by side)."""
    return datetime.now(UTC).isoformat()


def _fail(campaign: Campaign, creation: dict[str, Any], message: str) -> None:
    creation.update(state=FAILED, error=message, finished_at=iso_utc(datetime.now(UTC)))
    campaign.status, campaign.error_message = "failed", message[:2000]


@dataclass(frozen=True)
class _Variation:
    scenes: list[dict[str, Any]]  # the seed's scene documents
    final: assets.StoredVideo


def finish_campaign(ctx: Atelier, campaign_id: str) -> None:
    """The music bed and each variation's final from the stored scenes; then the campaign is ready."""
    with _locked(ctx, campaign_id) as (_, campaign, creation):
        if creation["state"] != FINISHING:
            return
        # counted before anything is stored: a retry after a crash writes under new keys (write-once)
        creation["finish_attempts"] = attempt = int(creation.get("finish_attempts") or 0) + 1
        cj = copy.deepcopy(campaign.campaign_json)
        base = CampaignKeys(str(campaign.brand_id), str(campaign.perfume_id), str(campaign.id), 0)
    creation = cj["creation"]
    version = None if attempt == 1 else f"try{attempt}"
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    try:
        with (
            assets.removed_on_failure(ctx.storage, vault=ctx.vault) as written,
            tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="finish-") as tmp,
        ):
            audio_key = _music_bed(ctx, cj, creation, base.audio(version), Path(tmp), written)
            made = [
                _render_variation(ctx, v, variation, base, audio_key, version, Path(tmp), written)
                for v, variation in enumerate(creation["variations"])
            ]
            _commit(ctx, campaign_id, made, audio_key)
    except Exception as exc:  # the campaign says why; a retry renders again under new keys
        log.warning("campaign %s could not be finished: %s", campaign_id, exc)
        with _locked(ctx, campaign_id) as (_, campaign, current):
            _fail(campaign, current, f"The final could not be rendered: {first_line(exc)}")


def _music_bed(
    ctx: Atelier,
    cj: dict[str, Any],
    creation: dict[str, Any],
    key: str,
    work: Path,
    written: assets.Written,
) -> str:
    """One music bed for the ad's length, shared by every variation (they last the same)."""
    length = sum(float(s["duration"]) for s in creation["variations"][0]["scenes"])
    wav = ctx.audio_synth().synthesize(cj["style_spec"], length, work / "music_bed.wav")
    ctx.vault.put(key, wav, "audio/wav")
    written.keys.append(key)
    return key


def _render_variation(
    ctx: Atelier,
    v: int,
    variation: dict[str, Any],
    base: CampaignKeys,
    audio_key: str,
    version: str | None,
    work: Path,
    written: assets.Written,
) -> _Variation:
    """A variation's final from its stored scenes (each checked against its SHA-256), and its documents."""
    here = work / f"variation_{v}"
    here.mkdir()
    keys = [s["video_key"] for s in variation["scenes"]]
    local = [assets.fetch_verified(ctx.vault, k, here, f"scene{i}.mp4")[0] for i, k in enumerate(keys)]
    s = ctx.settings
    path = assets.render_final(
        ctx.storage, local, audio_key, here, fmt=ctx.video_format, cache_dir=s.cache_dir,
        expected=assets.expected_scenes(ctx.vault, keys),
    )  # fmt: skip
    final_key = CampaignKeys(base.brand_id, base.perfume_id, base.campaign_id, v).final(version)
    final = written.add(assets.store_video(ctx.vault, path, final_key, here))
    docs = [
        builder.scene_doc(
            i,
            assets.StoredVideo(sc["video_key"], sc["thumbnail_key"], float(sc["duration"])),
            role=sc["role"],
            duration=float(sc["duration"]),
            prompt=sc["background_prompt"],
            extra={"seed": sc["seed"]},
        )
        for i, sc in enumerate(variation["scenes"])
    ]
    return _Variation(docs, final)


def _commit(ctx: Atelier, campaign_id: str, made: list[_Variation], audio_key: str) -> None:
    """The seed's shape (variation 0 on top, every variation in ``variations``), versions, ready."""
    with _locked(ctx, campaign_id) as (session, campaign, creation):
        if creation["state"] != FINISHING:
            raise RuntimeError(f"the creation is {creation['state']}, not finishing")
        first = made[0]
        cj = dict(campaign.campaign_json)
        cj.update(scenes=first.scenes, audio_url=audio_key, selected_variation_index=0)
        cj.update(final_video_key=first.final.key, final_thumbnail_key=first.final.thumbnail_key)
        if len(made) > 1:
            cj["variations"] = [_variation_doc(m, audio_key) for m in made]
        campaign.campaign_json = cj
        creation.update(state=COMPLETED, finished_at=iso_utc(datetime.now(UTC)))
        campaign.status, campaign.error_message = "completed", None
        _record_versions(session, campaign.id, made, creation)


def _variation_doc(made: _Variation, audio_key: str) -> dict[str, Any]:
    return {
        "scenes": made.scenes,
        "audio_url": audio_key,
        "final_video_key": made.final.key,
        "final_thumbnail_key": made.final.thumbnail_key,
    }


def _record_versions(
    session: Session, campaign_id: uuid.UUID, made: list[_Variation], creation: dict[str, Any]
) -> None:
    """Version 1, method "original", of every scene (with what generating it cost) and of each final."""
    user = str(creation.get("user") or "")
    for v, variation in enumerate(made):
        for i, doc in enumerate(variation.scenes):
            versions.record_scene_version(
                session,
                campaign_id=campaign_id,
                variation=v,
                scene_index=i,
                video_key=doc["video_key"],
                thumbnail_key=doc["thumbnail_key"],
                prompt=doc["background_prompt"],
                duration=float(doc["duration"]),
                method=Method.ORIGINAL.value,
                user=user,
                cost=float(creation["variations"][v]["scenes"][i].get("cost") or 0),
            )
        versions.record_final_version(
            session,
            campaign_id=campaign_id,
            variation=v,
            video_key=variation.final.key,
            thumbnail_key=variation.final.thumbnail_key,
            user=user,
        )

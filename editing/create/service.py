"""Create a campaign from a brief: its estimate, its row and one job per scene, its progress, a retry.

:func:`start_creation` writes, in ONE transaction, the campaign row (status ``processing``,
no scenes yet) with the plan in ``campaign_json["creation"]`` and one Procrastinate job per
scene of every variation; workers generate the scenes side by side (:mod:`editing.create.jobs`),
and the job that completes the last scene queues the one that synthesizes the music bed,
renders each variation's final and fills ``scenes`` (and ``variations``) in the seed's shape.
A failed scene fails the creation (the campaign says why); :func:`retry_creation` runs only what
is not done, resuming a paid prediction it recorded: nothing is generated or charged twice.
"""

from __future__ import annotations

import copy
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from editing import access, estimates, queries
from editing.access import EDITOR, Scope, actor
from editing.context import Atelier
from editing.create.brief import Brief
from editing.db.models import Campaign
from editing.domain import iso_utc
from editing.errors import AtelierError, ConflictError, InputError
from editing.jobs import runner

#: The states of a creation (``campaign_json["creation"]["state"]``) and of each of its scenes.
GENERATING, FINISHING, COMPLETED, FAILED = "generating", "finishing", "completed", "failed"
QUEUED, RUNNING = "queued", "running"
#: Seconds a final render takes, added to the time estimate (measured: well under 2 s per 20 s ad).
RENDER_SECONDS = 5.0
#: A worker whose heartbeat is older than this is gone (it beats every 2 s).
WORKER_TIMEOUT_S = 20


@dataclass(frozen=True)
class CreationEstimate:
    """What creating a brief should cost and take with the active generator, before anything is spent."""

    provider: str
    scenes: int
    variations: int
    seconds_of_video: float
    video_cost: float
    estimated_seconds: int
    per_scene_cost: tuple[float, ...]

    @property
    def cost(self) -> float:
        return round(self.video_cost, 6)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "cost": self.cost}


@dataclass(frozen=True)
class SceneProgress:
    variation: int
    scene_index: int
    role: str
    duration: float
    prompt: str
    state: str  # queued | running | completed | failed
    fraction: float | None
    message: str
    cost: float
    job_id: int | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CreationStatus:
    """Where a creation is: its state, each scene's progress, what it spent, and why it failed."""

    campaign_id: str
    name: str
    brand: str
    state: str  # generating | finishing | completed | failed
    campaign_status: str
    error: str | None
    estimated_cost: float
    cost: float
    scenes: tuple[SceneProgress, ...]

    @property
    def done(self) -> bool:
        return self.state in (COMPLETED, FAILED)

    @property
    def completed_scenes(self) -> int:
        return sum(1 for s in self.scenes if s.state == COMPLETED)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "done": self.done, "completed_scenes": self.completed_scenes}


@dataclass(frozen=True)
class CreationStarted:
    """The answer to a brief: the campaign row and its jobs exist; generation runs on the workers."""

    campaign_id: str
    name: str
    brand: str
    estimated_cost: float
    estimated_seconds: int
    scenes: int
    variations: int
    job_ids: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate_creation(ctx: Atelier, brief: Brief) -> CreationEstimate:
    """The cost (the active generator's price table) and time (its measured median) of a brief.

    Scenes run side by side, so the time is about one generation plus the final render.
    """
    generator = ctx.video_generator()
    per_scene = tuple(round(generator.estimate_cost(s.duration), 6) for s in brief.scenes)
    with ctx.db.Session() as session:
        seconds = estimates.recent_seconds(generator.name, session=session)
    return CreationEstimate(
        provider=generator.name,
        scenes=len(brief.scenes),
        variations=brief.variations,
        seconds_of_video=brief.duration * brief.variations,
        video_cost=round(sum(per_scene) * brief.variations, 6),
        estimated_seconds=max(1, math.ceil(seconds + RENDER_SECONDS)),
        per_scene_cost=per_scene,
    )


def scene_seed(variation: int, scene_index: int) -> int:
    """Variation 0 uses the scene's index as its seed (as the demo does); variation v adds v × 1000."""
    return variation * 1000 + scene_index


def plan(brief: Brief) -> list[dict[str, Any]]:
    """Each variation's scenes to generate: the brief's prompts, a seed of its own per variation."""
    return [
        {
            "scenes": [
                {
                    "role": s.role,
                    "duration": s.duration,
                    "background_prompt": s.prompt,
                    "seed": scene_seed(v, i),
                    "state": QUEUED,
                    "fraction": None,
                    "message": "waiting for a worker",
                    "cost": 0.0,
                    "attempts": 0,
                }
                for i, s in enumerate(brief.scenes)
            ]
        }
        for v in range(brief.variations)
    ]


def start_creation(
    ctx: Atelier, brief: Brief, *, user: str | None = None, brand: Scope = None
) -> CreationStarted:
    """The campaign row (processing) and one job per scene of every variation, in one transaction.

    Raises:
        InputError: the brief is for another brand than ``brand`` (the one the caller acts as).
        ForbiddenError: not an editor of the brief's brand (an admin for a brand not made yet).
    """
    if isinstance(brand, str) and brief.brand != brand:
        raise InputError(f"The brief is for brand {brief.brand!r}; you act as {brand!r}")
    access.check_create(ctx, brand, brief.brand)
    estimate = estimate_creation(ctx, brief)
    campaign_id = uuid.uuid4()
    creation = {
        "state": GENERATING,
        "provider": estimate.provider,
        "template": brief.template,
        "estimated_cost": estimate.cost,
        "user": actor(brand, user or ctx.settings.user),
        "started_at": iso_utc(datetime.now(UTC)),
        "error": None,
        "variations": plan(brief),
    }
    doc: dict[str, Any] = {
        "perfume_name": brief.perfume,
        "brand_name": brief.brand,
        "campaign_name": brief.name,
        "style_spec": brief.style.to_dict(),
        "audio_url": None,
        "selected_variation_index": 0,
        "scenes": [],
        "creation": creation,
    }
    with ctx.db.Session.begin() as session:
        brand_row, perfume_row = queries.brand_and_perfume(brief.brand, brief.perfume, session=session)
        job_ids = _defer_scenes(session, campaign_id, creation)  # the jobs name their scenes' rows
        row = Campaign(id=campaign_id, brand_id=brand_row.id, perfume_id=perfume_row.id, name=brief.name)
        row.campaign_json, row.selected_variation_index, row.cost = doc, 0, Decimal(0)
        row.status, row.version = "processing", 1
        session.add(row)
    return CreationStarted(
        campaign_id=str(campaign_id),
        name=brief.name,
        brand=brief.brand,
        estimated_cost=estimate.cost,
        estimated_seconds=estimate.estimated_seconds,
        scenes=len(brief.scenes),
        variations=brief.variations,
        job_ids=tuple(job_ids),
    )


def _defer_scenes(session: Session, campaign_id: uuid.UUID, creation: dict[str, Any]) -> list[int]:
    """A job for each scene not completed yet (its id recorded on the scene), in the caller's transaction."""
    job_ids = []
    for v, variation in enumerate(creation["variations"]):
        for i, scene in enumerate(variation["scenes"]):
            if scene["state"] == COMPLETED:
                continue
            scene["job_id"] = runner.defer(
                session, runner.CREATE_SCENE_TASK, campaign_id=str(campaign_id), variation=v, scene_index=i
            )
            scene.update(state=QUEUED, fraction=None, message="waiting for a worker", error=None)
            job_ids.append(scene["job_id"])
    return job_ids


def creation_status(ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None) -> CreationStatus:
    """A created campaign's progress, scene by scene (anyone can follow it: it is on the row).

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        InputError: a campaign that was not created from a brief.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        creation = _creation_of(campaign)
        brand_name = str(campaign.campaign_json.get("brand_name", ""))
        status, name, error = campaign.status, campaign.name, campaign.error_message
        cost = float(campaign.cost)
    scenes = tuple(
        SceneProgress(
            variation=v,
            scene_index=i,
            role=s["role"],
            duration=float(s["duration"]),
            prompt=s["background_prompt"],
            state=s["state"],
            fraction=s.get("fraction"),
            message=str(s.get("message") or ""),
            cost=float(s.get("cost") or 0),
            job_id=s.get("job_id"),
            error=s.get("error"),
        )
        for v, variation in enumerate(creation["variations"])
        for i, s in enumerate(variation["scenes"])
    )
    return CreationStatus(
        campaign_id=str(campaign_id),
        name=name,
        brand=brand_name,
        state=creation["state"],
        campaign_status=status,
        error=creation.get("error") or error,
        estimated_cost=float(creation.get("estimated_cost") or 0),
        cost=cost,
        scenes=scenes,
    )


def _creation_of(campaign: Campaign) -> dict[str, Any]:
    creation = campaign.campaign_json.get("creation")
    if not isinstance(creation, dict) or "variations" not in creation:
        raise InputError(f"Campaign {campaign.id} was not created from a brief")
    return creation


def refuse_while_created(campaign: Campaign) -> None:
    """Raises ConflictError while a campaign's scenes are being generated from its brief (or failed to be)."""
    creation = campaign.campaign_json.get("creation")
    if isinstance(creation, dict) and creation.get("state") != COMPLETED:
        raise ConflictError(
            f"Campaign {campaign.id} is being created from a brief ({creation.get('state')}); "
            "it can be edited once it is ready"
        )


def retry_creation(ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None) -> CreationStarted:
    """Run again what a failed (or stranded) creation did not finish; completed scenes are kept.

    A scene whose paid prediction was recorded resumes it (no second charge).

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        ConflictError: it completed, or one of its jobs is still waiting or running.
    """
    with ctx.db.Session.begin() as session:
        campaign = queries.load_campaign(
            campaign_id, session=session, brand=brand, for_update=True, need=(EDITOR, "retrying a creation")
        )
        creation = copy.deepcopy(_creation_of(campaign))  # a new value, so the row is written
        if creation["state"] == COMPLETED:
            raise ConflictError(f"Campaign {campaign.id} was created already; there is nothing to retry")
        if _alive(session, _job_ids(creation)):
            raise ConflictError(f"Campaign {campaign.id} is still being created; follow it or wait")
        scenes = [s for v in creation["variations"] for s in v["scenes"]]
        if all(s["state"] == COMPLETED for s in scenes):
            creation["state"] = FINISHING
            creation["finish_job_id"] = runner.defer(
                session, runner.FINISH_CAMPAIGN_TASK, campaign_id=str(campaign.id)
            )
            job_ids = [creation["finish_job_id"]]
        else:
            creation["state"] = GENERATING
            job_ids = _defer_scenes(session, campaign.id, creation)
        creation["error"] = None
        campaign.campaign_json = {**campaign.campaign_json, "creation": creation}
        campaign.status, campaign.error_message = "processing", None
        cj = campaign.campaign_json
        result = CreationStarted(
            campaign_id=str(campaign.id),
            name=campaign.name,
            brand=str(cj.get("brand_name", "")),
            estimated_cost=float(creation.get("estimated_cost") or 0),
            estimated_seconds=0,
            scenes=len(creation["variations"][0]["scenes"]),
            variations=len(creation["variations"]),
            job_ids=tuple(job_ids),
        )
    return result


def _job_ids(creation: dict[str, Any]) -> list[int]:
    ids = [s.get("job_id") for v in creation["variations"] for s in v["scenes"]]
    ids.append(creation.get("finish_job_id"))
    return [int(i) for i in ids if i is not None]


def _alive(session: Session, job_ids: list[int]) -> bool:
    """Whether one of the jobs waits for a worker or runs on a live one."""
    if not job_ids:
        return False
    found = session.execute(
        text(
            "SELECT 1 FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
            "WHERE j.id = ANY(:ids) AND (j.status = 'todo' OR (j.status = 'doing' AND "
            "w.last_heartbeat > now() - make_interval(secs => :timeout))) LIMIT 1"
        ),
        {"ids": job_ids, "timeout": WORKER_TIMEOUT_S},
    ).first()
    return found is not None


def wait_for_creation(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    *,
    timeout: float = 3600.0,
    poll: float = 0.3,
    on_change: Callable[[CreationStatus], None] | None = None,
) -> CreationStatus:
    """Follow a creation until it completes or fails (``on_change`` at each change of any scene).

    Raises:
        AtelierError: it did not end within ``timeout`` seconds (it goes on).
    """
    deadline = time.monotonic() + timeout
    seen: tuple[Any, ...] = ()
    while True:
        status = creation_status(ctx, campaign_id)
        key = (status.state, tuple((s.state, s.fraction, s.message) for s in status.scenes))
        if key != seen and on_change is not None:
            on_change(status)
        seen = key
        if status.done:
            return status
        if time.monotonic() > deadline:
            raise AtelierError(f"campaign {campaign_id} was not created within {timeout:.0f}s (it goes on)")
        time.sleep(poll)

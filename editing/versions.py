"""Versions of scenes and of finals: recorded as they are made, listed for the editor and the CLI.

The ``scene_versions`` and ``final_versions`` tables say which file is which version; the
highest version is the current one (campaign_json mirrors it). Every file a version names
stays in storage, so any version can be played, downloaded or made current again.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editing import queries, variations
from editing.access import Scope
from editing.context import Atelier
from editing.db.models import Campaign, FinalVersion, SceneVersion
from editing.domain import iso_utc, validate_scene_index
from editing.errors import InputError, NotFoundError
from editing.methods import Method

METHODS = tuple(m.value for m in Method)


@dataclass(frozen=True)
class SceneVersionInfo:
    """One version of a scene, as the editor lists it and `versions --json` prints it."""

    version: int
    created_at: str
    method: str
    prompt: str
    cost: float
    edit_id: str | None
    current: bool
    video_url: str
    thumbnail_url: str | None
    created_by: str
    duration: float
    source_version: int | None
    video_key: str

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("video_key")
        return out


@dataclass(frozen=True)
class FinalVersionInfo:
    """One final video of a campaign, with the edit that made it."""

    version: int
    created_at: str
    edit_id: str | None
    current: bool
    video_url: str
    thumbnail_url: str | None
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def record_scene_version(
    session: Session,
    *,
    campaign_id: uuid.UUID,
    variation: int,
    scene_index: int,
    video_key: str,
    thumbnail_key: str | None,
    prompt: str,
    duration: float,
    method: str,
    user: str,
    edit_id: uuid.UUID | None = None,
    cost: float = 0.0,
    source_version: int | None = None,
) -> int:
    """Add the next version of a scene (call with the campaign row locked); returns its number."""
    assert method in METHODS, method
    latest = session.scalar(
        select(func.max(SceneVersion.version)).where(
            SceneVersion.campaign_id == campaign_id,
            SceneVersion.variation == variation,
            SceneVersion.scene_index == scene_index,
        )
    )
    number = int(latest or 0) + 1
    session.add(
        SceneVersion(
            campaign_id=campaign_id,
            variation=variation,
            scene_index=scene_index,
            version=number,
            video_key=video_key,
            thumbnail_key=thumbnail_key,
            prompt=prompt,
            duration=duration,
            method=method,
            source_version=source_version,
            edit_id=edit_id,
            cost=Decimal(str(cost)),
            created_by=user,
        )
    )
    return number


def record_final_version(
    session: Session,
    *,
    campaign_id: uuid.UUID,
    variation: int,
    video_key: str,
    thumbnail_key: str | None,
    user: str,
    edit_id: uuid.UUID | None = None,
) -> int:
    """Add the next final of a campaign variation (call with the campaign row locked)."""
    latest = session.scalar(
        select(func.max(FinalVersion.version)).where(
            FinalVersion.campaign_id == campaign_id, FinalVersion.variation == variation
        )
    )
    number = int(latest or 0) + 1
    session.add(
        FinalVersion(
            campaign_id=campaign_id,
            variation=variation,
            version=number,
            video_key=video_key,
            thumbnail_key=thumbnail_key,
            edit_id=edit_id,
            created_by=user,
        )
    )
    return number


def scene_version_rows(
    session: Session, campaign_id: uuid.UUID, variation: int, scene_index: int
) -> list[SceneVersion]:
    return list(
        session.scalars(
            select(SceneVersion)
            .where(
                SceneVersion.campaign_id == campaign_id,
                SceneVersion.variation == variation,
                SceneVersion.scene_index == scene_index,
            )
            .order_by(SceneVersion.version)
        )
    )


def list_scene_versions(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    *,
    brand: Scope = None,
    variation: int | None = None,
) -> list[SceneVersionInfo]:
    """Every version of a scene of a variation (None: the selected one), oldest first; the last is current.

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        InputError: scene index or variation out of range.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        variation = variations.resolve(campaign.campaign_json, variation)
        cj = variations.view(campaign.campaign_json, variation)
        validate_scene_index(scene_index, len(cj.get("scenes", [])))
        rows = scene_version_rows(session, campaign.id, variation, scene_index)
    last = len(rows) - 1
    return [
        SceneVersionInfo(
            version=r.version,
            created_at=iso_utc(r.created_at),
            method=r.method,
            prompt=r.prompt,
            cost=float(r.cost),
            edit_id=str(r.edit_id) if r.edit_id else None,
            current=i == last,
            video_url=ctx.storage.url(r.video_key),
            thumbnail_url=ctx.storage.url(r.thumbnail_key) if r.thumbnail_key else None,
            created_by=r.created_by,
            duration=r.duration,
            source_version=r.source_version,
            video_key=r.video_key,
        )
        for i, r in enumerate(rows)
    ]


def list_final_versions(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None, variation: int | None = None
) -> list[FinalVersionInfo]:
    """Every final of a variation (None: the selected one), oldest first; the last one is current."""
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        variation = variations.resolve(campaign.campaign_json, variation)
        rows = list(
            session.scalars(
                select(FinalVersion)
                .where(FinalVersion.campaign_id == campaign.id, FinalVersion.variation == variation)
                .order_by(FinalVersion.version)
            )
        )
    if not rows:
        raise NotFoundError(f"Campaign {campaign_id} has no final video yet")
    last = len(rows) - 1
    return [
        FinalVersionInfo(
            version=r.version,
            created_at=iso_utc(r.created_at),
            edit_id=str(r.edit_id) if r.edit_id else None,
            current=i == last,
            video_url=ctx.storage.url(r.video_key),
            thumbnail_url=ctx.storage.url(r.thumbnail_key) if r.thumbnail_key else None,
            created_by=r.created_by,
        )
        for i, r in enumerate(rows)
    ]


def revert_plan(
    session: Session, campaign: Campaign, scene_index: int, version: int | None, variation: int | None = None
) -> dict[str, Any]:
    """The plan of a revert of scene ``scene_index`` to ``version`` (what its edit row records).

    Raises:
        InputError: no version given, a version that does not exist, or the current one.
    """
    if version is None:
        raise InputError("Say which version to go back to")
    variation = variations.resolve(campaign.campaign_json, variation)
    rows = scene_version_rows(session, campaign.id, variation, scene_index)
    numbers = [r.version for r in rows]
    if version not in numbers:
        have = f"versions 1 to {numbers[-1]}" if numbers else "no versions"
        raise InputError(f"Scene {scene_index} has {have}; there is no version {version}")
    if version == numbers[-1]:
        raise InputError(f"Version {version} is already the current version of scene {scene_index}")
    return {"source_version": version}


def scene_version(
    session: Session, campaign_id: uuid.UUID, variation: int, scene_index: int, version: int
) -> SceneVersion:
    """One version of a scene.

    Raises:
        NotFoundError: it does not exist.
    """
    row = session.scalars(
        select(SceneVersion).where(
            SceneVersion.campaign_id == campaign_id,
            SceneVersion.variation == variation,
            SceneVersion.scene_index == scene_index,
            SceneVersion.version == version,
        )
    ).first()
    if row is None:
        raise NotFoundError(f"Scene {scene_index} has no version {version}")
    return row


def first_versions(session: Session, campaign_id: uuid.UUID, variation: int) -> dict[int, str]:
    """The video key of version 1 (the original cut) of each scene of a campaign variation."""
    rows = session.execute(
        select(SceneVersion.scene_index, SceneVersion.video_key).where(
            SceneVersion.campaign_id == campaign_id,
            SceneVersion.variation == variation,
            SceneVersion.version == 1,
        )
    ).all()
    return {int(i): str(k) for i, k in rows}


def record_first_versions(
    session: Session,
    campaign_id: uuid.UUID,
    one: dict[str, Any],
    variation: int,
    *,
    user: str,
    method: str = "original",
) -> None:
    """Version 1 of every scene of a variation (``one``: its view of campaign_json) and of its final."""
    for i, scene in enumerate(one.get("scenes", [])):
        record_scene_version(
            session,
            campaign_id=campaign_id,
            variation=variation,
            scene_index=i,
            video_key=scene["video_key"],
            thumbnail_key=scene.get("thumbnail_key"),
            prompt=scene.get("background_prompt", ""),
            duration=float(scene.get("duration", 4)),
            method=method,
            user=user,
        )
    if one.get("final_video_key"):
        record_final_version(
            session,
            campaign_id=campaign_id,
            variation=variation,
            video_key=one["final_video_key"],
            thumbnail_key=one.get("final_thumbnail_key"),
            user=user,
        )

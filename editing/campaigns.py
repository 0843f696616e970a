"""Reading campaigns: lookups with brand checks, scenes, history, spend; the demo campaign."""

from __future__ import annotations

import logging
import math
import tempfile
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from editing import assets
from editing.context import Atelier
from editing.db.models import Brand, Campaign, EditHistory, Perfume
from editing.domain import EditHistoryRecord, SceneInfo, iso_utc
from editing.errors import InputError, NotFoundError
from editing.providers.base import SceneRequest
from editing.storage.base import audio_key, final_video_key, scene_key

log = logging.getLogger(__name__)

DEMO_BRAND = "Maison Lumière"
DEMO_PERFUME = "Nuit Dorée"
DEMO_STYLE_SPEC: dict[str, Any] = {
    "lighting_direction": "soft golden key light from the left, gentle rim light",
    "camera_style": "slow cinematic dolly, shallow depth of field",
    "mood_atmosphere": "elegant, warm and intimate",
    "color_palette": ["gold", "amber", "ivory", "deep plum"],
}
DEMO_SCENES: list[tuple[str, str]] = [
    ("hook", "A crystal perfume bottle of {p} emerges from warm darkness, light catching its gold cap"),
    ("showcase", "{p} bottle on a polished marble pedestal, slow orbit, amber reflections"),
    ("lifestyle", "Silk drapes moving in a warm evening breeze around the {p} bottle in a luxury boudoir"),
    (
        "detail",
        "Macro close-up of the {p} bottle's faceted glass, golden light refracting through the liquid",
    ),
    ("cta", "{p} bottle centred in a soft glow, elegant and still, room for the call to action"),
]

ProgressFn = Callable[[str, str], None]


def parse_campaign_id(campaign_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(campaign_id, uuid.UUID):
        return campaign_id
    try:
        return uuid.UUID(str(campaign_id).strip())
    except ValueError:
        raise NotFoundError(f"Campaign {campaign_id} not found") from None


def load_campaign(
    session: Session, campaign_id: str | uuid.UUID, *, brand: str | None = None, for_update: bool = False
) -> Campaign:
    """The campaign, if it exists and belongs to ``brand`` (when given).

    Raises:
        NotFoundError: unknown id, or a campaign of another brand (indistinguishable on purpose).
    """
    cid = parse_campaign_id(campaign_id)
    stmt = select(Campaign).where(Campaign.id == cid)
    if brand is not None:
        stmt = stmt.join(Brand, Brand.id == Campaign.brand_id).where(Brand.name == brand)
    if for_update:
        stmt = stmt.with_for_update(of=Campaign)
    campaign = session.scalars(stmt).one_or_none()
    if campaign is None:
        raise NotFoundError(f"Campaign {campaign_id} not found")
    return campaign


def list_campaigns(ctx: Atelier, *, brand: str | None = None) -> list[dict[str, Any]]:
    """Campaigns, newest first, with their brand, perfume, status and total cost."""
    with ctx.db.Session() as session:
        stmt = (
            select(Campaign, Brand.name, Perfume.name)
            .join(Brand, Brand.id == Campaign.brand_id)
            .join(Perfume, Perfume.id == Campaign.perfume_id)
            .order_by(Campaign.created_at.desc())
        )
        if brand is not None:
            stmt = stmt.where(Brand.name == brand)
        return [
            {
                "campaign_id": str(c.id),
                "name": c.name,
                "brand": b,
                "perfume": p,
                "status": c.status,
                "error_message": c.error_message,
                "scenes": len(c.campaign_json.get("scenes", [])),
                "cost": float(c.cost),
            }
            for c, b, p in session.execute(stmt).all()
        ]


def list_brands(ctx: Atelier) -> list[str]:
    with ctx.db.Session() as session:
        return list(session.scalars(select(Brand.name).order_by(Brand.name)))


def _scene_infos(ctx: Atelier, campaign: Campaign) -> list[SceneInfo]:
    infos = []
    for i, scene in enumerate(campaign.campaign_json.get("scenes", [])):
        thumb = scene.get("thumbnail_key")
        infos.append(
            SceneInfo(
                scene_index=i,
                scene_id=int(scene.get("scene_id", i + 1)),
                role=scene.get("role", "unknown"),
                duration=round(float(scene.get("duration", 4))),
                background_prompt=scene.get("background_prompt", ""),
                video_url=ctx.storage.url(scene["video_key"]),
                thumbnail_url=ctx.storage.url(thumb) if thumb else None,
                edit_count=int(scene.get("edit_count", 0)),
                last_edited_at=scene.get("last_edited_at"),
            )
        )
    return infos


def list_scenes(ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: str | None = None) -> list[SceneInfo]:
    """The seed's GET /campaigns/{id}/scenes as SceneInfo records."""
    with ctx.db.Session() as session:
        return _scene_infos(ctx, load_campaign(session, campaign_id, brand=brand))


def campaign_overview(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: str | None = None
) -> dict[str, Any]:
    """Everything the editor page draws for one campaign, read in one transaction."""
    with ctx.db.Session() as session:
        c = load_campaign(session, campaign_id, brand=brand)
        cj = c.campaign_json
        final_key = cj.get("final_video_key")
        thumb = cj.get("final_thumbnail_key")
        return {
            "campaign_id": str(c.id),
            "name": c.name,
            "perfume_name": cj.get("perfume_name"),
            "brand_name": cj.get("brand_name"),
            "style_spec": cj.get("style_spec", {}),
            "status": c.status,
            "error_message": c.error_message,
            "cost": float(c.cost),
            "version": c.version,
            "final_video_url": ctx.storage.url(final_key) if final_key else None,
            "final_thumbnail_url": ctx.storage.url(thumb) if thumb else None,
            "scenes": _scene_infos(ctx, c),
        }


def _record(row: EditHistory) -> EditHistoryRecord:
    return EditHistoryRecord(
        edit_id=str(row.edit_id),
        timestamp=iso_utc(row.timestamp),
        scene_index=row.scene_index,
        edit_prompt=row.edit_prompt,
        changes_summary=row.changes_summary,
        cost=float(row.cost),
        duration_seconds=math.ceil(float(row.duration_seconds)),
        elapsed_s=round(float(row.duration_seconds), 2),
        status=row.status,
        original_prompt=row.original_prompt,
        modified_prompt=row.modified_prompt,
        error=row.error,
        user=row.user_name,
        prompt_provider=row.prompt_provider,
        video_provider=row.video_provider,
        cost_breakdown=dict(row.cost_breakdown or {}),
    )


def get_history(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: str | None = None
) -> list[EditHistoryRecord]:
    """Every edit attempt of a campaign, oldest first (the seed's GET /edit-history)."""
    with ctx.db.Session() as session:
        c = load_campaign(session, campaign_id, brand=brand)
        rows = session.scalars(
            select(EditHistory).where(EditHistory.campaign_id == c.id).order_by(EditHistory.timestamp)
        )
        return [_record(r) for r in rows]


def get_edit(ctx: Atelier, edit_id: str | uuid.UUID, *, brand: str | None = None) -> EditHistoryRecord:
    """One edit by id (of a campaign of ``brand``, when given).

    Raises:
        NotFoundError: unknown id, or an edit of another brand's campaign.
    """
    try:
        eid = edit_id if isinstance(edit_id, uuid.UUID) else uuid.UUID(str(edit_id))
    except ValueError:
        raise NotFoundError(f"Edit {edit_id} not found") from None
    with ctx.db.Session() as session:
        stmt = select(EditHistory).where(EditHistory.edit_id == eid)
        if brand is not None:
            stmt = (
                stmt.join(Campaign, Campaign.id == EditHistory.campaign_id)
                .join(Brand, Brand.id == Campaign.brand_id)
                .where(Brand.name == brand)
            )
        row = session.scalars(stmt).one_or_none()
        if row is None:
            raise NotFoundError(f"Edit {edit_id} not found")
        return _record(row)


def history_rows(ctx: Atelier, *, brand: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Recent edits across campaigns (newest first), flat rows for a table."""
    with ctx.db.Session() as session:
        stmt = (
            select(EditHistory, Campaign.name, Brand.name)
            .join(Campaign, Campaign.id == EditHistory.campaign_id)
            .join(Brand, Brand.id == Campaign.brand_id)
            .order_by(EditHistory.timestamp.desc())
            .limit(limit)
        )
        if brand is not None:
            stmt = stmt.where(Brand.name == brand)
        out = []
        for row, cname, bname in session.execute(stmt).all():
            rec = _record(row).to_dict()
            rec.update(campaign_id=str(row.campaign_id), campaign=cname, brand=bname)
            out.append(rec)
        return out


def cost_summary(ctx: Atelier, *, brand: str | None = None) -> dict[str, Any]:
    """Edit spend per campaign and in total, from the edit_history table (failed edits included)."""
    with ctx.db.Session() as session:
        stmt = (
            select(
                Campaign.id,
                Campaign.name,
                Brand.name,
                func.count(EditHistory.edit_id).filter(EditHistory.status == "completed"),
                func.count(EditHistory.edit_id).filter(EditHistory.status == "failed"),
                func.coalesce(func.sum(EditHistory.cost), 0),
                func.coalesce(
                    func.avg(EditHistory.duration_seconds).filter(EditHistory.status == "completed"), 0
                ),
                Campaign.cost,
            )
            .join(Brand, Brand.id == Campaign.brand_id)
            .outerjoin(EditHistory, EditHistory.campaign_id == Campaign.id)
            .group_by(Campaign.id, Brand.name)
            .order_by(Campaign.created_at)
        )
        if brand is not None:
            stmt = stmt.where(Brand.name == brand)
        rows = [
            {
                "campaign_id": str(cid),
                "campaign": name,
                "brand": bname,
                "edits": int(done),
                "failed_edits": int(failed),
                "edit_cost": float(spend),
                "avg_duration_s": round(float(avg), 2),
                "campaign_cost": float(total),
            }
            for cid, name, bname, done, failed, spend, avg, total in session.execute(stmt).all()
        ]
    return {
        "campaigns": rows,
        "total_edit_cost": round(sum(r["edit_cost"] for r in rows), 6),
        "total_edits": sum(r["edits"] for r in rows),
        "total_failed_edits": sum(r["failed_edits"] for r in rows),
    }


def spend_by_day(ctx: Atelier, *, brand: str | None = None) -> list[dict[str, Any]]:
    """Edit spend per UTC day and campaign (every edit, failed ones included), oldest first."""
    day = func.date_trunc("day", func.timezone("UTC", EditHistory.timestamp)).label("day")
    with ctx.db.Session() as session:
        stmt = (
            select(day, Campaign.name, func.sum(EditHistory.cost), func.count(EditHistory.edit_id))
            .join(Campaign, Campaign.id == EditHistory.campaign_id)
            .join(Brand, Brand.id == Campaign.brand_id)
            .group_by(day, Campaign.name)
            .order_by(day)
        )
        if brand is not None:
            stmt = stmt.where(Brand.name == brand)
        return [
            {"day": d.date().isoformat(), "campaign": name, "cost": float(cost), "edits": int(n)}
            for d, name, cost, n in session.execute(stmt).all()
        ]


def count_edits(ctx: Atelier, *, brand: str | None = None) -> int:
    with ctx.db.Session() as session:
        stmt = select(func.count(EditHistory.edit_id)).join(Campaign, Campaign.id == EditHistory.campaign_id)
        if brand is not None:
            stmt = stmt.join(Brand, Brand.id == Campaign.brand_id).where(Brand.name == brand)
        return int(session.scalar(stmt) or 0)


def _get_or_create(session: Session, brand_name: str, perfume_name: str) -> tuple[Brand, Perfume]:
    brand = session.scalars(select(Brand).where(Brand.name == brand_name)).one_or_none()
    if brand is None:
        brand = Brand(id=uuid.uuid4(), name=brand_name)
        session.add(brand)
        session.flush()
    perfume = session.scalars(
        select(Perfume).where(Perfume.brand_id == brand.id, Perfume.name == perfume_name)
    ).one_or_none()
    if perfume is None:
        perfume = Perfume(id=uuid.uuid4(), brand_id=brand.id, name=perfume_name)
        session.add(perfume)
        session.flush()
    return brand, perfume


def create_demo_campaign(
    ctx: Atelier,
    *,
    scenes: int = 5,
    brand: str = DEMO_BRAND,
    perfume: str = DEMO_PERFUME,
    name: str | None = None,
    scene_duration: float = 4.0,
    on_progress: ProgressFn | None = None,
) -> uuid.UUID:
    """Create a campaign with ``scenes`` scenes, made by the offline providers (never paid ones).

    Files are written first; the campaign row appears only when all of them exist.
    """
    if not 1 <= scenes <= 20:
        raise InputError(f"a demo campaign has between 1 and 20 scenes, not {scenes}")
    report = on_progress or (lambda step, msg: None)
    generator = ctx.video_generator("offline")
    fmt = ctx.video_format
    campaign_id = uuid.uuid4()
    with ctx.db.Session.begin() as session:
        b, p = _get_or_create(session, brand, perfume)
        brand_id, perfume_id = str(b.id), str(p.id)
    ids = (brand_id, perfume_id, str(campaign_id), 0)
    style = dict(DEMO_STYLE_SPEC)
    scene_docs: list[dict[str, Any]] = []
    written: list[str] = []  # removed again if the campaign does not come into being
    try:
        ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="demo-") as tmp:
            work = Path(tmp)
            local_scenes: list[Path] = []
            for i in range(scenes):
                role, template = DEMO_SCENES[i % len(DEMO_SCENES)]
                prompt = template.format(p=perfume)
                report("generate_scene", f"scene {i + 1}/{scenes} ({role})")
                req = SceneRequest(
                    prompt=prompt, style_spec=style, duration=scene_duration, role=role,
                    perfume_name=perfume, seed=i, fmt=fmt,
                )  # fmt: skip
                scene_dir = work / f"scene{i}"
                scene_dir.mkdir()
                gen = generator.generate(req, scene_dir)
                path = assets.prepare_scene(gen.path, scene_dir, fmt, scene_duration)
                stored = assets.store_video(ctx.storage, path, scene_key(*ids, i), scene_dir)
                written += [stored.key, stored.thumbnail_key]
                local_scenes.append(path)
                scene_docs.append(
                    {
                        "scene_id": i + 1,
                        "role": role,
                        "duration": scene_duration,
                        "background_prompt": prompt,
                        "edit_count": 0,
                        "last_edited_at": None,
                        "video_key": stored.key,
                        "thumbnail_key": stored.thumbnail_key,
                        "seed": i,
                    }
                )
            report("audio", "synthesizing the music bed")
            akey = audio_key(*ids)
            wav = ctx.audio_synth().synthesize(style, scene_duration * scenes, work / "music_bed.wav")
            ctx.storage.put_file(akey, wav, "audio/wav")
            written.append(akey)
            report("render_final", "rendering the final video")
            final = assets.render_final(
                ctx.storage, local_scenes, akey, work, fmt=fmt, cache_dir=ctx.settings.cache_dir
            )
            stored_final = assets.store_video(ctx.storage, final, final_video_key(*ids), work)
            written += [stored_final.key, stored_final.thumbnail_key]
        campaign_json = {
            "perfume_name": perfume,
            "brand_name": brand,
            "style_spec": style,
            "audio_url": akey,
            "selected_variation_index": 0,
            "final_video_key": stored_final.key,
            "final_thumbnail_key": stored_final.thumbnail_key,
            "scenes": scene_docs,
        }
        with ctx.db.Session.begin() as session:
            title = name or f"{perfume} — TikTok launch"
            same = session.scalar(
                select(func.count(Campaign.id)).where(
                    Campaign.brand_id == uuid.UUID(brand_id), Campaign.name.startswith(title, autoescape=True)
                )
            )
            session.add(
                Campaign(
                    id=campaign_id,
                    brand_id=uuid.UUID(brand_id),
                    perfume_id=uuid.UUID(perfume_id),
                    name=f"{title} #{same + 1}" if same else title,  # tell demo campaigns apart
                    campaign_json=campaign_json,
                    selected_variation_index=0,
                    cost=Decimal(0),
                    status="completed",
                    version=1,
                )
            )
    except BaseException:
        assets.delete_quietly(ctx.storage, written, "failed demo build")
        raise
    report("save", f"campaign {campaign_id} created")
    log.info("demo campaign %s created with %d scenes", campaign_id, scenes)
    return campaign_id


def ensure_demo_campaign(ctx: Atelier) -> uuid.UUID | None:
    """On first start, create the demo campaign (once, even with several processes starting)."""
    ctx.storage.check()  # a broken store should fail fast, before five scenes are rendered
    with ctx.db.Session() as session:
        session.execute(text("SELECT pg_advisory_lock(4154454)"))
        try:
            if session.scalar(select(func.count(Campaign.id))):
                return None
            return create_demo_campaign(ctx, brand=ctx.settings.brand or DEMO_BRAND)
        finally:
            session.execute(text("SELECT pg_advisory_unlock(4154454)"))
            session.commit()

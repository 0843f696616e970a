"""The demo campaign: five scenes, a music bed and a final video, made by the offline providers.

Built on first start so the app opens on something to edit, and by ``python -m editing
demo``. It never uses a paid provider, whatever the settings say.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from editing import assets, queries, versions
from editing.context import Atelier
from editing.db.models import Campaign
from editing.domain import MAX_SCENES
from editing.errors import InputError
from editing.providers.base import SceneRequest
from editing.storage.keys import CampaignKeys

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
# Any constant works; it only has to be the same in every process of this app.
_DEMO_LOCK_ID = 4154454

ProgressFn = Callable[[str, str], None]


@dataclass(frozen=True)
class _Demo:
    """What one demo build makes: its ids and keys, its look, how long each scene is."""

    campaign_id: uuid.UUID
    keys: CampaignKeys
    brand: str
    perfume: str
    scene_duration: float
    report: ProgressFn


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

    Files are written first; the campaign row appears only when all of them exist, and a
    failed build removes the files it wrote.

    Raises:
        InputError: fewer than 1 or more than MAX_SCENES scenes.
    """
    if not 1 <= scenes <= MAX_SCENES:
        raise InputError(f"a demo campaign has between 1 and {MAX_SCENES} scenes, not {scenes}")
    with ctx.db.Session.begin() as session:
        b, p = queries.brand_and_perfume(brand, perfume, session=session)
        campaign_id = uuid.uuid4()
        keys = CampaignKeys(str(b.id), str(p.id), str(campaign_id), 0)
    demo = _Demo(campaign_id, keys, brand, perfume, scene_duration, on_progress or (lambda step, msg: None))
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with (
        assets.removed_on_failure(ctx.storage) as written,
        tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="demo-") as tmp,
    ):
        campaign_json = _build_media(ctx, demo, scenes, Path(tmp), written)
        _insert_campaign(ctx, demo, campaign_json, name)
    demo.report("save", f"campaign {campaign_id} created")
    log.info("demo campaign %s created with %d scenes", campaign_id, scenes)
    return campaign_id


def _build_media(
    ctx: Atelier, demo: _Demo, count: int, work: Path, written: assets.Written
) -> dict[str, Any]:
    """Generate and store the scenes, the music bed and the final video; returns campaign_json."""
    generator, fmt = ctx.video_generator("offline"), ctx.video_format
    style = dict(DEMO_STYLE_SPEC)
    docs: list[dict[str, Any]] = []
    local: list[Path] = []
    for i in range(count):
        role, template = DEMO_SCENES[i % len(DEMO_SCENES)]
        prompt = template.format(p=demo.perfume)
        demo.report("generate_scene", f"scene {i + 1}/{count} ({role})")
        request = SceneRequest(prompt, style, demo.scene_duration, role, demo.perfume, seed=i, fmt=fmt)
        scene_dir = work / f"scene{i}"
        scene_dir.mkdir()
        path = assets.prepare_scene(
            generator.generate(request, scene_dir).path, scene_dir, fmt, demo.scene_duration
        )
        stored = written.add(assets.store_video(ctx.vault, path, demo.keys.scene(i), scene_dir))
        local.append(path)
        docs.append(
            {
                "scene_id": i + 1,
                "role": role,
                "duration": demo.scene_duration,
                "background_prompt": prompt,
                "edit_count": 0,
                "last_edited_at": None,
                "video_key": stored.key,
                "thumbnail_key": stored.thumbnail_key,
                "seed": i,
            }
        )
    demo.report("audio", "synthesizing the music bed")
    audio = demo.keys.audio()
    wav = ctx.audio_synth().synthesize(style, demo.scene_duration * count, work / "music_bed.wav")
    ctx.vault.put(audio, wav, "audio/wav")
    written.keys.append(audio)
    demo.report("render_final", "rendering the final video")
    final = assets.render_final(ctx.storage, local, audio, work, fmt=fmt, cache_dir=ctx.settings.cache_dir)
    stored_final = written.add(assets.store_video(ctx.vault, final, demo.keys.final(), work))
    return {
        "perfume_name": demo.perfume,
        "brand_name": demo.brand,
        "style_spec": style,
        "audio_url": audio,
        "selected_variation_index": 0,
        "final_video_key": stored_final.key,
        "final_thumbnail_key": stored_final.thumbnail_key,
        "scenes": docs,
    }


def _insert_campaign(ctx: Atelier, demo: _Demo, campaign_json: dict[str, Any], name: str | None) -> None:
    brand_id = uuid.UUID(demo.keys.brand_id)
    with ctx.db.Session.begin() as session:
        title = name or f"{demo.perfume} — TikTok launch"
        same = session.scalar(
            select(func.count(Campaign.id)).where(
                Campaign.brand_id == brand_id, Campaign.name.startswith(title, autoescape=True)
            )
        )
        session.add(
            Campaign(
                id=demo.campaign_id,
                brand_id=brand_id,
                perfume_id=uuid.UUID(demo.keys.perfume_id),
                name=f"{title} #{same + 1}" if same else title,  # tell demo campaigns apart
                campaign_json=campaign_json,
                selected_variation_index=0,
                cost=Decimal(0),
                status="completed",
                version=1,
            )
        )
        session.flush()
        record_originals(session, demo.campaign_id, campaign_json, user=ctx.settings.user)


def record_originals(
    session: Session, campaign_id: uuid.UUID, campaign_json: dict[str, Any], *, user: str
) -> None:
    """Version 1 of every scene and of the final of a new campaign."""
    variation = int(campaign_json.get("selected_variation_index", 0))
    for i, scene in enumerate(campaign_json["scenes"]):
        versions.record_scene_version(
            session,
            campaign_id=campaign_id,
            variation=variation,
            scene_index=i,
            video_key=scene["video_key"],
            thumbnail_key=scene.get("thumbnail_key"),
            prompt=scene.get("background_prompt", ""),
            duration=float(scene.get("duration", 4)),
            method="original",
            user=user,
        )
    if campaign_json.get("final_video_key"):
        versions.record_final_version(
            session,
            campaign_id=campaign_id,
            variation=variation,
            video_key=campaign_json["final_video_key"],
            thumbnail_key=campaign_json.get("final_thumbnail_key"),
            user=user,
        )


def ensure_demo_campaign(ctx: Atelier) -> uuid.UUID | None:
    """On first start, create the demo campaign (once, even with several processes starting)."""
    ctx.storage.check()  # a broken store should fail fast, before five scenes are rendered
    with ctx.db.Session() as session:
        session.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _DEMO_LOCK_ID})
        try:
            if session.scalar(select(func.count(Campaign.id))):
                return None
            return create_demo_campaign(ctx, brand=ctx.settings.brand or DEMO_BRAND)
        finally:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _DEMO_LOCK_ID})
            session.commit()

"""The demo campaign: five scenes, a music bed and a final video, made by the offline providers.

Built on first start so the app opens on something to edit, and by ``python -m editing
demo``. It never uses a paid provider, whatever the settings say.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from editing import assets, builder
from editing.context import Atelier
from editing.db.models import Campaign
from editing.domain import MAX_SCENES
from editing.errors import InputError
from editing.providers.base import SceneRequest

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
    failed build removes the files it wrote (:mod:`editing.builder`).

    Raises:
        InputError: fewer than 1 or more than MAX_SCENES scenes.
    """
    if not 1 <= scenes <= MAX_SCENES:
        raise InputError(f"a demo campaign has between 1 and {MAX_SCENES} scenes, not {scenes}")
    report = on_progress or (lambda step, msg: None)
    with builder.draft(ctx, brand=brand, perfume=perfume, purpose="demo") as new:
        campaign_json = _build_media(ctx, new, scenes, scene_duration, report)
        new.commit(campaign_json, name=name or f"{perfume} — TikTok launch", method="original", numbered=True)
    report("save", f"campaign {new.campaign_id} created")
    log.info("demo campaign %s created with %d scenes", new.campaign_id, scenes)
    return new.campaign_id


def _build_media(
    ctx: Atelier, new: builder.Draft, count: int, duration: float, report: ProgressFn
) -> dict[str, Any]:
    """Generate and store the scenes, the music bed and the final video; returns campaign_json."""
    generator, fmt = ctx.video_generator("offline"), ctx.video_format
    style = dict(DEMO_STYLE_SPEC)
    docs: list[dict[str, Any]] = []
    local: list[Path] = []
    for i in range(count):
        role, template = DEMO_SCENES[i % len(DEMO_SCENES)]
        prompt = template.format(p=new.perfume)
        report("generate_scene", f"scene {i + 1}/{count} ({role})")
        request = SceneRequest(prompt, style, duration, role, new.perfume, seed=i, fmt=fmt)
        scene_dir = new.workdir / f"generated{i}"
        scene_dir.mkdir()
        path = assets.prepare_scene(generator.generate(request, scene_dir).path, scene_dir, fmt, duration)
        stored = new.store_scene(i, path)
        local.append(path)
        docs.append(
            builder.scene_doc(i, stored, role=role, duration=duration, prompt=prompt, extra={"seed": i})
        )
    report("audio", "synthesizing the music bed")
    wav = ctx.audio_synth().synthesize(style, duration * count, new.workdir / "music_bed.wav")
    audio = new.store_audio(wav)
    report("render_final", "rendering the final video")
    final = new.render_final(local, audio)
    return new.campaign_json(style=style, scenes=docs, audio_key=audio, final=final)


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

"""A new campaign is built one way (demo, import, duplicate): nothing of it exists until it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from editing import builder
from editing.context import Atelier
from editing.db.models import Brand, Campaign, Perfume, StoredFile
from tests.seed_campaigns import Clips


def counts(ctx: Atelier) -> tuple[int, ...]:
    with ctx.db.Session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Brand, Perfume, Campaign, StoredFile)
        )


def test_a_build_that_fails_after_storing_leaves_nothing(ctx: Atelier, clips: Clips) -> None:
    before = counts(ctx)
    with (
        pytest.raises(RuntimeError, match="boom"),
        builder.draft(ctx, brand="New House", perfume="New Scent") as new,
    ):
        new.store_scene(0, clips.canonical)
        new.store_audio(clips.music)
        assert counts(ctx)[3] == before[3] + 3  # scene, poster, music: recorded as they are stored
        raise RuntimeError("boom")
    assert counts(ctx) == before, "no brand, perfume, campaign or file record"
    assert list(ctx.storage.list()) == []


def test_the_brand_is_created_with_the_campaign_under_the_ids_its_keys_name(
    ctx: Atelier, clips: Clips
) -> None:
    with builder.draft(ctx, brand="New House", perfume="New Scent") as new:
        assert counts(ctx)[0] == 0
        scene = new.store_scene(0, clips.canonical)
        final = new.render_final([clips.canonical], None)
        doc = builder.scene_doc(0, scene, role="hook", duration=1.0, prompt="a bottle")
        cj = new.campaign_json(style={}, scenes=[doc], audio_key=None, final=final)
        assert new.commit(cj, name="First", method="original") == "First"
    with ctx.db.Session() as session:
        campaign = session.get(Campaign, new.campaign_id)
        assert campaign is not None
        assert (str(campaign.brand_id), str(campaign.perfume_id)) == (new.keys.brand_id, new.keys.perfume_id)
        assert campaign.brand.name == "New House" and campaign.perfume.name == "New Scent"
    with builder.draft(ctx, brand="New House", perfume="New Scent") as again:
        assert (again.keys.brand_id, again.keys.perfume_id) == (new.keys.brand_id, new.keys.perfume_id)

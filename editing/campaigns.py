"""What the pages and the CLI read: campaigns, scenes, history and spend, as typed records.

Each function opens one short session and calls :mod:`editing.queries`; ``brand`` (when
given) limits what the caller may see, and an id outside it is "not found".
"""

from __future__ import annotations

import uuid
from typing import Any

from editing import queries, variations
from editing.access import Scope
from editing.context import Atelier
from editing.db.models import Campaign
from editing.domain import (
    CampaignOverview,
    CampaignSummary,
    CostSummary,
    EditHistoryRecord,
    HistoryRow,
    SceneInfo,
)
from editing.queries import parse_campaign_id
from editing.storage.base import Storage

__all__ = [
    "campaign_overview",
    "cost_summary",
    "count_edits",
    "get_edit",
    "get_history",
    "history_rows",
    "list_brands",
    "list_campaigns",
    "list_scenes",
    "parse_campaign_id",
    "scene_infos",
]


def list_campaigns(ctx: Atelier, *, brand: Scope = None) -> list[CampaignSummary]:
    """Campaigns, newest first, with their brand, perfume, status and total cost."""
    with ctx.db.Session() as session:
        return queries.campaign_summaries(session=session, brand=brand)


def list_brands(ctx: Atelier, *, brand: Scope = None) -> list[str]:
    """The brands ``brand`` may see (a person: their brands; an admin or local mode: all)."""
    with ctx.db.Session() as session:
        return queries.brand_names(session=session, brand=brand)


def scene_infos(storage: Storage, campaign_json: dict[str, Any]) -> tuple[SceneInfo, ...]:
    """The seed's SceneInfo of every scene, with playable URLs."""
    infos = []
    for i, scene in enumerate(campaign_json.get("scenes", [])):
        thumb = scene.get("thumbnail_key")
        infos.append(
            SceneInfo(
                scene_index=i,
                scene_id=int(scene.get("scene_id", i + 1)),
                role=scene.get("role", "unknown"),
                duration=round(float(scene.get("duration", 4))),
                background_prompt=scene.get("background_prompt", ""),
                video_url=storage.url(scene["video_key"]),
                thumbnail_url=storage.url(thumb) if thumb else None,
                edit_count=int(scene.get("edit_count", 0)),
                last_edited_at=scene.get("last_edited_at"),
            )
        )
    return tuple(infos)


def list_scenes(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None, variation: int | None = None
) -> list[SceneInfo]:
    """The seed's GET /campaigns/{id}/scenes as SceneInfo records, of a variation (None: the selected one).

    Raises:
        InputError: an unknown variation.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        return list(scene_infos(ctx.storage, variations.view(campaign.campaign_json, variation)))


def _overview(storage: Storage, c: Campaign, variation: int | None) -> CampaignOverview:
    shown = variations.resolve(c.campaign_json, variation)
    cj = variations.view(c.campaign_json, shown)
    final_key, thumb = cj.get("final_video_key"), cj.get("final_thumbnail_key")
    return CampaignOverview(
        campaign_id=str(c.id),
        name=c.name,
        perfume_name=str(cj.get("perfume_name", "")),
        brand_name=str(cj.get("brand_name", "")),
        style_spec=dict(cj.get("style_spec", {})),
        status=c.status,
        error_message=c.error_message,
        cost=float(c.cost),
        version=c.version,
        final_video_url=storage.url(final_key) if final_key else None,
        final_thumbnail_url=storage.url(thumb) if thumb else None,
        scenes=scene_infos(storage, cj),
        variation=shown,
        variations=tuple(variations.indices(c.campaign_json)),
        selected_variation=variations.selected(c.campaign_json),
    )


def campaign_overview(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None, variation: int | None = None
) -> CampaignOverview:
    """Everything the editor page draws for one campaign's variation (None: the selected one), in one read.

    Raises:
        InputError: an unknown variation.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        return _overview(ctx.storage, campaign, variation)


def get_history(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None
) -> list[EditHistoryRecord]:
    """Every edit attempt of a campaign, oldest first (the seed's GET /edit-history)."""
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        return queries.campaign_history(campaign, session=session)


def get_edit(ctx: Atelier, edit_id: str | uuid.UUID, *, brand: Scope = None) -> EditHistoryRecord:
    """One edit by id (of a campaign ``brand`` may see).

    Raises:
        NotFoundError: unknown id, or an edit of another brand's campaign.
    """
    with ctx.db.Session() as session:
        return queries.one_edit(edit_id, session=session, brand=brand)


def history_rows(ctx: Atelier, *, brand: Scope = None, limit: int = 500) -> list[HistoryRow]:
    """Recent edits across campaigns (newest first)."""
    with ctx.db.Session() as session:
        return queries.recent_edits(session=session, brand=brand, limit=limit)


def cost_summary(ctx: Atelier, *, brand: Scope = None) -> CostSummary:
    """Edit spend per campaign and in total (failed edits included), from the spend rollup."""
    with ctx.db.Session() as session:
        return CostSummary(tuple(queries.costs_by_campaign(session=session, brand=brand)))


def count_edits(ctx: Atelier, *, brand: Scope = None) -> int:
    with ctx.db.Session() as session:
        return queries.count_edits(session=session, brand=brand)

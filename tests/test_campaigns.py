"""The reads the pages and the CLI use, as typed records, and who may see what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from editing import campaigns, spend
from editing.context import Atelier
from editing.db.models import EditHistory
from editing.demo import DEMO_BRAND, create_demo_campaign
from editing.domain import CampaignOverview, CampaignSummary, CostSummary
from editing.errors import NotFoundError


def _edit(ctx: Atelier, cid: str, *, status: str, cost: str, minutes_ago: int, seconds: str = "2.5") -> str:
    eid = uuid.uuid4()
    with ctx.db.Session.begin() as s:
        when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        row = EditHistory(
            edit_id=eid, campaign_id=uuid.UUID(cid), timestamp=when, scene_index=0, base_version=1
        )
        row.edit_prompt, row.original_prompt, row.status, row.user_name = f"{status} edit", "p", status, "t"
        row.cost, row.cost_breakdown = Decimal(cost), {"video": float(cost)}
        row.duration_seconds = Decimal(seconds)
        s.add(row)
    return str(eid)


def test_lists_and_overview_are_typed(ctx: Atelier, demo: str) -> None:
    [summary] = campaigns.list_campaigns(ctx)
    assert isinstance(summary, CampaignSummary)
    assert (summary.campaign_id, summary.brand, summary.scenes, summary.status) == (
        demo,
        DEMO_BRAND,
        3,
        "completed",
    )
    overview = campaigns.campaign_overview(ctx, demo)
    assert isinstance(overview, CampaignOverview) and overview.campaign_id == demo
    assert [s.scene_index for s in overview.scenes] == [0, 1, 2] and overview.final_video_url
    assert campaigns.list_brands(ctx) == [DEMO_BRAND]
    assert campaigns.list_scenes(ctx, demo) == list(overview.scenes)


def test_another_brand_sees_nothing(ctx: Atelier, demo: str) -> None:
    other = str(create_demo_campaign(ctx, scenes=1, scene_duration=1.0, brand="Other House"))
    eid = _edit(ctx, demo, status="completed", cost="0.5", minutes_ago=1)
    assert [c.campaign_id for c in campaigns.list_campaigns(ctx, brand="Other House")] == [other]
    for read in (campaigns.campaign_overview, campaigns.list_scenes, campaigns.get_history):
        with pytest.raises(NotFoundError, match="not found"):
            read(ctx, demo, brand="Other House")
    with pytest.raises(NotFoundError):
        campaigns.get_edit(ctx, eid, brand="Other House")
    assert campaigns.get_edit(ctx, eid, brand=DEMO_BRAND).edit_id == eid
    assert campaigns.history_rows(ctx, brand="Other House") == []
    assert campaigns.count_edits(ctx, brand="Other House") == 0 and campaigns.count_edits(ctx) == 1
    assert [c.campaign_id for c in campaigns.cost_summary(ctx, brand="Other House").campaigns] == [other]
    assert spend.breakdown(ctx, spend.Dimension.DAY, brand="Other House") == []


def test_history_and_spend(ctx: Atelier, demo: str) -> None:
    _edit(ctx, demo, status="completed", cost="0.20", minutes_ago=30)
    _edit(ctx, demo, status="failed", cost="0.05", minutes_ago=20, seconds="9")
    _edit(ctx, demo, status="completed", cost="0.30", minutes_ago=10, seconds="4.5")
    rows = campaigns.history_rows(ctx)
    assert [r.record.status for r in rows] == ["completed", "failed", "completed"]  # newest first
    assert rows[0].campaign_id == demo and rows[0].to_dict()["campaign"] == rows[0].campaign
    assert len(campaigns.history_rows(ctx, limit=2)) == 2
    assert [r.status for r in campaigns.get_history(ctx, demo)] == ["completed", "failed", "completed"]
    summary = campaigns.cost_summary(ctx)
    assert isinstance(summary, CostSummary)
    [row] = summary.campaigns
    assert (row.edits, row.failed_edits) == (2, 1)
    assert row.edit_cost == pytest.approx(0.55) and summary.total_edit_cost == pytest.approx(0.55)
    assert row.avg_duration_s == pytest.approx(3.5)  # completed edits only
    assert summary.to_dict()["total_failed_edits"] == 1
    [day] = spend.breakdown(ctx, spend.Dimension.DAY)
    assert day.edits == 3 and day.edit_spend == pytest.approx(0.55)


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", ""])
def test_unknown_ids(ctx: Atelier, demo: str, bad: str) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        campaigns.campaign_overview(ctx, bad)
    with pytest.raises(NotFoundError, match="not found"):
        campaigns.get_edit(ctx, bad)

"""Brands, campaigns, edits, previews, budgets and audit entries written the way any code path might:
plain ORM inserts and updates, each in its own transaction (so the rollup triggers run at each commit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from editing.context import Atelier
from editing.db.models import AuditEntry, Budget, Campaign, EditHistory, Preview
from editing.queries import brand_and_perfume

DAY = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # late evening: the UTC day, not the server's


class Shop:
    """Brands, campaigns and rows written the way any code path might: plain ORM inserts."""

    def __init__(self, ctx: Atelier) -> None:
        self.ctx = ctx
        self.campaigns: dict[str, uuid.UUID] = {}

    def campaign(
        self, brand: str, name: str, roles: tuple[str, ...] = ("hook", "showcase", "cta")
    ) -> uuid.UUID:
        with self.ctx.db.Session.begin() as s:
            b, p = brand_and_perfume(brand, "Eau", session=s)
            cid = uuid.uuid4()
            scenes = [{"role": r, "video_key": f"{name}{i}.mp4"} for i, r in enumerate(roles)]
            s.add(
                Campaign(id=cid, brand_id=b.id, perfume_id=p.id, name=name, campaign_json={"scenes": scenes})
            )
        self.campaigns[name] = cid
        return cid

    def edit(self, campaign: str, **values: Any) -> uuid.UUID:
        row = EditHistory(edit_id=uuid.uuid4(), campaign_id=self.campaigns[campaign])
        defaults = dict(timestamp=DAY, scene_index=0, edit_prompt="brighter", original_prompt="a bottle",
                        user_name="ann", base_version=1, status="completed", cost=Decimal(0),
                        cost_breakdown={}, duration_seconds=Decimal("1.5"), method="regenerate")  # fmt: skip
        for k, v in {**defaults, **values}.items():
            setattr(row, k, v)
        with self.ctx.db.Session.begin() as s:
            s.add(row)
        return row.edit_id

    def preview(self, campaign: str, **values: Any) -> uuid.UUID:
        row = Preview(id=uuid.uuid4(), campaign_id=self.campaigns[campaign], variation=0)
        defaults = dict(scene_index=1, instruction="warmer", original_prompt="a", modified_prompt="b",
                        changes_summary="warmer", prompt_provider="openai", cost=Decimal("0.0004"),
                        user_name="bob", created_at=DAY)  # fmt: skip
        for k, v in {**defaults, **values}.items():
            setattr(row, k, v)
        with self.ctx.db.Session.begin() as s:
            s.add(row)
        return row.id

    def update(self, edit_id: uuid.UUID, **values: Any) -> None:
        with self.ctx.db.Session.begin() as s:
            s.execute(update(EditHistory).where(EditHistory.edit_id == edit_id).values(**values))

    def brand_id(self, campaign: str) -> uuid.UUID:
        with self.ctx.db.Session() as s:
            row = s.get(Campaign, self.campaigns[campaign])
            assert row is not None
            return row.brand_id

    def budget(self, campaign: str, usd: str, *, period: str = "monthly", whole_brand: bool = True) -> None:
        """A budget of the campaign's brand (or of the campaign itself)."""
        cid = None if whole_brand else self.campaigns[campaign]
        with self.ctx.db.Session.begin() as s:
            s.add(Budget(id=uuid.uuid4(), brand_id=self.brand_id(campaign), campaign_id=cid, period=period,
                         limit_usd=Decimal(usd), updated_by="mia@maison.example"))  # fmt: skip

    def audit(self, campaign: str, action: str, actor: str = "mia@maison.example", **details: Any) -> None:
        with self.ctx.db.Session.begin() as s:
            where = {"brand_id": self.brand_id(campaign), "campaign_id": self.campaigns[campaign]}
            s.add(AuditEntry(actor=actor, action=action, at=DAY, target=campaign, details=details, **where))

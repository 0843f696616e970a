"""Reads of campaigns and edits, each a function of an open ``session``.

The one convention for queries: a function here takes the session as a keyword and
returns rows or typed records; :mod:`editing.campaigns` opens the session and calls it.
Which campaigns a caller may see is decided in one place, :func:`visible`.
"""

from __future__ import annotations

import math
import uuid
from typing import TypeVarTuple

from sqlalchemy import Select, SQLColumnExpression, String, cast, func, select
from sqlalchemy.orm import Session

from editing.access import Access, Scope, require
from editing.db.models import Brand, Campaign, EditHistory, Perfume, SpendRollup
from editing.domain import (
    CampaignCost,
    CampaignSummary,
    EditHistoryRecord,
    HistoryRow,
    iso_utc,
)
from editing.errors import NotFoundError

Ts = TypeVarTuple("Ts")


def visible(
    stmt: Select[*Ts], brand: Scope, column: SQLColumnExpression[uuid.UUID | None] = Campaign.brand_id
) -> Select[*Ts]:
    """Restrict a statement over campaigns (or rows joined to them) to those ``brand`` may see.

    ``brand`` is a scope (:mod:`editing.access`): None means every brand, a name that brand,
    an Access the brands its person is a member of (every brand for an admin), narrowed to
    the one they picked. The statement must select from or join ``Campaign``, or name the
    brand column it filters on: a table that carries its brand (edit_history, previews, the
    spend rollups, budgets, the audit log) is read through its own ``brand_id`` and its index.
    """
    if isinstance(brand, Access):
        if not brand.admin:
            stmt = stmt.where(column.in_(brand.brand_ids))
        brand = brand.brand
    if brand is None:
        return stmt
    # one id (names are unique), so an index on (brand_id, time) is read in time order
    return stmt.where(column == select(Brand.id).where(Brand.name == brand).scalar_subquery())


def parse_uuid(value: str | uuid.UUID, what: str) -> uuid.UUID:
    """A UUID from user input; anything else is a record that does not exist.

    Raises:
        NotFoundError: not a UUID ("Campaign xyz not found").
    """
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise NotFoundError(f"{what} {value} not found") from None


def parse_campaign_id(campaign_id: str | uuid.UUID) -> uuid.UUID:
    return parse_uuid(campaign_id, "Campaign")


def load_campaign(
    campaign_id: str | uuid.UUID,
    *,
    session: Session,
    brand: Scope = None,
    for_update: bool = False,
    need: tuple[str, str] | None = None,
) -> Campaign:
    """The campaign, if it exists and ``brand`` may see it (and, with ``need``, do something to it).

    ``need`` is (role, what is being done), e.g. ("editor", "editing a scene").

    Raises:
        NotFoundError: unknown id, or a campaign of another brand (indistinguishable on purpose).
        ForbiddenError: ``need``'s role is not held in the campaign's brand.
    """
    stmt = visible(select(Campaign).where(Campaign.id == parse_campaign_id(campaign_id)), brand)
    if for_update:
        stmt = stmt.with_for_update(of=Campaign)
    campaign = session.scalars(stmt).one_or_none()
    if campaign is None:
        raise NotFoundError(f"Campaign {campaign_id} not found")
    if need is not None:
        require(session, brand, campaign.brand_id, *need)
    return campaign


def campaign_summaries(*, session: Session, brand: Scope) -> list[CampaignSummary]:
    """Campaigns, newest first, with their brand, perfume, status and total cost."""
    stmt = (
        select(Campaign, Brand.name, Perfume.name)
        .join(Brand, Brand.id == Campaign.brand_id)
        .join(Perfume, Perfume.id == Campaign.perfume_id)
        .order_by(Campaign.created_at.desc())
    )
    return [
        CampaignSummary(
            campaign_id=str(c.id),
            name=c.name,
            brand=b,
            perfume=p,
            status=c.status,
            error_message=c.error_message,
            scenes=len(c.campaign_json.get("scenes", [])),
            cost=float(c.cost),
        )
        for c, b, p in session.execute(visible(stmt, brand)).all()
    ]


def brand_names(*, session: Session, brand: Scope = None) -> list[str]:
    """The brands ``brand`` may see, by name."""
    stmt = select(Brand.name).order_by(Brand.name)
    if isinstance(brand, Access) and not brand.admin:
        stmt = stmt.where(Brand.id.in_(brand.brand_ids))
    elif isinstance(brand, str):
        stmt = stmt.where(Brand.name == brand)
    return list(session.scalars(stmt))


def edit_record(row: EditHistory) -> EditHistoryRecord:
    """The seed's EditHistoryRecord of one edit_history row."""
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
        method=row.method,
        group_id=str(row.group_id) if row.group_id else None,
        preview_id=str(row.preview_id) if row.preview_id else None,
    )


def campaign_history(campaign: Campaign, *, session: Session) -> list[EditHistoryRecord]:
    """Every edit attempt of a campaign, oldest first."""
    rows = session.scalars(
        select(EditHistory).where(EditHistory.campaign_id == campaign.id).order_by(EditHistory.timestamp)
    )
    return [edit_record(r) for r in rows]


def one_edit(edit_id: str | uuid.UUID, *, session: Session, brand: Scope) -> EditHistoryRecord:
    """One edit by id.

    Raises:
        NotFoundError: unknown id, or an edit of a campaign ``brand`` may not see.
    """
    stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
    stmt = visible(stmt.where(EditHistory.edit_id == parse_uuid(edit_id, "Edit")), brand)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFoundError(f"Edit {edit_id} not found")
    return edit_record(row)


def recent_edits(*, session: Session, brand: Scope, limit: int) -> list[HistoryRow]:
    """The newest ``limit`` edits across campaigns (down the index of edit_history's brand and time)."""
    stmt = (
        select(EditHistory, Campaign.name, Brand.name)
        .join(Campaign, Campaign.id == EditHistory.campaign_id)
        .join(Brand, Brand.id == EditHistory.brand_id)
        .order_by(EditHistory.timestamp.desc())
        .limit(limit)
    )
    return [
        HistoryRow(record=edit_record(row), campaign_id=str(row.campaign_id), campaign=cname, brand=bname)
        for row, cname, bname in session.execute(visible(stmt, brand, EditHistory.brand_id)).all()
    ]


def costs_by_campaign(*, session: Session, brand: Scope) -> list[CampaignCost]:
    """Edit spend per campaign (failed edits included), oldest first, from the spend rollup."""
    t = SpendRollup
    per_campaign = (
        select(
            t.value.label("campaign_id"),
            func.sum(t.completed).label("completed"),
            func.sum(t.failed).label("failed"),
            func.sum(t.cost).label("cost"),
            func.sum(t.duration_s).label("seconds"),
        )
        .where(t.dimension == "campaign", t.grain == "month")
        .group_by(t.value)
        .subquery()
    )
    stmt = (
        select(Campaign.id, Campaign.name, Brand.name, per_campaign, Campaign.cost)
        .join(Brand, Brand.id == Campaign.brand_id)
        .outerjoin(per_campaign, per_campaign.c.campaign_id == cast(Campaign.id, String))
        .order_by(Campaign.created_at)
    )
    out = []
    for row in session.execute(visible(stmt, brand)).all():
        done = int(row.completed or 0)
        out.append(
            CampaignCost(
                campaign_id=str(row.id),
                campaign=row[1],
                brand=row[2],
                edits=done,
                failed_edits=int(row.failed or 0),
                edit_cost=float(row.cost or 0),
                avg_duration_s=round(float(row.seconds or 0) / done, 2) if done else 0.0,
                campaign_cost=float(row[-1]),
            )
        )
    return out


def count_edits(*, session: Session, brand: Scope) -> int:
    """Every edit row (any status), counted from the spend rollup."""
    t = SpendRollup
    stmt = select(func.sum(t.edits)).where(t.dimension == "total", t.grain == "month")
    return int(session.scalar(visible(stmt, brand, t.brand_id)) or 0)


def brand_and_perfume(
    brand_name: str,
    perfume_name: str,
    *,
    session: Session,
    new_ids: tuple[uuid.UUID, uuid.UUID] | None = None,
) -> tuple[Brand, Perfume]:
    """The brand and its perfume by name, created when missing (with ``new_ids`` when given)."""
    new_brand, new_perfume = new_ids or (uuid.uuid4(), uuid.uuid4())
    brand = session.scalars(select(Brand).where(Brand.name == brand_name)).one_or_none()
    if brand is None:
        brand = Brand(id=new_brand, name=brand_name)
        session.add(brand)
        session.flush()
    perfume = session.scalars(
        select(Perfume).where(Perfume.brand_id == brand.id, Perfume.name == perfume_name)
    ).one_or_none()
    if perfume is None:
        perfume = Perfume(id=new_perfume, brand_id=brand.id, name=perfume_name)
        session.add(perfume)
        session.flush()
    return brand, perfume


def brand_and_perfume_ids(
    brand_name: str, perfume_name: str, *, session: Session
) -> tuple[uuid.UUID, uuid.UUID]:
    """The ids the brand and its perfume have, or will have once :func:`brand_and_perfume` creates them.

    Nothing is written: a campaign being built names its files with these ids and creates the
    missing rows only with its own row, so a build that fails leaves no brand behind.
    """
    brand_id = session.scalar(select(Brand.id).where(Brand.name == brand_name))
    perfume_id = None
    if brand_id is not None:
        perfume_id = session.scalar(
            select(Perfume.id).where(Perfume.brand_id == brand_id, Perfume.name == perfume_name)
        )
    return brand_id or uuid.uuid4(), perfume_id or uuid.uuid4()


def brand_exists(brand_name: str, *, session: Session) -> bool:
    return session.scalar(select(Brand.id).where(Brand.name == brand_name)) is not None

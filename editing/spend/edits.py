"""The edits behind a figure: a slice's drill-down and the most expensive edits, from edit_history and
previews through their indexes (time, brand and time, user and time, campaign and time, cost)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session

from editing.access import Scope
from editing.db.models import Brand, Campaign, EditHistory, Preview
from editing.domain import iso_utc
from editing.queries import parse_uuid, visible
from editing.spend.records import Dimension, EditLine, Period, parse_day

E, P = EditHistory, Preview

#: None: the slice holds no rows of that table; a list: the conditions that pick its rows.
Where = list[ColumnElement[bool]] | None


def _between(column: Any, period: Period) -> list[ColumnElement[bool]]:
    out = []
    if period.start:
        out.append(column >= period.start)
    if period.end:
        out.append(column < period.end)
    return out


def _edit_rows() -> Select[*tuple[Any, ...]]:
    return (
        select(E.edit_id.label("id"), E.timestamp.label("at"), Brand.name.label("brand"),
               Campaign.name.label("campaign"), E.campaign_id, E.scene_index, E.scene_role,
               E.user_name, E.method, E.status, E.cost, E.cost_breakdown, E.duration_seconds,
               E.prompt_provider, E.video_provider, E.edit_prompt.label("instruction"))
        .join(Campaign, Campaign.id == E.campaign_id)
        .join(Brand, Brand.id == E.brand_id)
    )  # fmt: skip


def _preview_rows() -> Select[*tuple[Any, ...]]:
    return (
        select(P.id, P.created_at.label("at"), Brand.name.label("brand"), Campaign.name.label("campaign"),
               P.campaign_id, P.scene_index, P.scene_role, P.user_name, literal("preview").label("method"),
               literal("preview").label("status"), P.cost, P.prompt_provider, P.instruction)
        .join(Campaign, Campaign.id == P.campaign_id)
        .join(Brand, Brand.id == P.brand_id)
    )  # fmt: skip


def _line(r: Any, kind: str) -> EditLine:
    breakdown = getattr(r, "cost_breakdown", None) or {}
    prompt = breakdown.get("prompt") if kind == "edit" else r.cost
    return EditLine(
        kind=kind,
        id=str(r.id),
        at=iso_utc(r.at),
        brand=r.brand,
        campaign=r.campaign,
        campaign_id=str(r.campaign_id),
        scene_index=r.scene_index,
        scene_role=r.scene_role or "",
        user=r.user_name,
        method=r.method,
        status=r.status,
        cost=round(float(r.cost), 6),
        prompt_cost=round(float(prompt or 0), 6),
        video_cost=round(float(breakdown.get("video") or 0), 6),
        seconds=round(float(getattr(r, "duration_seconds", 0) or 0), 2),
        prompt_provider=r.prompt_provider or "",
        video_provider=getattr(r, "video_provider", None) or "",
        instruction=r.instruction,
    )


def most_expensive(*, session: Session, brand: Scope, period: Period, limit: int) -> list[EditLine]:
    """The costliest edits of ``period`` (an index scan down edit_history's cost)."""
    stmt = (
        _edit_rows()
        .where(E.cost > 0, *_between(E.timestamp, period))
        .order_by(E.cost.desc(), E.timestamp.desc())
        .limit(limit)
    )
    return [_line(r, "edit") for r in session.execute(visible(stmt, brand, E.brand_id))]


def drill_down(
    dimension: Dimension, key: str, *, session: Session, brand: Scope, period: Period, limit: int
) -> list[EditLine]:
    """The newest ``limit`` edits and previews of one slice (what makes up its bar), newest first.

    Raises:
        InputError: a day that is not YYYY-MM-DD.
        NotFoundError: a brand or campaign key that is not an id.
    """
    lines = []
    where = _edit_filter(dimension, key)
    if where is not None:
        stmt = _edit_rows().where(*where, *_between(E.timestamp, period)).order_by(E.timestamp.desc())
        lines += [_line(r, "edit") for r in session.execute(visible(stmt.limit(limit), brand, E.brand_id))]
    where = _preview_filter(dimension, key)
    if where is not None:
        stmt = _preview_rows().where(*where, *_between(P.created_at, period)).order_by(P.created_at.desc())
        lines += [_line(r, "preview") for r in session.execute(visible(stmt.limit(limit), brand, P.brand_id))]
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]


def _day(column: Any, key: str) -> list[ColumnElement[bool]]:
    day = Period(parse_day(key, "day"), parse_day(key, "day"))
    return _between(column, day)


def _value(column: Any, key: str) -> ColumnElement[bool]:
    """A column holding the slice's value ('' is no value), as a plain comparison the planner can
    estimate from the column's statistics (a COALESCE it could not, and would scan the table)."""
    return or_(column.is_(None), column == "") if key == "" else column == key


#: An edit's paid steps, as written in migration 0005's statistics (so their share is known).
STEPS = {
    name: func.jsonb_typeof(E.cost_breakdown.op("->")(literal_column(f"'{name}'")))
    for name in ("prompt", "video")
}


def _edit_filter(dimension: Dimension, key: str) -> Where:
    match dimension:
        case Dimension.DAY:
            return _day(E.timestamp, key)
        case Dimension.BRAND:
            return [E.brand_id == parse_uuid(key, "Brand")]
        case Dimension.CAMPAIGN:
            return [E.campaign_id == parse_uuid(key, "Campaign")]
        case Dimension.USER:
            return [E.user_name == key]
        case Dimension.METHOD | Dimension.STATUS:
            column: Any = E.method if dimension is Dimension.METHOD else E.status
            return None if key == "preview" else [column == key]
        case Dimension.PROMPT_PROVIDER | Dimension.VIDEO_PROVIDER | Dimension.SCENE_ROLE:
            nullable: dict[Dimension, Any] = {
                Dimension.PROMPT_PROVIDER: E.prompt_provider,
                Dimension.VIDEO_PROVIDER: E.video_provider,
                Dimension.SCENE_ROLE: E.scene_role,
            }
            return [_value(nullable[dimension], key)]
        case Dimension.STEP if key in STEPS:
            return [STEPS[key] == "number"]
        case Dimension.STEP:  # what the prompt and video steps do not account for
            priced = func.spend_money(E.cost_breakdown.op("->")("prompt")) + func.spend_money(
                E.cost_breakdown.op("->")("video")
            )
            return [E.cost != priced]
    raise AssertionError(f"unhandled dimension {dimension}")


def _preview_filter(dimension: Dimension, key: str) -> Where:
    match dimension:
        case Dimension.DAY:
            return _day(P.created_at, key)
        case Dimension.BRAND:
            return [P.brand_id == parse_uuid(key, "Brand")]
        case Dimension.CAMPAIGN:
            return [P.campaign_id == parse_uuid(key, "Campaign")]
        case Dimension.USER:
            return [P.user_name == key]
        case Dimension.PROMPT_PROVIDER:
            return [_value(P.prompt_provider, key)]
        case Dimension.SCENE_ROLE:
            return [_value(P.scene_role, key)]
        case Dimension.METHOD | Dimension.STATUS:
            return [] if key == "preview" else None
        case Dimension.VIDEO_PROVIDER:  # a preview runs no video step
            return [] if key == "" else None
        case Dimension.STEP:
            return [] if key == "prompt" else None
    raise AssertionError(f"unhandled dimension {dimension}")


__all__ = ["drill_down", "most_expensive"]

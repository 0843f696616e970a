"""Reads of the spend rollups (``spend_rollup``, ``spend_edit_times``), each a function of an open session.

The rollups hold a few rows per brand, day or month and dimension value whatever the number of
edits, and triggers keep them exact (migration 0005), so these reads never touch edit_history.
A period is read as its whole months plus the days at either end (:meth:`Period.split`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, and_, case, cast, false, func, or_, select
from sqlalchemy.orm import Session

from editing.access import Scope
from editing.db.models import (
    ACTIVE_STATUSES,
    Brand,
    Budget,
    Campaign,
    EditHistory,
    SpendEditTime,
    SpendRollup,
)
from editing.queries import visible
from editing.spend.records import (
    BudgetSpend,
    BurnDown,
    BurnPoint,
    Dimension,
    Kpis,
    Period,
    Slice,
)

T = SpendRollup
#: Bucket b of spend_edit_times holds durations in [1.05**b, 1.05**(b+1)) seconds.
BUCKET_RATIO = 1.05
MEASURES = ("edits", "completed", "failed", "previews", "cost", "preview_cost", "prompt_cost", "video_cost",
            "saved", "duration_s", "prompt_steps", "video_steps")  # fmt: skip
#: How a stored empty value reads.
NONE = "none"


def _days(day: Any, since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    out = []
    if since is not None:
        out.append(day >= since)
    if until is not None:
        out.append(day <= until)
    return out


def _cover(period: Period, grain: Any = T.grain, day: Any = T.day) -> ColumnElement[bool]:
    """The rollup rows that add up to exactly ``period``: its whole months, and the days at either end."""
    months, ends = period.split()
    parts = [and_(grain == "day", *_days(day, since, until)) for since, until in ends]
    if months is not None:
        parts.append(and_(grain == "month", *_days(day, *months)))
    return or_(*parts) if parts else false()


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(T, name)), 0).label(name) for name in MEASURES]


def _rollup(
    dimension: str, brand: Scope, period: Period, *keys: Any, by_day: bool = False
) -> Select[*tuple[Any, ...]]:
    """Sums of one dimension's rows in ``period`` (day rows only when the days themselves are wanted)."""
    where = and_(T.grain == "day", *_days(T.day, period.since, period.until)) if by_day else _cover(period)
    stmt = select(*keys, *_sums()).where(T.dimension == dimension, where)
    return visible(stmt, brand, T.brand_id)


def _slice(dimension: Dimension, key: str, label: str, r: Row[Any]) -> Slice:
    done = int(r.completed)
    return Slice(
        dimension=dimension.value,
        key=key,
        label=label,
        edits=int(r.edits),
        completed=done,
        failed=int(r.failed),
        previews=int(r.previews),
        spend=_money(r.cost + r.preview_cost),
        edit_spend=_money(r.cost),
        preview_spend=_money(r.preview_cost),
        prompt_spend=_money(r.prompt_cost + r.preview_cost),
        video_spend=_money(r.video_cost),
        saved=_money(r.saved),
        avg_seconds=round(float(r.duration_s) / done, 2) if done else None,
    )


def _money(value: Decimal | float | int) -> float:
    return round(float(value), 6)


# --- the headline figures ----------------------------------------------------------------------


def kpis(*, session: Session, brand: Scope, period: Period, today: date) -> Kpis:
    """Edits, spend, failures, savings and edit time in ``period``; this month against its budgets."""
    r = session.execute(_rollup("total", brand, period)).one()
    failed = session.scalar(
        visible(
            select(func.coalesce(func.sum(T.cost), 0)).where(
                T.dimension == "status", T.value == "failed", _cover(period)
            ),
            brand,
            T.brand_id,
        )
    )
    month_start = today.replace(day=1)
    month = session.execute(_rollup("total", brand, Period(month_start, today))).one()
    budget = session.scalar(
        visible(
            select(func.sum(Budget.limit_usd)).where(
                Budget.campaign_id.is_(None), Budget.period == "monthly"
            ),
            brand,
            Budget.brand_id,
        )
    )
    spend = _money(r.cost + r.preview_cost)
    done = int(r.completed)
    return Kpis(
        since=period.since.isoformat() if period.since else None,
        until=period.until.isoformat() if period.until else None,
        edits=int(r.edits),
        completed=done,
        failed=int(r.failed),
        previews=int(r.previews),
        spend=spend,
        edit_spend=_money(r.cost),
        preview_spend=_money(r.preview_cost),
        failed_spend=_money(failed or 0),
        saved=_money(r.saved),
        cost_per_completed=round(spend / done, 6) if done else None,
        median_seconds=median_seconds(session=session, brand=brand, period=period),
        month=month_start.strftime("%Y-%m"),
        month_spend=_money(month.cost + month.preview_cost),
        month_budget=_money(budget) if budget is not None else None,
    )


def median_seconds(*, session: Session, brand: Scope, period: Period) -> float | None:
    """The median duration of the completed edits, from the 5% histogram (to within 2.5%)."""
    h = SpendEditTime
    stmt = (
        select(h.bucket, func.sum(h.edits))
        .where(_cover(period, h.grain, h.day))
        .group_by(h.bucket)
        .order_by(h.bucket)
    )
    rows = [(int(b), int(n)) for b, n in session.execute(visible(stmt, brand, h.brand_id)).all()]
    total = sum(n for _, n in rows)
    if not total:
        return None
    seen = 0
    for bucket, n in rows:
        seen += n
        if 2 * seen >= total:
            return round(float(BUCKET_RATIO ** (bucket + 0.5)), 2)
    raise AssertionError("unreachable: the counts add up to the total")


# --- breakdowns ---------------------------------------------------------------------------------


def breakdown(dimension: Dimension, *, session: Session, brand: Scope, period: Period) -> list[Slice]:
    """Spend and edits of each value of ``dimension`` in ``period``: days oldest first, else costliest."""
    if dimension is Dimension.DAY:
        stmt = _rollup("total", brand, period, T.day, by_day=True).group_by(T.day).order_by(T.day)
        return [_slice(dimension, r.day.isoformat(), r.day.isoformat(), r) for r in session.execute(stmt)]
    if dimension is Dimension.STEP:
        return _steps(session.execute(_rollup("total", brand, period)).one())
    if dimension is Dimension.BRAND:
        stmt = _rollup("total", brand, period, T.brand_id).group_by(T.brand_id)
        rows = [(str(r.brand_id), r) for r in session.execute(stmt)]
        names = _names(session, Brand, [uuid.UUID(k) for k, _ in rows])
    else:
        stmt = _rollup(dimension.value, brand, period, T.value).group_by(T.value)
        rows = [(r.value, r) for r in session.execute(stmt)]
        names = {}
        if dimension is Dimension.CAMPAIGN:
            names = _names(session, Campaign, [uuid.UUID(k) for k, _ in rows])
    slices = [_slice(dimension, key, names.get(key) or key or NONE, r) for key, r in rows]
    return sorted(slices, key=lambda s: (-s.spend, -s.edits - s.previews, s.label))


def _names(session: Session, model: type[Brand] | type[Campaign], ids: Sequence[uuid.UUID]) -> dict[str, str]:
    if not ids:
        return {}
    return {str(i): n for i, n in session.execute(select(model.id, model.name).where(model.id.in_(ids)))}


def _steps(r: Row[Any]) -> list[Slice]:
    """The prompt step (edits' rewrites and previews) and the video step; anything else apart."""
    if not r.edits and not r.previews:
        return []
    prompt, video = r.prompt_cost + r.preview_cost, r.video_cost
    other = r.cost - r.prompt_cost - r.video_cost
    out = [
        _step("prompt", int(r.prompt_steps) + int(r.previews), prompt, r),
        _step("video", int(r.video_steps), video, r),
    ]
    if other:
        out.append(_step("other", 0, other, r))
    return out


def _step(key: str, runs: int, spend: Decimal, r: Row[Any]) -> Slice:
    """One step: how often it ran (edits and previews) and what it cost."""
    return Slice(
        dimension=Dimension.STEP.value,
        key=key,
        label=key,
        edits=runs,
        completed=0,
        failed=0,
        previews=int(r.previews) if key == "prompt" else 0,
        spend=_money(spend),
        edit_spend=_money(spend - (r.preview_cost if key == "prompt" else 0)),
        preview_spend=_money(r.preview_cost) if key == "prompt" else 0.0,
        prompt_spend=_money(spend) if key == "prompt" else 0.0,
        video_spend=_money(spend) if key == "video" else 0.0,
        saved=0.0,
        avg_seconds=None,
    )


def user_names(*, session: Session, brand: Scope) -> list[str]:
    """Everyone who edited or previewed (for the audit view's filter)."""
    stmt = select(T.value).where(T.dimension == "user", T.grain == "month").distinct().order_by(T.value)
    return list(session.scalars(visible(stmt, brand, T.brand_id)))


# --- budgets ------------------------------------------------------------------------------------


#: A queued or running edit: its brand, campaign, UTC day and what it holds beyond its spend.
Hold = tuple[uuid.UUID, uuid.UUID, date, Decimal]


def burn_down(*, session: Session, brand: Scope, today: date) -> BurnDown:
    """Every budget ``brand`` may see: spend in its period to date, day by day, and what is left."""
    stmt = (
        select(Budget, Brand.name, Campaign.name)
        .join(Brand, Brand.id == Budget.brand_id)
        .outerjoin(Campaign, Campaign.id == Budget.campaign_id)
        .order_by(Brand.name, Campaign.name.nulls_first(), Budget.period)
    )
    budgets = list(session.execute(visible(stmt, brand, Budget.brand_id)).all())
    holds = _holds(session, {b.brand_id for b, _, _ in budgets}) if budgets else []
    series = _series(session, [b.id for b, _, _ in budgets], today) if budgets else {}
    statuses, points = [], []
    for budget, brand_name, campaign_name in budgets:
        daily = series.get(budget.id, {})
        status, line = _burn(budget, daily, brand_name, campaign_name or "", today, holds)
        statuses.append(status)
        points += line
    return BurnDown(tuple(statuses), tuple(points))


def _burn(
    budget: Budget, daily: dict[date, float], brand: str, campaign: str, today: date, holds: list[Hold]
) -> tuple[BudgetSpend, list[BurnPoint]]:
    """One budget's standing and its line: spend to date at the end of each day of its period."""
    start = today.replace(day=1) if budget.period == "monthly" else None
    limit, spent, line = _money(budget.limit_usd), 0.0, []
    for day in _line_days(daily, start, today):
        spent = round(spent + daily.get(day, 0.0), 6)
        line.append(
            BurnPoint(brand, campaign, budget.period, day.isoformat(), limit, spent, round(limit - spent, 6))
        )
    covered = (
        extra
        for brand_id, campaign_id, day, extra in holds
        if brand_id == budget.brand_id
        and budget.campaign_id in (None, campaign_id)
        and (not start or day >= start)
    )
    held = _money(sum(covered, Decimal(0)))
    first = start.isoformat() if start else None
    status = BudgetSpend(
        brand, campaign, budget.period, first, limit, spent, held, round(limit - spent - held, 6)
    )
    return status, line


def _holds(session: Session, brand_ids: set[uuid.UUID]) -> list[Hold]:
    """Queued and running edits (a few rows, one partial index away): what each holds beyond its spend."""
    e = EditHistory
    day = func.date(func.timezone("UTC", e.timestamp))
    extra = func.greatest(e.reserved - e.cost, 0)
    stmt = select(e.brand_id, e.campaign_id, day, extra).where(
        e.status.in_(ACTIVE_STATUSES), e.brand_id.in_(brand_ids)
    )
    return [(b, c, d, x) for b, c, d, x in session.execute(stmt)]


def _series(session: Session, budget_ids: list[uuid.UUID], today: date) -> dict[uuid.UUID, dict[date, float]]:
    """Every budget's spend per day of its period to ``today``, in one query: a brand's budget reads
    its total, a campaign's its campaign slice (down the rollup's key, one range per budget)."""
    b = Budget
    slice_of_budget = and_(
        T.dimension == case((b.campaign_id.is_(None), "total"), else_="campaign"),
        T.grain == "day",
        T.brand_id == b.brand_id,
        T.value == func.coalesce(cast(b.campaign_id, String), ""),
        T.day <= today,
        or_(b.period == "total", T.day >= today.replace(day=1)),
    )
    stmt = (
        select(b.id, T.day, func.sum(T.cost + T.preview_cost))
        .join(T, slice_of_budget)
        .where(b.id.in_(budget_ids))
        .group_by(b.id, T.day)
    )
    out: dict[uuid.UUID, dict[date, float]] = {}
    for budget_id, day, cost in session.execute(stmt):
        out.setdefault(budget_id, {})[day] = float(cost)
    return out


def _line_days(daily: dict[date, float], start: date | None, today: date) -> Iterable[date]:
    """Every day of a month to date (a burn-down is a line); the days with spend of a total budget."""
    if start is None:
        return sorted(daily)
    return (start + timedelta(days=n) for n in range((today - start).days + 1))

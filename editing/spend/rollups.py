"""Reads of the spend rollups (``spend_daily``, ``spend_edit_times``), each a function of an open session.

The rollups hold a few rows per brand, day and dimension value whatever the number of edits,
and triggers keep them exact (migration 0005), so these reads never touch edit_history.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from editing.access import Scope
from editing.db.models import Brand, Budget, Campaign, SpendDaily, SpendEditTime
from editing.queries import visible
from editing.spend.records import (
    BudgetStatus,
    BurnDown,
    BurnPoint,
    Dimension,
    Kpis,
    Period,
    Slice,
)

T = SpendDaily
#: Bucket b of spend_edit_times holds durations in [1.05**b, 1.05**(b+1)) seconds.
BUCKET_RATIO = 1.05
MEASURES = ("edits", "completed", "failed", "previews", "cost", "preview_cost", "prompt_cost", "video_cost",
            "saved", "duration_s", "prompt_steps", "video_steps")  # fmt: skip
#: How a stored empty value reads.
NONE = "none"


def _in(period: Period, day: Any = T.day) -> list[Any]:
    out = []
    if period.since:
        out.append(day >= period.since)
    if period.until:
        out.append(day <= period.until)
    return out


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(T, name)), 0).label(name) for name in MEASURES]


def _rollup(dimension: str, brand: Scope, period: Period, *keys: Any) -> Select[*tuple[Any, ...]]:
    stmt = select(*keys, *_sums()).where(T.dimension == dimension, *_in(period))
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
                T.dimension == "status", T.value == "failed", *_in(period)
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
        select(h.bucket, func.sum(h.edits)).where(*_in(period, h.day)).group_by(h.bucket).order_by(h.bucket)
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
        stmt = _rollup("total", brand, period, T.day).group_by(T.day).order_by(T.day)
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
    stmt = select(T.value).where(T.dimension == "user").distinct().order_by(T.value)
    return list(session.scalars(visible(stmt, brand, T.brand_id)))


# --- budgets ------------------------------------------------------------------------------------


def burn_down(*, session: Session, brand: Scope, today: date) -> BurnDown:
    """Every budget ``brand`` may see: spend in its period to date, day by day, and what is left."""
    stmt = (
        select(Budget, Brand.name, Campaign.name)
        .join(Brand, Brand.id == Budget.brand_id)
        .outerjoin(Campaign, Campaign.id == Budget.campaign_id)
        .order_by(Brand.name, Campaign.name.nulls_first(), Budget.period)
    )
    budgets = list(session.execute(visible(stmt, brand, Budget.brand_id)).all())
    statuses, points = [], []
    for budget, brand_name, campaign_name in budgets:
        start = today.replace(day=1) if budget.period == "monthly" else None
        daily = _daily_spend(session, budget, start, today)
        limit = _money(budget.limit_usd)
        spent, line = 0.0, []
        for day in _days(daily, start, today):
            spent = round(spent + daily.get(day, 0.0), 6)
            line.append(
                BurnPoint(brand_name, campaign_name or "", budget.period, day.isoformat(), limit, spent,
                          round(limit - spent, 6))
            )  # fmt: skip
        statuses.append(
            BudgetStatus(brand_name, campaign_name or "", budget.period, start.isoformat() if start else None,
                         limit, spent, round(limit - spent, 6))
        )  # fmt: skip
        points += line
    return BurnDown(tuple(statuses), tuple(points))


def _daily_spend(session: Session, budget: Budget, start: date | None, today: date) -> dict[date, float]:
    if budget.campaign_id is None:
        where = [T.dimension == "total", T.brand_id == budget.brand_id]
    else:
        where = [T.dimension == "campaign", T.brand_id == budget.brand_id, T.value == str(budget.campaign_id)]
    stmt = (
        select(T.day, func.sum(T.cost + T.preview_cost))
        .where(*where, *_in(Period(start, today)))
        .group_by(T.day)
    )
    return {d: float(v) for d, v in session.execute(stmt)}


def _days(daily: dict[date, float], start: date | None, today: date) -> Iterable[date]:
    """Every day of a month to date (a burn-down is a line); the days with spend of a total budget."""
    if start is None:
        return sorted(daily)
    return (start + timedelta(days=n) for n in range((today - start).days + 1))

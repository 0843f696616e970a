"""Budgets per brand and per campaign, monthly or in total, in USD.

The rule, in one place (:func:`hold`): when an edit is accepted, its estimate is held
against every budget that covers its campaign, in the accepting transaction and with those
budget rows locked — so eight edits accepted at once cannot overshoot together. While an
edit is queued or running it counts as the larger of its estimate and what it has spent;
once it ends, as what it spent. Previews count their tokens. An edit whose estimate does not
fit is refused before anything is spent, saying how much is left and who can raise the
budget; a manager may approve that one edit (:mod:`editing.approvals`). Free edits (quick
adjusts, reverts) are never held nor blocked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from editing import queries
from editing.access import MANAGER, Access, Scope, managers, require, require_brand
from editing.db.models import ACTIVE_STATUSES, AuditEntry, Brand, Budget, Campaign, EditHistory, Preview
from editing.errors import BudgetExceededError, InputError, NotFoundError

if TYPE_CHECKING:
    from editing.context import Atelier

PERIODS = ("monthly", "total")
#: From this share of a budget on, pages and the CLI warn.
WARN_AT = 0.8
#: The largest budget one can set (a typo guard, not a policy).
MAX_USD = Decimal("1000000")


@dataclass(frozen=True)
class BudgetStatus:
    """One budget and where it stands now."""

    budget_id: str
    brand: str
    campaign_id: str | None
    campaign: str | None
    period: str  # monthly | total
    limit_usd: float
    spent_usd: float  # ended edits and previews, plus what queued and running edits hold
    updated_by: str

    @property
    def remaining_usd(self) -> float:
        return round(max(self.limit_usd - self.spent_usd, 0.0), 6)

    @property
    def fraction(self) -> float:
        return self.spent_usd / self.limit_usd if self.limit_usd else (1.0 if self.spent_usd else 0.0)

    @property
    def level(self) -> str:
        """ok | warning (from 80 %) | reached."""
        if self.spent_usd >= self.limit_usd:
            return "reached"
        return "warning" if self.fraction >= WARN_AT else "ok"

    @property
    def label(self) -> str:
        what = f"campaign {self.campaign}" if self.campaign else f"brand {self.brand}"
        return f"{self.period} budget of {what}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_id": self.budget_id,
            "brand": self.brand,
            "campaign_id": self.campaign_id,
            "campaign": self.campaign,
            "period": self.period,
            "limit_usd": self.limit_usd,
            "spent_usd": round(self.spent_usd, 6),
            "remaining_usd": self.remaining_usd,
            "percent": round(100 * self.fraction, 1),
            "level": self.level,
            "updated_by": self.updated_by,
        }


def month_start(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _covers(budget: Budget) -> ColumnElement[bool]:
    """Campaigns a budget covers (its campaign, or every campaign of its brand)."""
    if budget.campaign_id is not None:
        return Campaign.id == budget.campaign_id
    return Campaign.brand_id == budget.brand_id


def spent(session: Session, budget: Budget) -> Decimal:
    """What counts against ``budget`` now: see the module's rule."""
    held = case(
        (EditHistory.status.in_(ACTIVE_STATUSES), func.greatest(EditHistory.cost, EditHistory.reserved)),
        else_=EditHistory.cost,
    )
    edits = select(func.coalesce(func.sum(held), 0)).join(Campaign, Campaign.id == EditHistory.campaign_id)
    previews = select(func.coalesce(func.sum(Preview.cost), 0)).join(
        Campaign, Campaign.id == Preview.campaign_id
    )
    edits, previews = edits.where(_covers(budget)), previews.where(_covers(budget))
    if budget.period == "monthly":
        start = month_start()
        edits, previews = (
            edits.where(EditHistory.timestamp >= start),
            previews.where(Preview.created_at >= start),
        )
    return Decimal(session.scalar(edits) or 0) + Decimal(session.scalar(previews) or 0)


def _budgets_of(session: Session, campaign: Campaign, *, lock: bool) -> list[Budget]:
    stmt = (
        select(Budget)
        .where(
            Budget.brand_id == campaign.brand_id,
            or_(Budget.campaign_id.is_(None), Budget.campaign_id == campaign.id),
        )
        .order_by(Budget.id)  # one lock order for every transaction: no deadlock between two edits
    )
    return list(session.scalars(stmt.with_for_update() if lock else stmt))


def hold(session: Session, campaign: Campaign, estimate: float, *, approved: bool = False) -> None:
    """Check that ``estimate`` fits every budget of the campaign, locking them until the caller's
    transaction ends (the caller then inserts the row that holds it).

    Raises:
        BudgetExceededError: it does not fit one of them (unless a manager ``approved`` this edit).
    """
    amount = Decimal(str(estimate))
    if amount <= 0:
        return  # quick adjusts and reverts are free: never blocked
    for budget in _budgets_of(session, campaign, lock=True):
        left = Decimal(budget.limit_usd) - spent(session, budget)
        if amount > left and not approved:
            raise BudgetExceededError(_refusal(session, campaign, budget, left, amount))


def _refusal(session: Session, campaign: Campaign, budget: Budget, left: Decimal, amount: Decimal) -> str:
    what = f"campaign {campaign.name}" if budget.campaign_id else f"brand {campaign.brand.name}"
    who = ", ".join(managers(session, campaign.brand_id)) or "an admin"
    return (
        f"Over the {budget.period} budget of {what}: ${max(left, Decimal(0)):.2f} left of "
        f"${budget.limit_usd:.2f}, this edit is estimated at ${amount:.4f}. "
        f"A manager can raise the budget or approve this edit ({who})"
    )


def fits(session: Session, campaign: Campaign, estimate: float) -> bool:
    """Whether ``estimate`` fits now, without locking (what a preview shows beside each method)."""
    amount = Decimal(str(estimate))
    return amount <= 0 or all(
        amount <= Decimal(b.limit_usd) - spent(session, b) for b in _budgets_of(session, campaign, lock=False)
    )


def _status(session: Session, budget: Budget) -> BudgetStatus:
    brand = session.get(Brand, budget.brand_id)
    campaign = session.get(Campaign, budget.campaign_id) if budget.campaign_id else None
    return BudgetStatus(
        budget_id=str(budget.id),
        brand=brand.name if brand else "",
        campaign_id=str(budget.campaign_id) if budget.campaign_id else None,
        campaign=campaign.name if campaign else None,
        period=budget.period,
        limit_usd=float(budget.limit_usd),
        spent_usd=float(spent(session, budget)),
        updated_by=budget.updated_by,
    )


def list_budgets(ctx: Atelier, *, brand: Scope = None, campaign_id: str | None = None) -> list[BudgetStatus]:
    """The budgets ``brand`` may see (a campaign's: those covering it), brand budgets first."""
    with ctx.db.Session() as session:
        if campaign_id is not None:
            campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
            rows = _budgets_of(session, campaign, lock=False)
        else:
            stmt = select(Budget).join(Brand, Brand.id == Budget.brand_id)
            stmt = _visible_budgets(stmt, brand).order_by(
                Brand.name, Budget.campaign_id.is_not(None), Budget.period
            )
            rows = list(session.scalars(stmt))
        return [_status(session, b) for b in rows]


def _visible_budgets(stmt: Any, scope: Scope) -> Any:
    if isinstance(scope, Access):
        if not scope.admin:
            stmt = stmt.where(Budget.brand_id.in_(scope.brand_ids))
        scope = scope.brand
    return stmt if scope is None else stmt.where(Brand.name == scope)


def warnings(ctx: Atelier, campaign_id: str, *, brand: Scope = None) -> list[BudgetStatus]:
    """The budgets covering a campaign that are at 80 % or more."""
    return [b for b in list_budgets(ctx, brand=brand, campaign_id=campaign_id) if b.level != "ok"]


def _usd(value: float | Decimal | str) -> Decimal:
    try:
        usd = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        raise InputError(f"A budget is an amount in USD like 50 or 12.5, not {value!r}") from None
    if not usd.is_finite() or usd < 0 or usd > MAX_USD:
        raise InputError(f"A budget is between $0 and ${MAX_USD:,.0f}, not {value}")
    return usd


def set_budget(
    ctx: Atelier,
    usd: float | Decimal | str,
    *,
    brand_name: str | None = None,
    campaign_id: str | None = None,
    monthly: bool = False,
    brand: Scope = None,
    user: str = "",
) -> BudgetStatus:
    """Set (or change) the monthly or total budget of a brand, or of one of its campaigns.

    Raises:
        InputError: a negative, absurd or non-numeric amount; neither brand nor campaign named.
        NotFoundError: unknown brand or campaign, or one ``brand`` may not see.
        ForbiddenError: not a manager of the brand.
    """
    amount, period = _usd(usd), "monthly" if monthly else "total"
    who = brand.user if isinstance(brand, Access) else user
    with ctx.db.Session.begin() as session:
        brand_id, cid = _target(session, brand, brand_name, campaign_id)
        row = session.scalars(
            select(Budget).where(
                Budget.brand_id == brand_id,
                Budget.campaign_id.is_(None) if cid is None else Budget.campaign_id == cid,
                Budget.period == period,
            )
        ).one_or_none()
        before = None if row is None else float(row.limit_usd)
        if row is None:
            row = Budget(id=uuid.uuid4(), brand_id=brand_id, campaign_id=cid, period=period)
            session.add(row)
        row.limit_usd, row.updated_by, row.updated_at = amount, who, datetime.now(UTC)
        details = {"period": period, "usd": float(amount), "before": before}
        session.add(AuditEntry(actor=who, action="budget.set", brand_id=brand_id, campaign_id=cid,
                               target=str(cid or brand_id), details=details))  # fmt: skip
        session.flush()
        return _status(session, row)


def _target(
    session: Session, scope: Scope, brand_name: str | None, campaign_id: str | None
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The brand (and campaign) a budget is for, checked: only its managers may set it."""
    if campaign_id is not None:
        campaign = queries.load_campaign(campaign_id, session=session, brand=scope)
        if brand_name is not None and campaign.brand.name != brand_name:
            raise NotFoundError(f"Campaign {campaign_id} is not a campaign of {brand_name}")
        require(session, scope, campaign.brand_id, MANAGER, "setting a budget")
        return campaign.brand_id, campaign.id
    if not brand_name:
        raise InputError("Name the brand (--brand NAME) or the campaign (--campaign ID) the budget is for")
    brand_id = require_brand(session, scope, brand_name, MANAGER, "setting a budget")
    if brand_id is None:
        raise NotFoundError(f"Brand {brand_name} not found")
    return brand_id, None

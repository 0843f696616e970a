"""The cost review dashboard and the audit view: what the Costs and Audit pages and
``python -m editing costs|audit`` read.

Each function opens one short session. Figures come from the spend rollups that triggers keep
exact in the transaction of every edit (migration 0005); the edits behind a figure come from
edit_history and previews through their indexes. ``brand`` limits what the caller may see,
through :func:`editing.queries.visible` like every other read. :func:`data_version` changes
with every change these views show: the pages key their caches on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from editing.access import Scope
from editing.context import Atelier
from editing.db.models import DataVersion
from editing.spend import audit as _audit
from editing.spend import edits as _edits
from editing.spend import rollups as _rollups
from editing.spend.export import to_csv
from editing.spend.records import (
    AuditLine,
    BudgetSpend,
    BurnDown,
    BurnPoint,
    Dimension,
    EditLine,
    Kpis,
    Period,
    Slice,
)

#: No bounds: every day.
ALL_TIME = Period()

__all__ = [
    "ALL_TIME",
    "AuditLine",
    "BudgetSpend",
    "BurnDown",
    "BurnPoint",
    "Dimension",
    "EditLine",
    "Kpis",
    "Period",
    "Slice",
    "audit",
    "audit_actions",
    "audit_actors",
    "breakdown",
    "burn_down",
    "data_version",
    "drill_down",
    "kpis",
    "most_expensive",
    "to_csv",
    "today",
]


def today() -> date:
    """Today in UTC: the days of the rollups are UTC days."""
    return datetime.now(UTC).date()


def data_version(ctx: Atelier) -> int:
    """A number that changes with every committed change the history, costs and audit views show."""
    with ctx.db.Session() as session:
        return int(session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0)


def kpis(ctx: Atelier, *, brand: Scope = None, period: Period = ALL_TIME, on: date | None = None) -> Kpis:
    """The headline figures of ``period``, and this month (of ``on``, default today) against its budgets."""
    with ctx.db.Session() as session:
        return _rollups.kpis(session=session, brand=brand, period=period, today=on or today())


def breakdown(
    ctx: Atelier, dimension: Dimension, *, brand: Scope = None, period: Period = ALL_TIME
) -> list[Slice]:
    """Spend and edits by ``dimension`` in ``period`` (days oldest first, else costliest first)."""
    with ctx.db.Session() as session:
        return _rollups.breakdown(dimension, session=session, brand=brand, period=period)


def burn_down(ctx: Atelier, *, brand: Scope = None, on: date | None = None) -> BurnDown:
    """Every budget: spend in its period to ``on`` (default today) day by day, and what is left."""
    with ctx.db.Session() as session:
        return _rollups.burn_down(session=session, brand=brand, today=on or today())


def most_expensive(
    ctx: Atelier, *, brand: Scope = None, period: Period = ALL_TIME, limit: int = 20
) -> list[EditLine]:
    with ctx.db.Session() as session:
        return _edits.most_expensive(session=session, brand=brand, period=period, limit=limit)


def drill_down(
    ctx: Atelier,
    dimension: Dimension,
    key: str,
    *,
    brand: Scope = None,
    period: Period = ALL_TIME,
    limit: int = 200,
) -> list[EditLine]:
    """The newest edits and previews of one slice of a breakdown.

    Raises:
        InputError: a day key that is not YYYY-MM-DD.
        NotFoundError: a brand or campaign key that is not an id.
    """
    with ctx.db.Session() as session:
        return _edits.drill_down(dimension, key, session=session, brand=brand, period=period, limit=limit)


def audit(
    ctx: Atelier,
    *,
    brand: Scope = None,
    period: Period = ALL_TIME,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditLine]:
    """Who did what, newest first: edits, reverts, uploads, previews and the audit log's entries."""
    with ctx.db.Session() as session:
        return _audit.audit_lines(
            session=session, brand=brand, period=period, actor=actor, action=action, limit=limit
        )


def audit_actors(ctx: Atelier, *, brand: Scope = None) -> list[str]:
    """Everyone the audit view can be filtered by."""
    with ctx.db.Session() as session:
        people = _rollups.user_names(session=session, brand=brand)
        return sorted(set(people) | set(_audit.log_actors(session=session, brand=brand)))


def audit_actions(ctx: Atelier, *, brand: Scope = None) -> list[str]:
    """Every action the audit view can be filtered by."""
    with ctx.db.Session() as session:
        return [*_audit.ROW_ACTIONS, *_audit.log_actions(session=session, brand=brand)]

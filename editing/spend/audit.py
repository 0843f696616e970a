"""Who did what: every edit, revert, upload and preview (from their own tables) and every entry of the
audit log (budgets, roles, approvals…), newest first, as one list.

The three sources are read newest first through their time indexes and merged by the database,
so the newest page of a million edits costs as little as the newest page of ten.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, String, Text, case, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from editing.access import Scope
from editing.db.models import AuditEntry, Brand, Campaign, EditHistory, Money, Preview
from editing.domain import iso_utc
from editing.queries import visible
from editing.spend.records import AuditLine, Period

E, P, A = EditHistory, Preview, AuditEntry
#: The actions edit rows and previews stand for (the audit log names its own).
EDIT_ACTIONS = {
    "edit": ("regenerate", "adjust"),
    "revert": ("revert",),
    "upload": ("upload",),
    "music": ("music",),
}
ROW_ACTIONS = (*EDIT_ACTIONS, "preview")


def _between(column: Any, period: Period) -> list[Any]:
    out = []
    if period.start:
        out.append(column >= period.start)
    if period.end:
        out.append(column < period.end)
    return out


def _scene(index: Any) -> Any:
    """What an edit or preview acted on, as people number scenes: "scene 2", or the music (index -1)."""
    return case((index < 0, literal("the music")), else_=literal("scene ") + cast(index + 1, String))


def _edits(brand: Scope, period: Period, actor: str | None, action: str | None) -> Select[*tuple[Any, ...]]:
    stmt = select(
        E.timestamp.label("at"),
        E.user_name.label("actor"),
        case(
            *((E.method.in_(methods), action) for action, methods in EDIT_ACTIONS.items()), else_=E.method
        ).label("action"),
        E.brand_id,
        E.campaign_id,
        _scene(E.scene_index).label("target"),
        (E.method + literal(", ") + E.status + literal(": ") + E.edit_prompt).label("details"),
        E.cost.label("cost"),
    ).where(*_between(E.timestamp, period))
    if actor is not None:
        stmt = stmt.where(E.user_name == actor)
    if action is not None:
        stmt = stmt.where(E.method.in_(EDIT_ACTIONS[action]))
    return visible(stmt, brand, E.brand_id)


def _previews(brand: Scope, period: Period, actor: str | None) -> Select[*tuple[Any, ...]]:
    stmt = select(
        P.created_at.label("at"),
        P.user_name.label("actor"),
        literal("preview").label("action"),
        P.brand_id,
        P.campaign_id,
        _scene(P.scene_index).label("target"),
        (literal("preview: ") + P.instruction).label("details"),
        P.cost.label("cost"),
    ).where(*_between(P.created_at, period))
    if actor is not None:
        stmt = stmt.where(P.user_name == actor)
    return visible(stmt, brand, P.brand_id)


def _log(brand: Scope, period: Period, actor: str | None, action: str | None) -> Select[*tuple[Any, ...]]:
    stmt = select(
        A.at.label("at"),
        A.actor.label("actor"),
        A.action.label("action"),
        A.brand_id,
        A.campaign_id,
        A.target.label("target"),
        cast(A.details, Text).label("details"),
        cast(null(), Money).label("cost"),
    ).where(*_between(A.at, period))
    if actor is not None:
        stmt = stmt.where(A.actor == actor)
    if action is not None:
        stmt = stmt.where(A.action == action)
    return visible(stmt, brand, A.brand_id)


def audit_lines(
    *,
    session: Session,
    brand: Scope,
    period: Period,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditLine]:
    """The newest ``limit`` things done in ``period``, by ``actor`` and of ``action`` when given."""
    branches = []
    if action is None or action in EDIT_ACTIONS:
        branches.append(_edits(brand, period, actor, action))
    if action in (None, "preview"):
        branches.append(_previews(brand, period, actor))
    if action is None or action not in ROW_ACTIONS:
        branches.append(_log(brand, period, actor, action))
    # each source's newest first, down its own time index, before they are merged
    newest_of_each = [
        select(b.order_by(b.selected_columns.at.desc()).limit(limit).subquery()) for b in branches
    ]
    every = union_all(*newest_of_each).subquery("every")
    newest = select(every).order_by(every.c.at.desc()).limit(limit).subquery("newest")
    stmt = (
        select(newest, Brand.name.label("brand"), Campaign.name.label("campaign"))
        .outerjoin(Brand, Brand.id == newest.c.brand_id)
        .outerjoin(Campaign, Campaign.id == newest.c.campaign_id)
        .order_by(newest.c.at.desc())
    )
    return [_line(r) for r in session.execute(stmt)]


def _line(r: Any) -> AuditLine:
    details = r.details or ""
    if r.action not in ROW_ACTIONS and details.startswith("{"):
        details = json.dumps(json.loads(details), sort_keys=True, ensure_ascii=False)
    return AuditLine(
        at=iso_utc(r.at),
        actor=r.actor,
        action=r.action,
        brand=r.brand or "",
        campaign=r.campaign or "",
        target=r.target or "",
        details=details,
        cost=round(float(r.cost), 6) if r.cost is not None else None,
    )


def log_actions(*, session: Session, brand: Scope) -> list[str]:
    """The actions the audit log holds (budget.set, role.grant…), for the audit view's filter."""
    stmt = select(A.action).distinct().order_by(A.action)
    return list(session.scalars(visible(stmt, brand, A.brand_id)))


def log_actors(*, session: Session, brand: Scope) -> list[str]:
    stmt = select(A.actor).distinct().order_by(A.actor)
    return list(session.scalars(visible(stmt, brand, A.brand_id)))


__all__ = ["EDIT_ACTIONS", "ROW_ACTIONS", "audit_lines", "log_actions", "log_actors"]

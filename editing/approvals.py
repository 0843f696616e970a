"""An edit over budget, approved by a manager for that one edit.

An editor whose edit was refused by a budget asks for approval (:func:`request_approval`:
the request and its estimate are recorded, nothing is spent). A manager of the brand
approves it (:func:`decide`): the edit is then submitted once, as its requester, and its
estimate is held without the limit; or rejects it. Every step is in the audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editing import queries
from editing.access import EDITING, MANAGER, Scope, actor, require
from editing.db.models import Approval, AuditEntry, Campaign
from editing.domain import iso_utc
from editing.errors import ConflictError, InputError, NotFoundError

if TYPE_CHECKING:
    from editing.context import Atelier
    from editing.jobs.queue import EditSceneResponse

#: What an approval keeps of the edit request (the rest is decided again when it is submitted).
REQUEST_FIELDS = ("method", "keep_length", "preview_id", "prompt")


@dataclass(frozen=True)
class ApprovalInfo:
    approval_id: str
    campaign_id: str
    campaign: str
    brand: str
    scene_index: int | None
    instruction: str
    estimated_cost: float
    reason: str
    requested_by: str
    requested_at: str
    status: str  # pending | approved | rejected | used
    decided_by: str | None
    edit_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def request_approval(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    instruction: str,
    *,
    reason: str,
    brand: Scope = None,
    user: str | None = None,
    request: dict[str, Any] | None = None,
) -> ApprovalInfo:
    """Record an edit refused by a budget for a manager to approve (nothing is spent).

    Raises:
        InputError: a bad instruction or scene (the same checks as an edit).
        ForbiddenError: not an editor of the brand.
        ConflictError: the same edit already waits for approval.
    """
    from editing.jobs.queue import EditRequest, estimate_request

    kept = {k: v for k, v in (request or {}).items() if k in REQUEST_FIELDS and v is not None}
    estimate = estimate_request(ctx, campaign_id, scene_index, instruction, EditRequest(**kept), brand)
    who = actor(brand, user or ctx.settings.user)
    with ctx.db.Session.begin() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
        waiting = session.scalar(
            select(Approval.id).where(
                Approval.campaign_id == campaign.id,
                Approval.scene_index == scene_index,
                Approval.instruction == instruction,
                Approval.status == "pending",
            )
        )
        if waiting is not None:
            raise ConflictError(f"This edit already waits for a manager's approval ({waiting})")
        row = Approval(id=uuid.uuid4(), campaign_id=campaign.id, scene_index=scene_index)
        row.instruction, row.request, row.reason = instruction, kept, reason
        row.estimated_cost, row.requested_by = Decimal(str(round(estimate, 6))), who
        row.requested_at = datetime.now(UTC)
        session.add(row)
        _audit(session, who, "approval.request", campaign, row)
        session.flush()
        return _info(session, row)


def list_approvals(
    ctx: Atelier, *, brand: Scope = None, status: str | None = "pending"
) -> list[ApprovalInfo]:
    """Approvals of the campaigns ``brand`` may see, newest first."""
    with ctx.db.Session() as session:
        stmt = select(Approval).join(Campaign, Campaign.id == Approval.campaign_id)
        if status is not None:
            stmt = stmt.where(Approval.status == status)
        stmt = queries.visible(stmt, brand).order_by(Approval.requested_at.desc()).limit(200)
        return [_info(session, a) for a in session.scalars(stmt)]


def decide(
    ctx: Atelier, approval_id: str, *, approve: bool, brand: Scope = None, user: str | None = None
) -> tuple[ApprovalInfo, EditSceneResponse | None]:
    """Approve (and submit, as its requester) or reject a pending edit.

    Raises:
        NotFoundError: unknown approval, or one of a campaign ``brand`` may not see.
        ForbiddenError: not a manager of the brand.
        InputError: it was decided already.
    """
    from editing.jobs.queue import EditRequest, submit_edit

    who = actor(brand, user or ctx.settings.user)
    with ctx.db.Session.begin() as session:
        row, campaign = _load(session, approval_id, brand)
        require(session, brand, campaign.brand_id, MANAGER, "approving an edit over budget")
        if row.status not in ("pending", "approved") or (row.status == "approved" and not approve):
            raise InputError(f"Approval {approval_id} was {row.status} already")
        row.status = "approved" if approve else "rejected"
        row.decided_by, row.decided_at = who, datetime.now(UTC)
        _audit(session, who, f"approval.{row.status}", campaign, row)
        pending = (
            row.id,
            row.campaign_id,
            row.scene_index,
            row.instruction,
            dict(row.request),
            row.requested_by,
        )
    response = None
    if approve:
        aid, cid, index, text, kept, requester = pending
        request = EditRequest(**kept, approval_id=aid)
        response = submit_edit(ctx, cid, index or 0, text, user=requester, request=request)
    with ctx.db.Session() as session:
        row, _ = _load(session, approval_id, brand)
        return _info(session, row), response


def use_approval(
    session: Session, approval_id: uuid.UUID, campaign: Campaign, scene_index: int, edit_id: uuid.UUID
) -> uuid.UUID:
    """Spend an approval on the edit being accepted (in its transaction): once, for its own edit."""
    row = session.get(Approval, approval_id, with_for_update=True)
    if row is None or row.campaign_id != campaign.id or row.scene_index != scene_index:
        raise NotFoundError(f"Approval {approval_id} not found for this scene")
    if row.status != "approved":
        raise InputError(f"Approval {approval_id} is {row.status}, not approved")
    row.status, row.edit_id = "used", edit_id
    return row.id


def _load(session: Session, approval_id: str, scope: Scope) -> tuple[Approval, Campaign]:
    aid = queries.parse_uuid(approval_id, "Approval")
    stmt = queries.visible(
        select(Approval, Campaign)
        .join(Campaign, Campaign.id == Approval.campaign_id)
        .where(Approval.id == aid),
        scope,
    )
    found = session.execute(stmt).one_or_none()
    if found is None:
        raise NotFoundError(f"Approval {approval_id} not found")
    return found[0], found[1]


def _audit(session: Session, who: str, action: str, campaign: Campaign, row: Approval) -> None:
    details = {"scene_index": row.scene_index, "instruction": row.instruction,
               "estimated_cost": float(row.estimated_cost)}  # fmt: skip
    session.add(AuditEntry(actor=who, action=action, brand_id=campaign.brand_id, campaign_id=campaign.id,
                           target=str(row.id), details=details))  # fmt: skip


def _info(session: Session, row: Approval) -> ApprovalInfo:
    campaign = session.get(Campaign, row.campaign_id)
    assert campaign is not None
    return ApprovalInfo(
        approval_id=str(row.id),
        campaign_id=str(row.campaign_id),
        campaign=campaign.name,
        brand=campaign.brand.name,
        scene_index=row.scene_index,
        instruction=row.instruction,
        estimated_cost=float(row.estimated_cost),
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=iso_utc(row.requested_at) if row.requested_at else "",
        status=row.status,
        decided_by=row.decided_by,
        edit_id=str(row.edit_id) if row.edit_id else None,
    )

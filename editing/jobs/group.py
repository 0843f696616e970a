"""Following an "edit all scenes" group: each scene's edit, and the one final at the end."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from editing import queries
from editing.access import Scope
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.errors import AtelierError, NotFoundError
from editing.finals import settle_group
from editing.jobs.queue import JobStatus, status_of


@dataclass(frozen=True)
class GroupStatus:
    """Where every edit of a group is, what it cost, and the final once the group has ended."""

    group_id: str
    campaign_id: str
    edits: tuple[JobStatus, ...]
    final_video_url: str | None
    refused: dict[int, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(e.done for e in self.edits)

    @property
    def failed(self) -> list[JobStatus]:
        return [e for e in self.edits if e.status == "failed"]

    @property
    def cost(self) -> float:
        return round(sum(e.cost for e in self.edits), 6)

    @property
    def status(self) -> str:
        if not self.done:
            return "running"
        return (
            "completed"
            if not self.failed
            else ("failed" if len(self.failed) == len(self.edits) else "partial")
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "campaign_id": self.campaign_id,
            "status": self.status,
            "cost": self.cost,
            "final_video_url": self.final_video_url,
            "scenes": [
                {
                    "scene_index": e.scene_index,
                    "status": e.status,
                    "method": e.method,
                    "edit_id": e.edit_id,
                    "cost": e.cost,
                    "changes_summary": (e.result or {}).get("changes_summary"),
                    "error": e.error,
                }
                for e in self.edits
            ],
            "refused": {str(k): v for k, v in self.refused.items()},
        }


def group_status(
    ctx: Atelier,
    group_id: str | uuid.UUID,
    *,
    brand: Scope = None,
    refused: dict[int, str] | None = None,
) -> GroupStatus:
    """The group's edits (by scene) and, once they all ended, its final.

    Raises:
        NotFoundError: no such group, or one of a campaign ``brand`` may not see.
    """
    gid = queries.parse_uuid(group_id, "Edit group")
    with ctx.db.Session() as session:
        stmt = select(EditHistory).join(Campaign, Campaign.id == EditHistory.campaign_id)
        stmt = queries.visible(stmt.where(EditHistory.group_id == gid), brand).order_by(
            EditHistory.scene_index
        )
        rows = list(session.scalars(stmt))
        if not rows:
            raise NotFoundError(f"Edit group {group_id} not found")
        final_key = session.scalar(
            select(EditHistory.final_key_after).where(
                EditHistory.group_id == gid, EditHistory.final_key_after.is_not(None)
            )
        )
    edits = tuple(status_of(ctx, r) for r in rows)
    url = ctx.storage.url(final_key) if final_key else None
    return GroupStatus(str(gid), str(rows[0].campaign_id), edits, url, dict(refused or {}))


def wait_for_group(
    ctx: Atelier,
    group_id: str,
    *,
    timeout: float = 3600.0,
    poll: float = 0.25,
    on_change: Any = None,
    refused: dict[int, str] | None = None,
) -> GroupStatus:
    """Follow a group until every edit ended and its final is rendered (``on_change(status)`` on changes).

    Raises:
        AtelierError: it did not end within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    seen: tuple[Any, ...] = ()
    while True:
        status = group_status(ctx, group_id, refused=refused)
        if status.done:
            # the last edit renders the final; settling again is free and covers a worker lost meanwhile
            settle_group(ctx, uuid.UUID(group_id))
            return group_status(ctx, group_id, refused=refused)
        key = tuple((e.status, e.step, e.fraction) for e in status.edits)
        if key != seen and on_change is not None:
            on_change(status)
        seen = key
        if time.monotonic() > deadline:
            raise AtelierError(f"edit group {group_id} did not end within {timeout:.0f}s")
        time.sleep(poll)

"""What an edit is expected to cost and take, before it runs.

Cost comes from the active providers' price tables; time from the median of the last
edits that ran on the same video provider (measured, not a constant), or a default per
provider until there are enough of them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from editing.context import Atelier
from editing.db.models import EditHistory

#: Seconds an edit takes before any has been measured on this install ("ffmpeg": a quick adjust).
DEFAULT_SECONDS = {"offline": 4.0, "replicate": 150.0, "ffmpeg": 2.0}
#: The video_provider recorded on a quick adjust's row.
ADJUST_PROVIDER = "ffmpeg"
#: How many recent completed edits the time estimate looks at.
RECENT = 20


@dataclass(frozen=True)
class Estimate:
    prompt_cost: float
    video_cost: float
    seconds: float

    @property
    def cost(self) -> float:
        return round(self.prompt_cost + self.video_cost, 6)


def recent_seconds(provider: str, *, session: Session) -> float:
    """The median duration of the last RECENT completed edits on ``provider`` (a default before 3)."""
    rows = session.scalars(
        select(EditHistory.duration_seconds)
        .where(EditHistory.status == "completed", EditHistory.video_provider == provider)
        .order_by(EditHistory.timestamp.desc())
        .limit(RECENT)
    ).all()
    if len(rows) < 3:
        return DEFAULT_SECONDS.get(provider, 60.0)
    return float(statistics.median(float(r) for r in rows))


def estimate_edit(
    ctx: Atelier,
    scene: dict[str, Any],
    instruction: str,
    *,
    session: Session,
    method: str = "regenerate",
    prompt_paid: bool = False,
) -> Estimate:
    """The expected cost and duration of an edit of ``scene`` by ``method`` with the active providers.

    A quick adjust costs nothing; ``prompt_paid`` (an edit from a preview) leaves out the rewrite.
    """
    if method == "adjust":
        return Estimate(0.0, 0.0, recent_seconds(ADJUST_PROVIDER, session=session))
    generator = ctx.video_generator()
    prompt = scene.get("background_prompt", "")
    return Estimate(
        prompt_cost=0.0 if prompt_paid else ctx.prompt_editor().estimate_cost(prompt, instruction),
        video_cost=generator.estimate_cost(float(scene.get("duration", 4))),
        seconds=recent_seconds(generator.name, session=session),
    )

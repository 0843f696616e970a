"""An edit's progress, written to its row as it happens, so any page, tab, replica or CLI can follow it.

A step starting, finishing or failing is written at once; updates within a step (a
provider's percentage) at most every ``min_interval`` seconds. Writing progress never
fails an edit: a failed write is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from editing.context import Atelier
from editing.db.models import EditHistory
from editing.pipeline import ProgressCallback, ProgressEvent

log = logging.getLogger(__name__)


class ProgressWriter:
    """A progress callback that records each event on the edit's row (throttled)."""

    def __init__(
        self,
        ctx: Atelier,
        edit_id: uuid.UUID,
        *,
        then: ProgressCallback | None = None,
        min_interval: float = 0.3,
    ) -> None:
        self.ctx, self.edit_id, self.then, self.min_interval = ctx, edit_id, then, min_interval
        self._last_write = 0.0
        self._last_key: tuple[str, str] = ("", "")
        self.writes = 0

    def __call__(self, event: ProgressEvent) -> None:
        if self.then is not None:
            self.then(event)
        key = (event.step, event.state)
        now = time.monotonic()
        if key == self._last_key and now - self._last_write < self.min_interval:
            return
        self._last_key, self._last_write = key, now
        fraction = 1.0 if event.state == "done" else event.fraction
        values = {
            "progress_step": event.step,
            "progress_fraction": fraction,
            "progress_message": event.message[:500],
            "progress_at": datetime.now(UTC),
        }
        try:
            with self.ctx.db.Session.begin() as session:
                session.execute(
                    update(EditHistory).where(EditHistory.edit_id == self.edit_id).values(**values)
                )
            self.writes += 1
        except Exception as exc:  # progress is a display: it never fails the edit
            log.warning("could not record progress of edit %s: %s", self.edit_id, exc)

"""The task a worker runs: the seed's ``edit_scene_job``."""

from __future__ import annotations

import uuid
from typing import Any

from editing.context import Atelier
from editing.jobs import runner
from editing.pipeline import SceneEditPipeline


def edit_scene_job(
    campaign_id: str,
    scene_index: int,
    edit_instruction: str,
    *,
    edit_id: str | None = None,
    ctx: Atelier | None = None,
) -> dict[str, Any]:
    """Job entry point for scene editing (the seed's ``edit_scene_job``); returns its result dict.

    With ``edit_id`` (what the queue passes) it runs that accepted edit; without, it runs the
    seed's arguments as a new edit in this thread.

    Raises:
        AtelierError: the edit failed (its row records why and what it spent).
    """
    ctx = ctx or runner.default_context()
    if edit_id is not None:
        return SceneEditPipeline.for_edit(ctx, uuid.UUID(edit_id)).run()
    return SceneEditPipeline(campaign_id, scene_index, edit_instruction, ctx=ctx).run()

"""Make an earlier version of a scene current again: free, the final re-rendered by stream copy.

A revert is an edit (method ``revert``, cost 0) with its history row and its new versions:
the scene's next version names the earlier file, so nothing is copied and nothing is lost,
and a revert can itself be undone.
"""

from __future__ import annotations

import uuid
from typing import Any

from editing import queries, variations, versions
from editing.access import Scope
from editing.context import Atelier
from editing.domain import validate_scene_index
from editing.errors import InputError
from editing.methods import Method
from editing.pipeline import ProgressCallback, SceneEditPipeline


def revert_scene(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    version: int,
    *,
    brand: Scope = None,
    user: str | None = None,
    on_progress: ProgressCallback | None = None,
    variation: int | None = None,
) -> dict[str, Any]:
    """Make ``version`` of the scene (of ``variation``; None: the selected one) current again.

    Raises:
        InputError: a scene index out of range, a version that does not exist, or the current one.
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        ConflictError: the scene is being edited.
    """
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError(f"A version is a whole number, got {version!r}")
    pipeline = SceneEditPipeline(
        campaign_id,
        scene_index,
        f"Use version {version} again",
        ctx=ctx,
        brand=brand,
        user=user,
        on_progress=on_progress,
        method=Method.REVERT,
        source_version=version,
        variation=variation,
    )
    return pipeline.run()


def undo_last_edit(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    *,
    brand: Scope = None,
    user: str | None = None,
    variation: int | None = None,
) -> dict[str, Any]:
    """Go back to the version before the current one (an undo is a revert, and can be undone).

    Raises:
        InputError: the scene has never been edited.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        variation = variations.resolve(campaign.campaign_json, variation)
        cj = variations.view(campaign.campaign_json, variation)
        validate_scene_index(scene_index, len(cj.get("scenes", [])))
        rows = versions.scene_version_rows(session, campaign.id, variation, scene_index)
    if len(rows) < 2:
        raise InputError(f"Scene {scene_index} has not been edited; there is nothing to undo")
    return revert_scene(
        ctx, campaign_id, scene_index, rows[-2].version, brand=brand, user=user, variation=variation
    )

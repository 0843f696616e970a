"""The final ad rendered from the campaign's current scenes, outside a single-scene edit.

The edits of one "edit all scenes" group commit their scenes without a final (the
campaign is marked ``final_stale``); when the last of them ends, :func:`settle_group`
renders the final ONCE from exactly the current scenes — the new versions of the scenes
that succeeded, the old ones of those that failed — and records it as a final version.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import select, update

from editing import assets, queries, variations, versions
from editing.context import Atelier
from editing.db.models import ACTIVE_STATUSES, EditHistory
from editing.errors import ConflictError
from editing.ledger import snapshot_of

log = logging.getLogger(__name__)

#: Renders tried before giving up on a campaign that keeps changing underneath.
ATTEMPTS = 3


def _render(ctx: Atelier, campaign_id: uuid.UUID, variation: int) -> tuple[int, assets.StoredVideo] | None:
    """A variation's final of its current scenes, stored under a new key; None when it is not stale."""
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session)
        if not variations.view(campaign.campaign_json, variation).get("final_stale"):
            return None
        snap, version = snapshot_of(campaign, variation), campaign.version
    keys = [s["video_key"] for s in snap.scenes]
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="final-") as tmp:
        work = Path(tmp)
        paths = [assets.fetch(ctx.storage, k, work, f"s{i}.mp4") for i, k in enumerate(keys)]
        local = assets.render_final(
            ctx.storage,
            paths,
            snap.audio_key,
            work,
            fmt=ctx.video_format,
            cache_dir=ctx.settings.cache_dir,
            expected=assets.expected_scenes(ctx.vault, keys),
        )
        key = snap.keys.final(f"v{version + 1}_f{uuid.uuid4().hex[:8]}")
        return version, assets.store_video(ctx.vault, local, key, work)


def refresh_final(
    ctx: Atelier,
    campaign_id: uuid.UUID,
    *,
    user: str,
    edit_id: uuid.UUID | None = None,
    variation: int | None = None,
) -> assets.StoredVideo | None:
    """Render and commit a variation's final (None: the selected one) if stale; None when it was not.

    Raises:
        ConflictError: the campaign changed during every attempt.
    """
    with ctx.db.Session() as session:
        v = variations.resolve(queries.load_campaign(campaign_id, session=session).campaign_json, variation)
    for _ in range(ATTEMPTS):
        rendered = _render(ctx, campaign_id, v)
        if rendered is None:
            return None
        version, final = rendered
        with ctx.db.Session.begin() as session:
            campaign = queries.load_campaign(campaign_id, session=session, for_update=True)
            if campaign.version == version:
                cj = variations.view(campaign.campaign_json, v)
                cj["final_video_key"], cj["final_thumbnail_key"] = final.key, final.thumbnail_key
                cj.pop("final_stale", None)
                campaign.campaign_json = variations.put(campaign.campaign_json, v, cj)
                campaign.version = version + 1
                versions.record_final_version(
                    session,
                    campaign_id=campaign_id,
                    variation=v,
                    video_key=final.key,
                    thumbnail_key=final.thumbnail_key,
                    user=user,
                    edit_id=edit_id,
                )
                return final
        assets.delete_quietly(ctx.storage, final.keys, "final of a campaign that changed meanwhile")
    raise ConflictError("The campaign kept changing while its final was rendered; open it again")


def settle_group(ctx: Atelier, group_id: uuid.UUID) -> assets.StoredVideo | None:
    """When no edit of the group is queued or running, render its final once (idempotent).

    Every completed edit of the group then names that final as the one it led to.
    """
    with ctx.db.Session() as session:
        rows = session.execute(
            select(
                EditHistory.campaign_id,
                EditHistory.status,
                EditHistory.edit_id,
                EditHistory.user_name,
                EditHistory.variation,
            )
            .where(EditHistory.group_id == group_id)
            .order_by(EditHistory.finished_at)
        ).all()
    if not rows or any(r.status in ACTIVE_STATUSES for r in rows):
        return None
    done = [r for r in rows if r.status == "completed"]
    campaign_id, user = rows[0].campaign_id, rows[-1].user_name
    edit_id = done[-1].edit_id if done else None
    final = refresh_final(ctx, campaign_id, user=user, edit_id=edit_id, variation=rows[0].variation)
    if final is not None:
        with ctx.db.Session.begin() as session:
            session.execute(
                update(EditHistory)
                .where(EditHistory.group_id == group_id, EditHistory.status == "completed")
                .values(final_key_after=final.key)
            )
        log.info("group %s: final rendered once for %d edits", group_id, len(done))
    return final

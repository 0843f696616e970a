"""Keeping the store honest: verify every file a campaign references, collect what nothing does.

``verify`` checks each referenced file against the size and SHA-256 recorded when it was
stored. ``gc`` lists the stored files no row references (finals of failed edits, files of
runs killed before they committed) and the work directories killed runs left behind, and
removes them, keeping anything younger than ``older_than`` (an edit in progress may have
stored a file its row does not name yet).
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from editing import queries, variations
from editing.access import Scope
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory, FinalVersion, SceneVersion
from editing.storage.keys import thumbnail_key

log = logging.getLogger(__name__)

#: gc keeps unreferenced files younger than this (seconds): an edit may still be writing them.
GC_MIN_AGE_S = 3600.0


@dataclass(frozen=True)
class FileCheck:
    campaign_id: str
    key: str
    ok: bool
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GcReport:
    dry_run: bool
    files: list[str] = field(default_factory=list)
    bytes: int = 0
    work_dirs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _campaign_keys(cj: dict[str, Any]) -> set[str]:
    """Every key campaign_json names, in every variation (the music of each too), and the packshot."""
    keys: set[str | None] = {cj.get("product_image_key")}
    for one in (variations.view(cj, v) for v in variations.indices(cj)):
        keys |= {one.get("final_video_key"), one.get("final_thumbnail_key"), one.get("audio_url")}
        for scene in one.get("scenes", []):
            keys |= {scene.get("video_key"), scene.get("thumbnail_key")}
    return {k for k in keys if k}


def _edit_keys(rows: Iterable[tuple[str | None, ...]]) -> set[str]:
    keys: set[str] = set()
    for row in rows:
        for key in row:
            if key:
                keys |= {key, thumbnail_key(key)}
    return keys


_EDIT_KEY_COLUMNS = (
    EditHistory.scene_key_before,
    EditHistory.scene_key_after,
    EditHistory.final_key_before,
    EditHistory.final_key_after,
)


def referenced_keys(ctx: Atelier, campaign_id: uuid.UUID | None = None) -> dict[str, str]:
    """Every key a row references (current files and every earlier version) -> its campaign id."""
    out: dict[str, str] = {}
    with ctx.db.Session() as session:
        stmt = select(Campaign.id, Campaign.campaign_json)
        if campaign_id is not None:
            stmt = stmt.where(Campaign.id == campaign_id)
        for cid, cj in session.execute(stmt):
            out |= dict.fromkeys(_campaign_keys(cj), str(cid))
        edits = select(EditHistory.campaign_id, *_EDIT_KEY_COLUMNS)
        if campaign_id is not None:
            edits = edits.where(EditHistory.campaign_id == campaign_id)
        for cid, *keys in session.execute(edits):
            out |= dict.fromkeys(_edit_keys([tuple(keys)]), str(cid))
        music = select(EditHistory.campaign_id, EditHistory.plan).where(EditHistory.method == "music")
        if campaign_id is not None:
            music = music.where(EditHistory.campaign_id == campaign_id)
        for cid, plan in session.execute(music):  # every music bed a change replaced stays too
            beds = ((plan or {}).get("audio_before"), (plan or {}).get("audio_after"))
            out |= dict.fromkeys((k for k in beds if k), str(cid))
        for table in (SceneVersion, FinalVersion):  # every version stays playable (an imported final)
            stmt = select(table.campaign_id, table.video_key, table.thumbnail_key)
            if campaign_id is not None:
                stmt = stmt.where(table.campaign_id == campaign_id)
            for cid, *keys in session.execute(stmt):
                out |= dict.fromkeys((k for k in keys if k), str(cid))
    return out


def verify(ctx: Atelier, campaign_id: str | None = None, *, brand: Scope = None) -> list[FileCheck]:
    """Check every file the campaign (or every visible campaign) references against its record.

    Raises:
        NotFoundError: an unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session() as session:
        if campaign_id is not None:
            ids = [queries.load_campaign(campaign_id, session=session, brand=brand).id]
        else:
            ids = [uuid.UUID(c.campaign_id) for c in queries.campaign_summaries(session=session, brand=brand)]
    checks: list[FileCheck] = []
    for cid in ids:
        keys = sorted(referenced_keys(ctx, cid))
        records = ctx.vault.records(keys)
        for key in keys:
            problem = ctx.vault.problem(key, records.get(key))
            checks.append(FileCheck(str(cid), key, problem is None, problem))
    return checks


def gc(ctx: Atelier, *, dry_run: bool = False, older_than_s: float = GC_MIN_AGE_S) -> GcReport:
    """Remove stored files no row references, and stale work directories; report what (and how much)."""
    referenced = referenced_keys(ctx)
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    orphans = [o for o in ctx.storage.list() if o.key not in referenced and o.modified < cutoff]
    work_dirs = _stale_work_dirs(ctx, time.time() - older_than_s)
    if not dry_run:
        for orphan in orphans:
            ctx.storage.delete(orphan.key)
        ctx.vault.forget(o.key for o in orphans)
        for path in work_dirs:
            shutil.rmtree(path, ignore_errors=True)
        if orphans or work_dirs:
            freed = sum(o.size for o in orphans)
            log.info("gc removed %d files (%d bytes) and %d work dirs", len(orphans), freed, len(work_dirs))
    return GcReport(
        dry_run, [o.key for o in orphans], sum(o.size for o in orphans), [str(p) for p in work_dirs]
    )


def _stale_work_dirs(ctx: Atelier, before: float) -> list[Any]:
    tmp = ctx.settings.tmp_dir
    if not tmp.is_dir():
        return []
    return [p for p in sorted(tmp.iterdir()) if p.is_dir() and p.stat().st_mtime < before]

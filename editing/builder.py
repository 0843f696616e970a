"""A new campaign, built one way by the demo, an import and a duplicate.

Its ids and storage keys come first (the brand and perfume rows are only planned); its files
are stored under the seed's keys through the vault, and removed again if the build raises;
its row, its brand and perfume when they are new, and version 1 of every scene and final are
written last, in one transaction. Until that commit nothing of the campaign is visible, and a
build that fails leaves nothing behind: no row, no file, no record.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editing import assets, queries, variations, versions
from editing.config import NAME_MAX
from editing.context import Atelier
from editing.db.models import Campaign
from editing.storage.keys import CampaignKeys

log = logging.getLogger(__name__)

#: Scene fields that belong to one install (storage keys, its edits): never copied in from outside.
SCENE_STATE = ("video_key", "thumbnail_key", "edit_count", "last_edited_at")
#: Campaign fields that name this install's files.
CAMPAIGN_STATE = ("final_video_key", "final_thumbnail_key", "audio_url", "product_image_key")


@dataclass(frozen=True)
class Draft:
    """A campaign being built: its ids, where its files go, and the keys it stored so far."""

    ctx: Atelier
    campaign_id: uuid.UUID
    keys: CampaignKeys
    brand: str
    perfume: str
    workdir: Path
    written: assets.Written

    def variation(self, number: int) -> Draft:
        """The same build, storing under variation ``number``'s keys (its own work directory)."""
        if number == self.keys.variation:
            return self
        keys = dataclasses.replace(self.keys, variation=number)
        workdir = self.workdir / f"variation_{number}"
        workdir.mkdir(exist_ok=True)
        return dataclasses.replace(self, keys=keys, workdir=workdir)

    def store_scene(self, index: int, path: Path) -> assets.StoredVideo:
        """Store a canonical scene (and its poster) under the seed's key of scene ``index``."""
        key = self.keys.scene(index)
        return self.written.add(assets.store_video(self.ctx.vault, path, key, self._dir(f"scene{index}")))

    def store_audio(self, path: Path) -> str:
        """Store the music bed (a WAV file) under the seed's key; returns the key."""
        key = self.keys.audio()
        self.ctx.vault.put(key, path, "audio/wav")
        self.written.keys.append(key)
        return key

    def store_final(self, path: Path, version: str | None = None) -> assets.StoredVideo:
        """Store a final video (and its poster): the seed's ``final_video.mp4``, or a later version."""
        work = self._dir(f"final{version or ''}")
        return self.written.add(assets.store_video(self.ctx.vault, path, self.keys.final(version), work))

    def render_final(
        self, scene_paths: Sequence[Path], audio_key: str | None, version: str | None = None
    ) -> assets.StoredVideo:
        """Join the canonical scenes and the stored music bed into the final video, and store it."""
        work = self._dir(f"render{version or ''}")
        s = self.ctx.settings
        local = assets.render_final(
            self.ctx.storage, scene_paths, audio_key, work, fmt=self.ctx.video_format, cache_dir=s.cache_dir
        )
        return self.store_final(local, version)

    def copy_stored(self, key: str, new_key: str, content_type: str) -> str:
        """Copy a stored file of another campaign to ``new_key``, checked against its record first.

        Raises:
            CorruptFileError: the file's bytes changed since it was stored.
        """
        work = self._dir("copies")
        local, _ = assets.fetch_verified(self.ctx.vault, key, work, f"{len(self.written.keys)}.bin")
        self.ctx.vault.put(new_key, local, content_type)
        self.written.keys.append(new_key)
        return new_key

    def campaign_json(
        self,
        *,
        style: Mapping[str, Any],
        scenes: Sequence[dict[str, Any]],
        audio_key: str | None,
        final: assets.StoredVideo,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The campaign's document in the seed's shape, naming the files this build stored."""
        return {
            **(extra or {}),
            "perfume_name": self.perfume,
            "brand_name": self.brand,
            "style_spec": dict(style),
            "audio_url": audio_key,
            "selected_variation_index": self.keys.variation,
            "final_video_key": final.key,
            "final_thumbnail_key": final.thumbnail_key,
            "scenes": list(scenes),
        }

    def commit(
        self,
        campaign_json: dict[str, Any],
        *,
        name: str,
        method: str,
        numbered: bool = False,
        earlier_finals: Mapping[int, Sequence[assets.StoredVideo]] | None = None,
    ) -> str:
        """Write the campaign row (and its brand and perfume when new) with version 1 of every file.

        ``numbered`` adds " #2", " #3"… when the brand has campaigns of that name already;
        ``earlier_finals`` are, per variation, final versions older than its current one (an
        imported final).
        Returns the campaign's name.
        """
        planned = (uuid.UUID(self.keys.brand_id), uuid.UUID(self.keys.perfume_id))
        with self.ctx.db.Session.begin() as session:
            brand, perfume = queries.brand_and_perfume(
                self.brand, self.perfume, session=session, new_ids=planned
            )
            title = _numbered(session, brand.id, name) if numbered else name
            session.add(
                Campaign(
                    id=self.campaign_id,
                    brand_id=brand.id,
                    perfume_id=perfume.id,
                    name=title,
                    campaign_json=campaign_json,
                    selected_variation_index=self.keys.variation,
                    cost=Decimal(0),
                    status="completed",
                    version=1,
                )
            )
            session.flush()
            record_first_versions(
                session,
                self.campaign_id,
                campaign_json,
                user=self.ctx.settings.user,
                method=method,
                earlier_finals=earlier_finals,
            )
        log.info("campaign %s (%s) created: %d files", self.campaign_id, method, len(self.written.keys))
        return title

    def _dir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(exist_ok=True)
        return path


@contextmanager
def draft(
    ctx: Atelier, *, brand: str, perfume: str, variation: int = 0, purpose: str = "build"
) -> Iterator[Draft]:
    """A new campaign's ids and keys and a work directory; what it stores is removed if the build raises."""
    with ctx.db.Session() as session:
        brand_id, perfume_id = queries.brand_and_perfume_ids(brand, perfume, session=session)
    campaign_id = uuid.uuid4()
    keys = CampaignKeys(str(brand_id), str(perfume_id), str(campaign_id), variation)
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with (
        assets.removed_on_failure(ctx.storage, vault=ctx.vault) as written,
        tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix=f"{purpose}-") as tmp,
    ):
        yield Draft(ctx, campaign_id, keys, brand, perfume, Path(tmp), written)


def scene_doc(
    index: int,
    stored: assets.StoredVideo,
    *,
    role: str,
    duration: float,
    prompt: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One scene of a new campaign's document (the seed's fields, never edited yet)."""
    return {
        "scene_id": index + 1,
        **(extra or {}),
        "role": role,
        "duration": duration,
        "background_prompt": prompt,
        "edit_count": 0,
        "last_edited_at": None,
        "video_key": stored.key,
        "thumbnail_key": stored.thumbnail_key,
    }


def record_first_versions(
    session: Session,
    campaign_id: uuid.UUID,
    campaign_json: dict[str, Any],
    *,
    user: str,
    method: str = "original",
    earlier_finals: Mapping[int, Sequence[assets.StoredVideo]] | None = None,
) -> None:
    """Version 1 of every scene of every variation of a new campaign, its earlier finals, its final."""
    for v in variations.indices(campaign_json):
        for f in (earlier_finals or {}).get(v, ()):
            versions.record_final_version(
                session,
                campaign_id=campaign_id,
                variation=v,
                video_key=f.key,
                thumbnail_key=f.thumbnail_key,
                user=user,
            )
        one = variations.view(campaign_json, v)
        versions.record_first_versions(session, campaign_id, one, v, user=user, method=method)


def with_suffix(name: str, suffix: str) -> str:
    """``name + suffix``, the name shortened so that the whole fits a name column (NAME_MAX)."""
    return name[: NAME_MAX - len(suffix)].rstrip() + suffix


def _numbered(session: Session, brand_id: uuid.UUID, title: str) -> str:
    """``title``, or ``title #n`` when the brand has campaigns of that name already (tells demos apart)."""
    same = session.scalar(
        select(func.count(Campaign.id)).where(
            Campaign.brand_id == brand_id, Campaign.name.startswith(title, autoescape=True)
        )
    )
    return with_suffix(title, f" #{same + 1}") if same else title

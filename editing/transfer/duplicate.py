"""Duplicate a campaign, to try an alternative without touching the original.

The copy is a new campaign of the same brand and perfume: new ids, its own keys, the current
scenes, music and final copied into its layout through the vault (each checked against its
record first), the same prompts and style, version 1 of every scene and of the final, no edits
and no spend. Built like any new campaign (:mod:`editing.builder`): all or nothing.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from editing import builder, queries, variations
from editing.access import Scope
from editing.context import Atelier
from editing.domain import clean_name
from editing.storage.keys import thumbnail_key

COPY_SUFFIX = " (copy)"


@dataclass(frozen=True)
class DuplicateResult:
    campaign_id: str
    name: str
    source_campaign_id: str
    brand: str
    perfume: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def duplicate_campaign(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, name: str | None = None, brand: Scope = None
) -> DuplicateResult:
    """A copy of the campaign's current state, named ``name`` (default: its name + " (copy)", numbered).

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
        InputError: ``name`` empty, not one line, or longer than NAME_MAX.
        CorruptFileError: a file of the campaign changed since it was stored; nothing was made.
    """
    title = clean_name(name, "The copy's name") if name is not None else None
    with ctx.db.Session() as session:
        c = queries.load_campaign(
            campaign_id, session=session, brand=brand, need=("editor", "duplicating a campaign")
        )
        source_id, source_name = c.id, c.name
        brand_name, perfume_name = c.brand.name, c.perfume.name
        cj = copy.deepcopy(c.campaign_json)
    variation = int(cj.get("selected_variation_index", 0))
    with builder.draft(
        ctx, brand=brand_name, perfume=perfume_name, variation=variation, purpose="duplicate"
    ) as new:
        copied = _copy_files(new, cj)
        made = new.commit(
            copied,
            name=title or builder.with_suffix(source_name, COPY_SUFFIX),
            method="original",
            numbered=title is None,
        )
    return DuplicateResult(str(new.campaign_id), made, str(source_id), brand_name, perfume_name)


def _copy_files(new: builder.Draft, cj: dict[str, Any]) -> dict[str, Any]:
    """The campaign's document with every variation's current files copied under the new keys."""
    out = copy.deepcopy(cj)
    for v in variations.indices(cj):
        out = variations.put(out, v, _copy_variation(new.variation(v), variations.view(cj, v)))
    if cj.get("product_image_key"):  # the packshot (one per campaign) goes with the copy, under its folder
        old = str(cj["product_image_key"])
        new_key = f"{new.keys.folder}/product/{old.rsplit('/', 1)[-1]}"
        ctype = "image/png" if old.endswith(".png") else "image/jpeg"
        out["product_image_key"] = new.copy_stored(old, new_key, ctype)
    return out


def _copy_variation(new: builder.Draft, cj: dict[str, Any]) -> dict[str, Any]:
    """A variation's view with its current files copied under the new keys, edits forgotten."""
    scenes = []
    for i, scene in enumerate(cj.get("scenes", [])):
        key = new.copy_stored(scene["video_key"], new.keys.scene(i), "video/mp4")
        thumb = scene.get("thumbnail_key")
        if thumb:
            thumb = new.copy_stored(thumb, thumbnail_key(key), "image/jpeg")
        scenes.append(
            {**scene, "video_key": key, "thumbnail_key": thumb, "edit_count": 0, "last_edited_at": None}
        )
    out = {**cj, "scenes": scenes}
    out.pop("product_image_key", None)  # the campaign's, copied once by _copy_files
    if cj.get("audio_url"):
        out["audio_url"] = new.copy_stored(cj["audio_url"], new.keys.audio(), "audio/wav")
    if cj.get("final_video_key"):
        out["final_video_key"] = new.copy_stored(cj["final_video_key"], new.keys.final(), "video/mp4")
        if cj.get("final_thumbnail_key"):
            out["final_thumbnail_key"] = new.copy_stored(
                cj["final_thumbnail_key"], thumbnail_key(out["final_video_key"]), "image/jpeg"
            )
    return out

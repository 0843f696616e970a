"""A campaign's variations: the seed's ``variation_0..N``, one scene structure, different cuts.

campaign_json keeps the seed's top-level shape, which mirrors the SELECTED variation (its
``scenes``, ``final_video_key``…), plus ``variations``: one entry per variation, each holding
the fields in :data:`OWN`::

    {"selected_variation_index": 1, "scenes": [...], "final_video_key": ..., ...,
     "variations": [{"scenes": [...], "final_video_key": ..., "final_thumbnail_key": ...,
                     "audio_url": ...}, {...}]}

This module is the one place that reads a variation's view of campaign_json (:func:`view`)
and writes it back (:func:`put`). For the selected variation the top level is the truth (code
written before variations, and the seed, read and write it there); its entry is refreshed
from it on every write. A campaign without ``variations`` has one variation, numbered by its
``selected_variation_index`` (its files sit in that variation's folder).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from editing import queries, versions
from editing.access import EDITOR, Scope, actor
from editing.context import Atelier
from editing.db.models import EditHistory
from editing.domain import MAX_VARIATIONS
from editing.errors import InputError

#: The fields of campaign_json that belong to one variation (the rest is the campaign's).
OWN = ("scenes", "final_video_key", "final_thumbnail_key", "final_stale", "audio_url")


def selected(cj: Mapping[str, Any]) -> int:
    """The selected variation's number."""
    return int(cj.get("selected_variation_index", 0) or 0)


def indices(cj: Mapping[str, Any]) -> list[int]:
    """The numbers of the campaign's variations (0..N-1; the one of a campaign without ``variations``)."""
    entries = cj.get("variations")
    return list(range(len(entries))) if entries else [selected(cj)]


def resolve(cj: Mapping[str, Any], variation: int | None) -> int:
    """``variation`` checked against the campaign's (None: the selected one).

    Raises:
        InputError: not a whole number, or not one of the campaign's variations.
    """
    if variation is None:
        return selected(cj)
    if isinstance(variation, bool) or not isinstance(variation, int):
        raise InputError(f"Variation must be a whole number, got {variation!r}")
    have = indices(cj)
    if variation not in have:
        span = f"variations 0-{have[-1]}" if len(have) > 1 else f"only variation {have[0]}"
        raise InputError(f"Variation {variation} out of range: this campaign has {span}")
    return variation


def _own(source: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(source[k]) for k in OWN if k in source}


def view(cj: Mapping[str, Any], variation: int | None = None) -> dict[str, Any]:
    """campaign_json as ``variation`` sees it (a deep copy): the campaign's fields with its own.

    Raises:
        InputError: an unknown variation.
    """
    v = resolve(cj, variation)
    out = {k: copy.deepcopy(val) for k, val in cj.items() if k != "variations" and k not in OWN}
    source = cj if v == selected(cj) else cj["variations"][v]
    out.update(_own(source))
    out.setdefault("audio_url", cj.get("audio_url"))  # an entry without its own music uses the campaign's
    return out


def put(cj: Mapping[str, Any], variation: int, changed: Mapping[str, Any]) -> dict[str, Any]:
    """A new campaign_json with ``variation``'s fields taken from ``changed`` (a :func:`view`, edited).

    Only the variation's own fields (:data:`OWN`) are written; the top-level mirror follows
    when ``variation`` is the selected one.
    """
    v = resolve(cj, variation)
    out = copy.deepcopy(dict(cj))
    own = _own(changed)
    if v == selected(cj):
        for key in OWN:
            out.pop(key, None)
        out.update(copy.deepcopy(own))
    if out.get("variations"):
        out["variations"][v] = own
    return out


def synced(cj: Mapping[str, Any]) -> dict[str, Any]:
    """campaign_json with the selected variation's entry refreshed from the top level."""
    out = copy.deepcopy(dict(cj))
    if out.get("variations"):
        out["variations"][selected(out)] = _own(out)
    return out


def select_in(cj: Mapping[str, Any], variation: int) -> dict[str, Any]:
    """campaign_json with ``variation`` selected: the top-level mirror becomes its fields.

    Raises:
        InputError: an unknown variation.
    """
    v = resolve(cj, variation)
    out = synced(cj)
    chosen = _own(out["variations"][v]) if out.get("variations") else _own(out)
    for key in OWN:
        out.pop(key, None)
    out.update(chosen)
    out["selected_variation_index"] = v
    return out


def added(cj: Mapping[str, Any], source: int | None = None) -> tuple[dict[str, Any], int]:
    """campaign_json with a new variation copied from ``source`` (its files shared); and its number.

    A campaign without ``variations`` gets its list first: its one variation becomes entry 0.

    Raises:
        InputError: an unknown source, MAX_VARIATIONS already, or a legacy campaign whose one
            variation is not number 0 (its number could not stay its folder's).
    """
    v = resolve(cj, source)
    out = synced(cj)
    if not out.get("variations"):
        if selected(out) != 0:
            raise InputError(
                f"This campaign's one variation is number {selected(out)}; only a campaign whose "
                "variations start at 0 can get a new one"
            )
        out["variations"] = [_own(out)]
    if len(out["variations"]) >= MAX_VARIATIONS:
        raise InputError(f"A campaign holds at most {MAX_VARIATIONS} variations")
    copy_of = _own(out["variations"][v])
    copy_of["scenes"] = [{**s, "edit_count": 0, "last_edited_at": None} for s in copy_of.get("scenes", [])]
    out["variations"].append(copy_of)
    return out, len(out["variations"]) - 1


# --- what the pages and the CLI show --------------------------------------------------------------


@dataclass(frozen=True)
class VariationInfo:
    """One variation of a campaign: its number, whether it is selected, its scenes, final and spend."""

    index: int
    selected: bool
    scenes: int
    final_key: str | None
    final_url: str | None
    cost: float
    prompts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_variations(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None
) -> list[VariationInfo]:
    """Every variation of a campaign, with what its edits cost (failed ones included).

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        cj = campaign.campaign_json
        spent = dict(
            session.execute(
                select(EditHistory.variation, func.coalesce(func.sum(EditHistory.cost), 0))
                .where(EditHistory.campaign_id == campaign.id)
                .group_by(EditHistory.variation)
            ).all()
        )
    out = []
    for v in indices(cj):
        one = view(cj, v)
        key = one.get("final_video_key")
        out.append(
            VariationInfo(
                index=v,
                selected=v == selected(cj),
                scenes=len(one.get("scenes", [])),
                final_key=key,
                final_url=ctx.storage.url(key) if key else None,
                cost=round(float(spent.get(v, 0)), 6),
                prompts=tuple(s.get("background_prompt", "") for s in one.get("scenes", [])),
            )
        )
    return out


def select_variation(
    ctx: Atelier, campaign_id: str | uuid.UUID, variation: int, *, brand: Scope = None
) -> VariationInfo:
    """Mark ``variation`` as the campaign's selected one (the seed's ``selected_variation_index``).

    Raises:
        InputError: an unknown variation (nothing is changed).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session.begin() as session:
        campaign = queries.load_campaign(
            campaign_id, session=session, brand=brand, for_update=True, need=(EDITOR, "selecting a variation")
        )
        campaign.campaign_json = select_in(campaign.campaign_json, variation)
        campaign.selected_variation_index = variation
        campaign.version = campaign.version + 1
        cid = campaign.id
    return next(v for v in list_variations(ctx, cid) if v.index == variation)


def new_variation(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    *,
    source: int | None = None,
    brand: Scope = None,
    user: str | None = None,
) -> VariationInfo:
    """Add a variation that starts as a copy of ``source`` (None: the selected one): files shared, $0.

    Its scenes and final are version 1 of the new variation; edits of it then write its own keys.

    Raises:
        InputError: an unknown source, or no room for another variation (nothing is changed).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session.begin() as session:
        campaign = queries.load_campaign(
            campaign_id, session=session, brand=brand, for_update=True, need=(EDITOR, "adding a variation")
        )
        cj, number = added(campaign.campaign_json, source)
        campaign.campaign_json = cj
        campaign.version = campaign.version + 1
        cid = campaign.id
        versions.record_first_versions(
            session, cid, view(cj, number), number, user=actor(brand, user or ctx.settings.user)
        )
    return next(v for v in list_variations(ctx, cid) if v.index == number)

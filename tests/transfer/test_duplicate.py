"""Duplicating a campaign: new ids and keys, the current files copied, version 1 of everything, the
original untouched by anything done to the copy."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from editing import campaigns, maintenance, versions
from editing.context import Atelier
from editing.db.models import Campaign
from editing.errors import CorruptFileError, InputError, NotFoundError
from editing.pipeline import edit_scene
from editing.storage.local import LocalStorage
from editing.transfer import duplicate_campaign
from tests.seed_campaigns import Snapshot


def cj_of(ctx: Atelier, campaign_id: str) -> dict[str, Any]:
    with ctx.db.Session() as session:
        c = session.get(Campaign, campaign_id)
        assert c is not None
        return copy.deepcopy(c.campaign_json)


def content(ctx: Atelier, key: str) -> bytes:
    assert isinstance(ctx.storage, LocalStorage)
    return ctx.storage.local_path(key).read_bytes()


def test_a_copy_has_its_own_ids_keys_and_versions(ctx: Atelier, demo: str) -> None:
    edit_scene(ctx, demo, 0, "make it brighter")  # the copy starts from the current state
    before = cj_of(ctx, demo)
    result = duplicate_campaign(ctx, demo)
    assert result.source_campaign_id == demo and result.campaign_id != demo
    assert result.name == "Nuit Dorée — TikTok launch (copy)"
    assert duplicate_campaign(ctx, demo).name == "Nuit Dorée — TikTok launch (copy) #2"
    cj = cj_of(ctx, result.campaign_id)
    assert cj["style_spec"] == before["style_spec"]
    for mine, theirs in zip(cj["scenes"], before["scenes"], strict=True):
        creative = ("background_prompt", "duration", "role", "seed")
        assert [mine[k] for k in creative] == [theirs[k] for k in creative]
        assert f"/campaigns/{result.campaign_id}/variations/variation_0/draft/" in mine["video_key"]
        assert content(ctx, mine["video_key"]) == content(ctx, theirs["video_key"])
        assert content(ctx, mine["thumbnail_key"]) == content(ctx, theirs["thumbnail_key"])
        assert mine["edit_count"] == 0 and mine["last_edited_at"] is None
    for key in ("audio_url", "final_video_key", "final_thumbnail_key"):
        assert f"/campaigns/{result.campaign_id}/" in cj[key]
        assert content(ctx, cj[key]) == content(ctx, before[key])
    assert [v.method for v in versions.list_scene_versions(ctx, result.campaign_id, 0)] == ["original"]
    assert [f.version for f in versions.list_final_versions(ctx, result.campaign_id)] == [1]
    assert campaigns.get_history(ctx, result.campaign_id) == []
    assert all(check.ok for check in maintenance.verify(ctx, result.campaign_id))
    assert cj_of(ctx, demo) == before


def test_editing_the_copy_leaves_the_original_alone(ctx: Atelier, demo: str) -> None:
    before = cj_of(ctx, demo)
    copy_id = duplicate_campaign(ctx, demo, name="  Try: darker  ").campaign_id
    assert campaigns.campaign_overview(ctx, copy_id).name == "Try: darker"
    edit_scene(ctx, copy_id, 2, "make it darker")
    assert cj_of(ctx, demo) == before
    assert [v.version for v in versions.list_scene_versions(ctx, demo, 2)] == [1]
    assert len(versions.list_scene_versions(ctx, copy_id, 2)) == 2


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ({"name": "x" * 201}, InputError, "The copy's name is 201 characters; the limit is 200"),
        ({"name": "two\nlines"}, InputError, "must be one line"),
        ({"name": "   "}, InputError, "The copy's name is empty"),
        ({"brand": "Other House"}, NotFoundError, "not found"),
    ],
)
def test_refused_duplicates_make_nothing(
    ctx: Atelier,
    demo: str,
    args: dict[str, Any],
    error: type,
    message: str,
    everything: Callable[[], Snapshot],
) -> None:
    before = everything()
    with pytest.raises(error, match=message):
        duplicate_campaign(ctx, demo, **args)
    with pytest.raises(NotFoundError):
        duplicate_campaign(ctx, "00000000-0000-0000-0000-000000000000")
    assert everything() == before


def test_a_file_changed_since_it_was_stored_stops_the_copy(
    ctx: Atelier, demo: str, everything: Callable[[], Snapshot]
) -> None:
    path = LocalStorage(root=ctx.settings.media_dir).local_path(cj_of(ctx, demo)["audio_url"])
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    before = everything()
    with pytest.raises(CorruptFileError, match=r"music_bed\.wav changed since it was stored"):
        duplicate_campaign(ctx, demo)
    assert everything() == before, "the scenes copied before the music are removed again"


def test_a_long_name_still_fits_with_its_suffix(ctx: Atelier, demo: str) -> None:
    long_name = duplicate_campaign(ctx, demo, name="n" * 200).campaign_id
    assert duplicate_campaign(ctx, long_name).name == "n" * 193 + " (copy)"

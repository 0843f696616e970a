"""Importing seed-shaped campaigns: scenes of several formats normalized, durations from campaign.json,
the music kept, the campaign's own final kept as version 1 and Atelier's render current, checked
with ffprobe; the imported campaign then edits like any other."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from editing import campaigns, maintenance, media, versions
from editing.context import Atelier
from editing.db.models import Campaign
from editing.pipeline import edit_scene
from editing.storage.local import LocalStorage
from editing.transfer import import_campaign
from tests.media.test_media import assert_canonical, ffprobe
from tests.seed_campaigns import FAST, STYLE, Clips, lay_out, seed_doc, zip_folder


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored(ctx: Atelier, key: str) -> Path:
    assert isinstance(ctx.storage, LocalStorage)
    return ctx.storage.local_path(key)


def campaign_json(ctx: Atelier, campaign_id: str) -> dict[str, Any]:
    with ctx.db.Session() as session:
        row = session.get(Campaign, campaign_id)
        assert row is not None
        return dict(row.campaign_json)


def test_a_folder_of_mixed_formats_becomes_a_campaign(ctx: Atelier, mixed: Path, clips: Clips) -> None:
    result = import_campaign(ctx, mixed)
    assert (result.name, result.brand, result.perfume) == (
        "Ambre Nocturne — spring",
        "Maison Test",
        "Ambre Nocturne",
    )
    assert (result.scenes, result.duration, result.variation, result.kept_final) == (3, 3.5, 0, True)
    assert result.notes == ()
    cj = campaign_json(ctx, result.campaign_id)
    assert cj["style_spec"] == STYLE and cj["selected_variation_index"] == 0
    assert [s["duration"] for s in cj["scenes"]] == [1.5, 1.0, 1.0]
    assert [s["role"] for s in cj["scenes"]] == ["hook", "showcase", "lifestyle"]
    assert all(s["edit_count"] == 0 for s in cj["scenes"])
    for scene in cj["scenes"]:  # every scene canonical, exactly as long as campaign.json says
        assert f"/campaigns/{result.campaign_id}/variations/variation_0/draft/" in scene["video_key"]
        assert_canonical(
            stored(ctx, scene["video_key"]), frames=round(scene["duration"] * FAST.fps), fmt=FAST
        )
        assert stored(ctx, scene["thumbnail_key"]).is_file()
    assert sha(stored(ctx, cj["scenes"][2]["video_key"])) == sha(clips.canonical), "copied byte for byte"
    assert sha(stored(ctx, cj["audio_url"])) == sha(clips.music), "a WAV is kept as it is"
    final = media.probe(stored(ctx, cj["final_video_key"]), count_frames=True)
    assert (final.width, final.height, final.nb_frames) == (FAST.width, FAST.height, 18 + 12 + 12)
    assert final.has_audio and final.audio_duration == pytest.approx(3.5, abs=0.05)
    assert ffprobe(stored(ctx, cj["final_video_key"]))["format"]["format_name"].startswith("mov,mp4")


def test_the_campaigns_own_final_is_version_1_and_atelier_s_render_is_current(
    ctx: Atelier, mixed: Path, clips: Clips
) -> None:
    cid = import_campaign(ctx, mixed).campaign_id
    finals = versions.list_final_versions(ctx, cid)
    assert [(f.version, f.current) for f in finals] == [(1, False), (2, True)]
    assert finals[0].video_url.endswith("/variations/variation_0/final_video.mp4")
    assert sha(Path(finals[0].video_url)) == sha(clips.final)
    assert finals[1].video_url == str(stored(ctx, campaign_json(ctx, cid)["final_video_key"]))
    for i in range(3):
        (only,) = versions.list_scene_versions(ctx, cid, i)
        assert (only.version, only.method, only.current, only.cost) == (1, "import", True, 0.0)
    assert all(check.ok for check in maintenance.verify(ctx, cid)), "every file recorded with its SHA-256"
    maintenance.gc(ctx, older_than_s=0)  # the kept final is referenced by its version only
    assert Path(finals[0].video_url).is_file() and Path(finals[0].thumbnail_url or "").is_file()


def test_a_zip_of_the_seed_s_key_layout_with_mp3_music_and_no_final(
    ctx: Atelier, tmp_path: Path, clips: Clips
) -> None:
    doc = seed_doc([1.0, 2.0], audio_url="variations/variation_0/audio/music_bed.mp3")
    folder = lay_out(tmp_path / "seed", doc, [clips.landscape, clips.portrait], audio=clips.mp3, nested=True)
    result = import_campaign(ctx, zip_folder(folder, tmp_path / "campaign.zip"))
    assert result.kept_final is False and result.duration == 3.0
    cj = campaign_json(ctx, result.campaign_id)
    assert cj["audio_url"].endswith("/audio/music_bed.wav")
    music = media.probe(stored(ctx, cj["audio_url"]))
    assert music.format_name == "wav" and music.audio_codec == "pcm_s16le" and not music.has_video
    (final,) = versions.list_final_versions(ctx, result.campaign_id)
    assert final.video_url.endswith("/final_video.mp4") and final.current
    assert media.probe(final.video_url, count_frames=True).nb_frames == 36


def test_a_final_that_does_not_decode_is_left_out_with_a_warning(
    ctx: Atelier, tmp_path: Path, clips: Clips, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clips.final.read_bytes()[: clips.final.stat().st_size // 2])
    folder = lay_out(tmp_path / "c", seed_doc([1.0]), [clips.canonical], audio=clips.music, final=broken)
    with caplog.at_level(logging.WARNING, logger="editing.transfer.importer"):
        result = import_campaign(ctx, folder)
    assert result.kept_final is False
    assert len(result.notes) == 1 and "final_video.mp4 was left out" in result.notes[0]
    assert "final_video.mp4 was left out" in caplog.text
    (final,) = versions.list_final_versions(ctx, result.campaign_id)
    assert final.video_url.endswith("/final_video.mp4")


def test_music_url_forms_and_no_music(ctx: Atelier, tmp_path: Path, clips: Clips) -> None:
    seed_url = "https://bucket.s3.us-east-1.amazonaws.com/brands/x/perfumes/y/campaigns/z/variations/variation_0/audio/music_bed.wav"
    folder = lay_out(
        tmp_path / "a", seed_doc([1.0], audio_url=seed_url), [clips.canonical], audio=clips.music
    )
    assert campaign_json(ctx, import_campaign(ctx, folder).campaign_id)["audio_url"].endswith("music_bed.wav")
    silent = lay_out(tmp_path / "b", seed_doc([1.0], audio_url=None), [clips.canonical])
    cid = import_campaign(ctx, silent).campaign_id
    cj = campaign_json(ctx, cid)
    assert cj["audio_url"] is None
    assert not media.probe(stored(ctx, cj["final_video_key"])).has_audio


def test_the_brand_and_the_selected_variation(ctx: Atelier, tmp_path: Path, clips: Clips) -> None:
    doc = seed_doc([1.0], selected_variation_index=2, brand_name=None, campaign_name=None)
    folder = lay_out(tmp_path / "v2", doc, [clips.canonical], audio=clips.music, variation=2)
    doc["audio_url"] = "variations/variation_2/audio/music_bed.wav"
    (folder / "campaign.json").write_text(json.dumps(doc))
    result = import_campaign(ctx, folder, default_brand="House From The Sidebar")
    assert (result.brand, result.name, result.variation) == (
        "House From The Sidebar",
        "Ambre Nocturne — imported",
        2,
    )
    cj = campaign_json(ctx, result.campaign_id)
    assert "/variations/variation_2/draft/scene_1_bg.mp4" in cj["scenes"][0]["video_key"]
    with ctx.db.Session() as session:
        row = session.get(Campaign, result.campaign_id)
        assert (
            row is not None
            and row.selected_variation_index == 2
            and row.brand.name == "House From The Sidebar"
        )
    forced = import_campaign(ctx, folder, brand="Forced House", default_brand="ignored")
    assert forced.brand == "Forced House"
    assert {c.brand for c in campaigns.list_campaigns(ctx)} >= {"House From The Sidebar", "Forced House"}


def test_an_imported_campaign_edits_like_any_other(ctx: Atelier, mixed: Path) -> None:
    cid = import_campaign(ctx, mixed).campaign_id
    result = edit_scene(ctx, cid, 1, "make it brighter")
    assert result["success"] is True
    assert [v.method for v in versions.list_scene_versions(ctx, cid, 1)] == ["import", "adjust"]
    assert [f.version for f in versions.list_final_versions(ctx, cid)] == [1, 2, 3]
    assert campaigns.list_scenes(ctx, cid)[1].edit_count == 1

"""The seed's key layout (s3_utils) and its versioned keys."""

from __future__ import annotations

import pytest

from editing.storage import keys
from editing.storage.keys import CampaignKeys

IDS = ("brand", "perfume", "camp", 0)


def test_seed_key_layout_and_versions() -> None:
    prefix = "brands/brand/perfumes/perfume/campaigns/camp/variations/variation_0"
    assert keys.scene_key(*IDS, 0) == f"{prefix}/draft/scene_1_bg.mp4"
    assert keys.scene_key(*IDS, 2, "v2_ab") == f"{prefix}/draft/scene_3_bg_v2_ab.mp4"
    assert keys.final_video_key(*IDS) == f"{prefix}/final_video.mp4"
    assert keys.thumbnail_key(keys.final_video_key(*IDS)) == f"{prefix}/final_video_thumb.jpg"
    assert keys.get_scene_s3_url(*IDS, 0, bucket="bk", region="eu-west-1") == (
        f"https://bk.s3.eu-west-1.amazonaws.com/{prefix}/draft/scene_1_bg.mp4"
    )
    assert keys.get_final_video_s3_url(*IDS, bucket="bk", region="us-east-1").endswith("/final_video.mp4")
    with pytest.raises(ValueError, match=">= 0"):
        keys.scene_key(*IDS, -1)


def test_campaign_keys_name_the_same_files() -> None:
    ck = CampaignKeys(*IDS)
    assert ck.scene(1, "v3_ab") == keys.scene_key(*IDS, 1, "v3_ab")
    assert ck.final() == keys.final_video_key(*IDS) and ck.audio() == keys.audio_key(*IDS)
    assert ck.scene(0).startswith(ck.prefix + "/draft/")


def test_the_names_inside_a_campaign_folder_make_its_keys() -> None:
    """An import or export lays files out by the same names, relative to the campaign's folder."""
    ck = CampaignKeys("brand", "perfume", "camp", 2)
    assert ck.folder == "brands/brand/perfumes/perfume/campaigns/camp"
    assert ck.scene(0) == f"{ck.folder}/{keys.variation_folder(2)}/{keys.scene_file(0)}"
    assert keys.scene_file(1, "v2_ab") == "draft/scene_2_bg_v2_ab.mp4"
    assert ck.final() == f"{ck.folder}/variations/variation_2/{keys.final_file()}"
    assert ck.audio("v3") == f"{ck.folder}/variations/variation_2/{keys.audio_file('v3')}"
    assert keys.audio_file() == "audio/music_bed.wav"

"""campaign.json read strictly and written back, as data (no files, no database)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from editing.errors import CampaignImportError
from editing.transfer.document import export_json, parse
from editing.transfer.layout import Plan, locate, plan
from tests.seed_campaigns import STYLE, seed_doc


def read(doc: dict[str, Any]) -> Any:
    return parse(json.dumps(doc).encode())


def test_what_is_read() -> None:
    doc = seed_doc([4, 2.5])
    doc["scenes"][0].update(
        seed=7, camera_movement="orbit", video_key="brands/other/secret.mp4", edit_count=9
    )
    doc.update(edit_history={"edits": []}, final_video_key="brands/other/final.mp4", product_image_key="x")
    read_back = read(doc)
    assert read_back.perfume_name == "Ambre Nocturne" and read_back.brand_name == "Maison Test"
    assert read_back.style_spec == STYLE and read_back.variation == 0 and read_back.duration == 6.5
    first = read_back.scenes[0]
    assert (first.role, first.duration, first.extra) == ("hook", 4.0, {"scene_id": 1, "seed": 7})
    assert read_back.audio_path == "variations/variation_0/audio/music_bed.wav"


def test_an_empty_style_text_is_kept_an_empty_prompt_is_not() -> None:
    assert read(seed_doc([1], style_spec={"mood_atmosphere": " ", "color_palette": []})).style_spec == {
        "mood_atmosphere": "",
        "color_palette": [],
    }
    with pytest.raises(CampaignImportError, match=r"scenes\[0\]\.background_prompt is empty"):
        read(seed_doc([1], scenes=[{"role": "hook", "duration": 1, "background_prompt": ""}]))


def test_optional_fields_and_the_bom() -> None:
    doc = seed_doc([1], brand_name=None, campaign_name="  ", audio_url="", selected_variation_index=None)
    read_back = parse(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert (read_back.brand_name, read_back.campaign_name, read_back.audio_path, read_back.variation) == (
        None,
        None,
        None,
        0,
    )


BED = "variations/variation_0/audio/music_bed.wav"
SEED_KEY = "brands/b/perfumes/p/campaigns/c/" + BED


@pytest.mark.parametrize(
    ("audio_url", "path"),
    [
        ("variations/variation_1/audio/bed.mp3", "variations/variation_1/audio/bed.mp3"),
        ("music/bed.wav", "music/bed.wav"),
        (SEED_KEY, BED),
        ("s3://bucket/" + SEED_KEY, BED),
        ("https://b.s3.eu-west-1.amazonaws.com/brands/b/campaigns/c/variations/variation_0/a%20b.wav",
         "variations/variation_0/a b.wav"),
    ],
)  # fmt: skip
def test_audio_url_forms(audio_url: str, path: str) -> None:
    """A path in the folder as it is; the seed's keys and URLs by their part from variations/ on."""
    assert read(seed_doc([1], audio_url=audio_url)).audio_path == path


@pytest.mark.parametrize(
    "audio_url",
    [
        "../music.wav",
        "/abs/music.wav",
        "a\\b.wav",
        "file:///etc/passwd",
        "https://cdn.example.com/x.mp3",
        "dir/",
    ],
)
def test_audio_urls_outside_the_folder_are_refused(audio_url: str) -> None:
    with pytest.raises(CampaignImportError, match="is not a file in the campaign's folder"):
        read(seed_doc([1], audio_url=audio_url))


def test_an_export_reads_back() -> None:
    cj = {
        **seed_doc([1, 2]),
        "audio_url": "brands/b/perfumes/p/campaigns/c/variations/variation_0/audio/music_bed.wav",
        "final_video_key": "brands/b/…/final_video.mp4",
        "final_thumbnail_key": "brands/b/…/final_video_thumb.jpg",
    }
    for scene in cj["scenes"]:
        scene.update(
            video_key="k.mp4", thumbnail_key="k.jpg", edit_count=2, last_edited_at="2026-01-01T00:00:00Z"
        )
    out = export_json(cj, campaign_name="Spring", audio_path="variations/variation_0/audio/music_bed.wav")
    assert not {"final_video_key", "final_thumbnail_key"} & set(out)
    assert not any({"video_key", "thumbnail_key"} & set(s) for s in out["scenes"])
    assert out["scenes"][0]["edit_count"] == 2, "the seed's scene fields are kept"
    back = read(out)
    assert (back.campaign_name, back.audio_path) == ("Spring", "variations/variation_0/audio/music_bed.wav")
    assert [s.duration for s in back.scenes] == [1.0, 2.0]


def test_the_layout_is_found_where_campaign_json_is() -> None:
    c = "brands/b/perfumes/p/campaigns/c/"
    sizes = {
        f"{c}campaign.json": 100,
        f"{c}variations/variation_0/draft/scene_1_bg.mp4": 10,
        f"{c}variations/variation_0/draft/scene_1_bg_v2_ab12.mp4": 10,  # an edit's version: not a scene file
        f"{c}variations/variation_0/draft/scene_1_bg_thumb.jpg": 1,
        f"{c}variations/variation_0/final_video.mp4": 30,
        f"{c}variations/variation_1/draft/scene_9_bg.mp4": 10,  # another variation
        "__MACOSX/._campaign.json": 1,
    }
    assert locate(sizes, "x.zip") == f"{c}campaign.json"
    doc = read(seed_doc([1], audio_url=None))
    chosen = plan(doc, sizes, f"{c}campaign.json", max_bytes=10**6)
    assert chosen == Plan(
        f"{c}campaign.json",
        (f"{c}variations/variation_0/draft/scene_1_bg.mp4",),
        f"{c}variations/variation_0/final_video.mp4",
        None,
    )
    too_deep = {"a/b/c/d/e/f/g/h/i/campaign.json": 10}
    with pytest.raises(CampaignImportError, match=r"holds no campaign\.json"):
        locate(too_deep, "x.zip")

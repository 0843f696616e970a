"""Export in the seed's layout, and the round trip: importing an export gives the same prompts,
durations, style, variation and files (SHA-256 for SHA-256)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from editing import campaigns, versions
from editing.context import Atelier
from editing.db.models import Campaign
from editing.errors import CorruptFileError, InputError, NotFoundError
from editing.pipeline import edit_scene
from editing.storage.local import LocalStorage
from editing.transfer import export_campaign, import_campaign
from editing.transfer.document import parse


def row(ctx: Atelier, campaign_id: str) -> tuple[Campaign, dict[str, Any]]:
    with ctx.db.Session() as session:
        c = session.get(Campaign, campaign_id)
        assert c is not None
        session.expunge(c)
        return c, dict(c.campaign_json)


def file_sha(ctx: Atelier, key: str) -> str:
    assert isinstance(ctx.storage, LocalStorage)
    return hashlib.sha256(ctx.storage.local_path(key).read_bytes()).hexdigest()


def creative(cj: dict[str, Any]) -> dict[str, Any]:
    """What a round trip keeps: prompts, roles, durations, seeds, style, variation, names."""
    keep = ("role", "duration", "background_prompt", "scene_id", "seed")
    return {
        "scenes": [{k: s.get(k) for k in keep} for s in cj["scenes"]],
        **{k: cj[k] for k in ("style_spec", "selected_variation_index", "perfume_name", "brand_name")},
    }


def hashes(ctx: Atelier, cj: dict[str, Any]) -> list[str]:
    return [file_sha(ctx, s["video_key"]) for s in cj["scenes"]] + [file_sha(ctx, cj["audio_url"])]


def test_round_trip_through_a_zip(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    original, cj = row(ctx, demo)
    result = export_campaign(ctx, demo, tmp_path / "campaign.zip")
    folder = f"brands/{original.brand_id}/perfumes/{original.perfume_id}/campaigns/{demo}/"
    v0 = folder + "variations/variation_0/"
    expected = [f"{v0}draft/scene_{i}_bg.mp4" for i in (1, 2, 3)]
    expected += [f"{v0}final_video.mp4", f"{v0}audio/music_bed.wav", folder + "campaign.json"]
    assert [f.name for f in result.files] == expected
    with zipfile.ZipFile(tmp_path / "campaign.zip") as archive:
        assert sorted(archive.namelist()) == sorted(expected)
        doc = json.loads(archive.read(folder + "campaign.json"))
    assert doc["audio_url"] == "variations/variation_0/audio/music_bed.wav"
    assert doc["campaign_name"] == original.name and "final_video_key" not in doc
    assert not any("video_key" in s for s in doc["scenes"])
    parse(json.dumps(doc).encode())  # what an export writes, an import reads
    by_name = {f.name: f.sha256 for f in result.files}
    assert [by_name[n] for n in expected[:3]] == [file_sha(ctx, s["video_key"]) for s in cj["scenes"]]

    imported = import_campaign(ctx, tmp_path / "campaign.zip")
    copy, copy_cj = row(ctx, imported.campaign_id)
    assert copy.id != original.id and (copy.name, copy.brand_id) == (original.name, original.brand_id)
    assert creative(copy_cj) == creative(cj)
    assert hashes(ctx, copy_cj) == hashes(ctx, cj)
    finals = versions.list_final_versions(ctx, imported.campaign_id)
    same_final = file_sha(ctx, cj["final_video_key"])
    assert [hashlib.sha256(Path(f.video_url).read_bytes()).hexdigest() for f in finals] == [same_final] * 2


def test_round_trip_through_a_folder_after_an_edit(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    edit_scene(ctx, demo, 1, "add rose petals and make it warmer")
    _, cj = row(ctx, demo)
    assert "_v2_" in cj["scenes"][1]["video_key"]
    result = export_campaign(ctx, demo, tmp_path / "out")
    scene_2 = next(f for f in result.files if f.name.endswith("draft/scene_2_bg.mp4"))
    assert scene_2.sha256 == file_sha(ctx, cj["scenes"][1]["video_key"]), "the current version is exported"
    assert (tmp_path / "out" / scene_2.name).is_file()
    imported = import_campaign(ctx, tmp_path / "out")
    _, copy_cj = row(ctx, imported.campaign_id)
    assert creative(copy_cj) == creative(cj)
    assert "rose petals" in copy_cj["scenes"][1]["background_prompt"]
    assert hashes(ctx, copy_cj) == hashes(ctx, cj)
    assert [s.edit_count for s in campaigns.list_scenes(ctx, imported.campaign_id)] == [0, 0, 0]


def test_an_empty_folder_may_be_the_target(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert len(export_campaign(ctx, demo, tmp_path / "empty").files) == 6


@pytest.mark.parametrize(
    ("target", "brand", "error", "message"),
    [
        ("new.zip", "Nobody", NotFoundError, "Brand Nobody not found"),
        ("new.zip", "Other House", NotFoundError, "Campaign {cid} not found"),
        ("taken.zip", None, InputError, "taken.zip: it exists (choose a new file name)"),
        ("full", None, InputError, "full: it exists and is not an empty folder"),
        ("a-file", None, InputError, "a-file: it exists and is not an empty folder"),
        ("missing/new.zip", None, InputError, "missing is not a folder"),
    ],
)
def test_refused_exports_write_nothing(
    ctx: Atelier, demo: str, tmp_path: Path, target: str, brand: str | None, error: type, message: str
) -> None:
    from editing.demo import create_demo_campaign

    create_demo_campaign(ctx, scenes=1, scene_duration=1.0, brand="Other House")
    (tmp_path / "taken.zip").write_bytes(b"mine")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    (tmp_path / "a-file").write_text("mine")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "data" not in p.parts)
    with pytest.raises(error) as refused:
        export_campaign(ctx, demo, tmp_path / target, brand=brand)
    assert message.format(cid=demo) in str(refused.value)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "data" not in p.parts) == before
    assert (tmp_path / "taken.zip").read_bytes() == b"mine"


def test_unknown_campaign(ctx: Atelier, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="Campaign 00000000-0000-0000-0000-000000000000 not found"):
        export_campaign(ctx, "00000000-0000-0000-0000-000000000000", tmp_path / "x.zip")
    with pytest.raises(NotFoundError, match="Campaign nope not found"):
        export_campaign(ctx, "nope", tmp_path / "x.zip")


def test_a_file_changed_since_it_was_stored_stops_the_export(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    _, cj = row(ctx, demo)
    assert isinstance(ctx.storage, LocalStorage)
    path = ctx.storage.local_path(cj["scenes"][2]["video_key"])
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    for target in ("out.zip", "out"):
        with pytest.raises(CorruptFileError, match=r"scene_3_bg\.mp4 changed since it was stored"):
            export_campaign(ctx, demo, tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"], "no zip, no folder, no part file"

"""A campaign with several variations imports, exports and re-imports whole: every variation_{v}
folder campaign.json lists, each checked, all or nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from editing import maintenance, variations, versions
from editing.context import Atelier
from editing.db.models import Campaign
from editing.errors import CampaignImportError
from editing.pipeline import edit_scene
from editing.storage.local import LocalStorage
from editing.transfer import export_campaign, import_campaign
from tests.seed_campaigns import Clips, Snapshot, lay_out, seed_doc, zip_folder


def _two(root: Path, clips: Clips, **fields: Any) -> Path:
    """A two-scene campaign with two variations: different prompts and clips, variation 1 selected."""
    base = seed_doc([1.0, 1.0])
    other = [{**s, "background_prompt": s["background_prompt"] + ", at dusk"} for s in base["scenes"]]
    doc = seed_doc([1.0, 1.0], selected_variation_index=1, **fields)
    doc["variations"] = [{"scenes": base["scenes"]}, {"scenes": other}]
    doc["scenes"] = other
    lay_out(root, doc, [clips.canonical, clips.landscape], audio=clips.music, variation=0)
    lay_out(root, doc, [clips.portrait, clips.canonical], final=clips.final, variation=1)
    return root


def _sha(ctx: Atelier, key: str) -> str:
    assert isinstance(ctx.storage, LocalStorage)
    return hashlib.sha256(ctx.storage.local_path(key).read_bytes()).hexdigest()


def _look(ctx: Atelier, cid: str) -> list[tuple[Any, ...]]:
    """Per variation: selected, prompts, durations and every scene file's SHA-256."""
    out = []
    for v in variations.list_variations(ctx, cid):
        scenes = _view(ctx, cid, v.index)["scenes"]
        files = [_sha(ctx, s["video_key"]) for s in scenes]
        out.append((v.index, v.selected, v.prompts, [s["duration"] for s in scenes], files))
    return out


def _view(ctx: Atelier, cid: str, v: int) -> dict[str, Any]:
    with ctx.db.Session() as session:
        row = session.get(Campaign, cid)
        assert row is not None
        return variations.view(row.campaign_json, v)


def test_every_variation_is_imported_and_round_trips(ctx: Atelier, tmp_path: Path, clips: Clips) -> None:
    result = import_campaign(ctx, zip_folder(_two(tmp_path / "two", clips), tmp_path / "two.zip"))
    assert (result.variations, result.variation, result.kept_final) == (2, 1, True)
    cid = result.campaign_id
    first = _look(ctx, cid)
    assert [(v[0], v[1]) for v in first] == [(0, False), (1, True)]
    assert first[1][2][0].endswith(", at dusk") and not first[0][2][0].endswith(", at dusk")
    assert first[0][4] != first[1][4]  # different clips, each in its own folder
    assert "/variations/variation_0/" in _view(ctx, cid, 0)["scenes"][0]["video_key"]
    assert [len(versions.list_final_versions(ctx, cid, variation=v)) for v in (0, 1)] == [1, 2]
    music = [_view(ctx, cid, v)["audio_url"] for v in (0, 1)]
    assert "/variation_1/audio/" in music[1] and "/variation_0/audio/" in music[0]  # the music is both's
    assert maintenance.gc(ctx, dry_run=True, older_than_s=0).files == []  # every variation's files are kept
    assert all(check.ok for check in maintenance.verify(ctx, cid))

    edit_scene(ctx, cid, 1, "make it brighter", variation=0)
    edited = _look(ctx, cid)
    exported = export_campaign(ctx, cid, tmp_path / "out.zip")
    names = {f.name.split("/variations/")[-1] for f in exported.files}
    assert {"variation_0/draft/scene_2_bg.mp4", "variation_1/draft/scene_2_bg.mp4"} <= names
    again = import_campaign(ctx, tmp_path / "out.zip")
    assert again.variations == 2 and _look(ctx, again.campaign_id) == edited


def test_a_single_variation_campaign_exports_without_a_variations_list(
    ctx: Atelier, demo: str, tmp_path: Path
) -> None:
    exported = export_campaign(ctx, demo, tmp_path / "one")
    assert not any("variation_1" in f.name for f in exported.files)
    assert import_campaign(ctx, tmp_path / "one").variations == 1


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("missing", r"there is no .*variations/variation_1/draft/scene_2_bg\.mp4"),
        ("not-video", r"scene 1 \(.*variation_1/draft/scene_1_bg\.mp4\)"),
        ("count", r"variations\[1\]\.scenes has 1 scenes; every variation has the campaign's 2"),
        ("selected", r"selected_variation_index is 2, but variations lists 2"),
    ],
)
def test_a_bad_variation_refuses_the_whole_campaign(
    ctx: Atelier, tmp_path: Path, clips: Clips, everything: Callable[[], Snapshot], spoil: str, message: str
) -> None:
    folder = _two(tmp_path / "bad", clips)
    v1 = folder / "variations/variation_1/draft"
    doc = json.loads((folder / "campaign.json").read_text())
    if spoil == "missing":
        (v1 / "scene_2_bg.mp4").unlink()
    elif spoil == "not-video":
        shutil.copyfile(clips.text, v1 / "scene_1_bg.mp4")
    elif spoil == "count":
        doc["variations"][1]["scenes"] = doc["variations"][1]["scenes"][:1]
    else:
        doc["selected_variation_index"] = 2
    (folder / "campaign.json").write_text(json.dumps(doc))
    before = everything()
    with pytest.raises(CampaignImportError, match=message):
        import_campaign(ctx, folder)
    assert everything() == before

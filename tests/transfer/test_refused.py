"""Every bad input is refused with one line naming what is wrong, and nothing of the campaign is stored:
no campaign, brand or perfume row, no version, no file, no file record."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from editing.context import Atelier
from editing.errors import CampaignImportError
from editing.transfer import import_campaign, import_upload
from tests.seed_campaigns import Clips, Snapshot, lay_out, seed_doc, zip_folder

Case = Callable[[Path, Clips], Path]


def good(root: Path, clips: Clips, **fields: Any) -> Path:
    """A valid two-scene campaign folder, ``fields`` changed in its campaign.json."""
    return lay_out(
        root / "good", seed_doc([1.0, 1.0], **fields), [clips.canonical, clips.landscape], audio=clips.music
    )


def with_doc(doc: dict[str, Any] | str) -> Case:
    def make(root: Path, clips: Clips) -> Path:
        return lay_out(root / "c", doc, [clips.canonical, clips.landscape], audio=clips.music)

    return make


def scene(index: int, data: Callable[[Clips, Path], bytes]) -> Case:
    """A good campaign whose scene ``index`` (0-based) holds other bytes."""

    def make(root: Path, clips: Clips) -> Path:
        folder = good(root, clips)
        (folder / f"variations/variation_0/draft/scene_{index + 1}_bg.mp4").write_bytes(data(clips, root))
        return folder

    return make


def music(data: Callable[[Clips], bytes]) -> Case:
    def make(root: Path, clips: Clips) -> Path:
        folder = good(root, clips)
        (folder / "variations/variation_0/audio/music_bed.wav").write_bytes(data(clips))
        return folder

    return make


def zipped(*extra: tuple[zipfile.ZipInfo | str, bytes], packing: int = zipfile.ZIP_STORED) -> Case:
    """A good campaign zipped, with ``extra`` members added."""

    def make(root: Path, clips: Clips) -> Path:
        archive = zip_folder(good(root, clips), root / "campaign.zip")
        with zipfile.ZipFile(archive, "a") as z:
            for info, data in extra:
                z.writestr(info, data, compress_type=packing)
        return archive

    return make


def symlink_member(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def png(clips: Clips, root: Path) -> bytes:
    from tests.media.test_media import ff

    ff("-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(root / "still.png"))
    return (root / "still.png").read_bytes()


def fewer_files(root: Path, clips: Clips) -> Path:
    return lay_out(
        root / "c", seed_doc([1.0, 1.0, 1.0]), [clips.canonical, clips.canonical], audio=clips.music
    )


def more_files(root: Path, clips: Clips) -> Path:
    return lay_out(root / "c", seed_doc([1.0, 1.0]), [clips.canonical] * 3, audio=clips.music)


def no_campaign_json(root: Path, clips: Clips) -> Path:
    folder = good(root, clips)
    (folder / "campaign.json").unlink()
    return folder


def two_campaigns(root: Path, clips: Clips) -> Path:
    lay_out(root / "two" / "a", seed_doc([1.0]), [clips.canonical])
    lay_out(root / "two" / "b", seed_doc([1.0]), [clips.canonical])
    return root / "two"


def linked_scene(root: Path, clips: Clips) -> Path:
    folder = good(root, clips)
    target = folder / "variations/variation_0/draft/scene_1_bg.mp4"
    target.unlink()
    target.symlink_to(clips.canonical)
    return folder


def piped_scene(root: Path, clips: Clips) -> Path:
    folder = good(root, clips)
    target = folder / "variations/variation_0/draft/scene_2_bg.mp4"
    target.unlink()
    os.mkfifo(target)  # reading it would wait for a writer forever
    return folder


def huge_json(root: Path, clips: Clips) -> Path:
    return with_doc(json.dumps(seed_doc([1.0, 1.0], padding="x" * 1_100_000)))(root, clips)


def not_a_zip(root: Path, clips: Clips) -> Path:
    fake = root / "campaign.zip"
    shutil.copyfile(clips.text, fake)
    return fake


CASES: dict[str, tuple[Case, str]] = {
    # the zip itself
    "zip: ../ path": (zipped(("../evil.txt", b"x")), "holds an unsafe path '../evil.txt'"),
    "zip: ../ deeper": (zipped(("variations/../../evil.txt", b"x")), "unsafe path"),
    "zip: absolute path": (zipped(("/tmp/evil.txt", b"x")), "holds an unsafe path '/tmp/evil.txt'"),
    "zip: windows path": (zipped(("..\\evil.txt", b"x")), "unsafe path"),
    "zip: drive letter": (zipped(("C:/evil.txt", b"x")), "unsafe path"),
    "zip: symbolic link": (zipped(symlink_member("variations/link", "/etc/passwd")), "symbolic link"),
    "zip: bomb by ratio": (
        zipped(("padding.bin", bytes(3 * 2**20)), packing=zipfile.ZIP_DEFLATED),
        "campaign.zip holds padding.bin, which unpacks to 1,0",
    ),
    "zip: not a zip": (not_a_zip, "campaign.zip is not a readable zip file"),
    # campaign.json
    "json: missing": (no_campaign_json, "holds no campaign.json"),
    "json: two campaigns": (two_campaigns, "holds 2 campaign.json files"),
    "json: too big": (huge_json, "a campaign.json is at most 1,048,576"),
    "json: malformed": (
        with_doc('{"perfume_name": "x", "scenes": [}'),
        "is not valid JSON: Expecting value at line 1",
    ),
    "json: a list": (with_doc("[1, 2]"), "must be a JSON object"),
    "json: NaN": (
        with_doc(json.dumps(seed_doc([1.0, 1.0])).replace("1.0", "NaN", 1)),
        "NaN is not a JSON number",
    ),
    "field: perfume_name missing": (
        with_doc(seed_doc([1.0, 1.0], perfume_name=None)),
        "perfume_name is missing",
    ),
    "field: scenes missing": (with_doc(seed_doc([1.0, 1.0], scenes=None)), "scenes is missing"),
    "field: style_spec missing": (with_doc(seed_doc([1.0, 1.0], style_spec=None)), "style_spec is missing"),
    "field: a scene's duration missing": (
        with_doc(seed_doc([1.0, 1.0], scenes=[{"role": "hook", "background_prompt": "p"}] * 2)),
        "scenes[0].duration is missing",
    ),
    "field: a scene's prompt missing": (
        with_doc(seed_doc([1.0, 1.0], scenes=[{"role": "hook", "duration": 1}] * 2)),
        "scenes[0].background_prompt is missing",
    ),
    "field: a scene's role missing": (
        with_doc(seed_doc([1.0, 1.0], scenes=[{"duration": 1, "background_prompt": "p"}] * 2)),
        "scenes[0].role is missing",
    ),
    "type: duration as text": (
        with_doc(
            seed_doc([1.0, 1.0], scenes=[{"role": "hook", "duration": "4", "background_prompt": "p"}] * 2)
        ),
        "scenes[0].duration must be a number of seconds, not a string",
    ),
    "type: duration as true": (
        with_doc(
            seed_doc([1.0, 1.0], scenes=[{"role": "hook", "duration": True, "background_prompt": "p"}] * 2)
        ),
        "must be a number of seconds, not true/false",
    ),
    "type: scenes as an object": (
        with_doc(seed_doc([1.0], scenes={"0": {}})),
        "scenes must be a list, not an object",
    ),
    "type: a scene as text": (
        with_doc(seed_doc([1.0], scenes=["hook"])),
        "scenes[0] must be an object, not a string",
    ),
    "type: style_spec as a list": (
        with_doc(seed_doc([1.0], style_spec=["gold"])),
        "style_spec must be an object",
    ),
    "type: palette of numbers": (
        with_doc(seed_doc([1.0], style_spec={"color_palette": [1, 2]})),
        "style_spec.color_palette[0] must be text, not a number",
    ),
    "type: perfume_name as a number": (
        with_doc(seed_doc([1.0], perfume_name=7)),
        "perfume_name must be text",
    ),
    "type: prompt as a list": (
        with_doc(seed_doc([1.0], scenes=[{"role": "hook", "duration": 1, "background_prompt": ["p"]}])),
        "scenes[0].background_prompt must be text, not a list",
    ),
    "type: variation as text": (
        with_doc(seed_doc([1.0], selected_variation_index="0")),
        "must be a whole number",
    ),
    "type: scene_id as text": (
        with_doc(
            seed_doc([1.0], scenes=[{"role": "h", "duration": 1, "background_prompt": "p", "scene_id": "x"}])
        ),
        "scenes[0].scene_id must be a whole number",
    ),
    "range: negative duration": (
        with_doc(seed_doc([1.0, -2])),
        "scenes[1].duration is -2; a scene lasts between 0.5 and 60",
    ),
    "range: zero duration": (with_doc(seed_doc([1.0, 0])), "scenes[1].duration is 0;"),
    "range: absurd duration": (with_doc(seed_doc([1.0, 3600])), "scenes[1].duration is 3600;"),
    "range: 21 scenes": (
        with_doc(seed_doc([1.0] * 21)),
        "scenes has 21 scenes; a campaign has between 1 and 20",
    ),
    "range: no scenes": (with_doc(seed_doc([])), "scenes has 0 scenes"),
    "range: variation -1": (
        with_doc(seed_doc([1.0], selected_variation_index=-1)),
        "is -1; it must be between 0 and 99",
    ),
    "range: empty prompt": (
        with_doc(seed_doc([1.0], scenes=[{"role": "hook", "duration": 1, "background_prompt": "  "}])),
        "scenes[0].background_prompt is empty",
    ),
    "name: perfume_name too long": (
        with_doc(seed_doc([1.0], perfume_name="p" * 201)),
        "perfume_name is 201 characters; the limit is 200",
    ),
    "name: brand_name too long": (
        with_doc(seed_doc([1.0], brand_name="b" * 201)),
        "brand_name is 201 characters",
    ),
    "name: campaign_name too long": (
        with_doc(seed_doc([1.0], campaign_name="c" * 300)),
        "campaign_name is 300 characters",
    ),
    "name: two lines": (
        with_doc(seed_doc([1.0], campaign_name="spring\nlaunch")),
        "campaign_name must be one line",
    ),
    "name: role too long": (
        with_doc(seed_doc([1.0], scenes=[{"role": "r" * 201, "duration": 1, "background_prompt": "p"}])),
        "scenes[0].role is 201 characters",
    ),
    "name: no brand anywhere": (with_doc(seed_doc([1.0, 1.0], brand_name=None)), "names no brand_name"),
    # the files
    "files: fewer scene files": (
        fewer_files,
        "campaign.json has 3 scenes, but there is no variations/variation_0/draft/scene_3_bg.mp4",
    ),
    "files: more scene files": (
        more_files,
        "campaign.json has 2 scenes, but variations/variation_0/draft/ holds 3 scene files",
    ),
    "files: a scene linked elsewhere": (linked_scene, "/good is a symbolic link: refused"),
    "files: a scene that is a pipe": (piped_scene, "/good is not a regular file: refused"),
    "scene: text": (
        scene(1, lambda c, r: c.text.read_bytes()),
        "scene 2 (variations/variation_0/draft/scene_2_bg.mp4): ",
    ),
    "scene: empty": (
        scene(0, lambda c, r: b""),
        "scene 1 (variations/variation_0/draft/scene_1_bg.mp4): scene_1_bg.mp4 is empty",
    ),
    "scene: audio only": (scene(1, lambda c, r: c.music.read_bytes()), "has no video stream (audio only)"),
    "scene: a still image": (scene(1, png), "is a still image"),
    "scene: truncated": (scene(1, lambda c, r: c.portrait.read_bytes()[:20_000]), "scene 2 ("),
    "scene: html": (scene(0, lambda c, r: b"<!doctype html><html>403 Forbidden</html>"), "is an HTML page"),
    "music: text": (
        music(lambda c: c.text.read_bytes()),
        "music (variations/variation_0/audio/music_bed.wav): ",
    ),
    "music: a video": (
        music(lambda c: c.landscape.read_bytes()),
        "music_bed.wav is a video (h264), not audio",
    ),
    "music: empty": (music(lambda c: b""), "music_bed.wav is empty or missing, not audio"),
    "music: truncated": (
        music(lambda c: c.mp3.read_bytes()[:300]),
        "music (variations/variation_0/audio/music_bed.wav)",
    ),
    "music: not there": (
        with_doc(seed_doc([1.0, 1.0], audio_url="variations/variation_0/audio/other.wav")),
        "audio_url names variations/variation_0/audio/other.wav, which is not there",
    ),
    "music: outside the folder": (
        with_doc(seed_doc([1.0, 1.0], audio_url="../../music.wav")),
        "is not a file in the campaign's folder",
    ),
    "music: absolute": (
        with_doc(seed_doc([1.0, 1.0], audio_url="/etc/passwd")),
        "is not a file in the campaign's folder",
    ),
    "music: a web page": (
        with_doc(seed_doc([1.0, 1.0], audio_url="https://cdn.example.com/track.mp3")),
        "is not a file in the campaign's folder",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_and_nothing_stored(
    name: str, ctx: Atelier, tmp_path: Path, clips: Clips, everything: Callable[[], Snapshot]
) -> None:
    make, expected = CASES[name]
    source = make(tmp_path, clips)
    before = everything()
    with pytest.raises(CampaignImportError) as refused:
        import_campaign(ctx, source)
    message = str(refused.value)
    assert expected in message, message
    assert "\n" not in message and len(message) < 400, message
    assert everything() == before
    assert not any(ctx.settings.tmp_dir.iterdir()), "work files are removed"


def test_not_utf8_json_is_refused(ctx: Atelier, tmp_path: Path, clips: Clips) -> None:
    folder = good(tmp_path, clips)
    (folder / "campaign.json").write_bytes(b'{"perfume_name": "\xff\xfe"}')
    with pytest.raises(CampaignImportError, match=r"campaign\.json is not UTF-8 text"):
        import_campaign(ctx, folder)


def test_a_zip_over_the_size_cap_is_refused_before_unpacking(
    make_settings: Any, tmp_path: Path, clips: Clips, everything: Callable[[], Snapshot]
) -> None:
    small = Atelier.open(make_settings(ATELIER_IMPORT_MAX_MB="1"))
    try:
        archive = zipped(("variations/padding.bin", os.urandom(2**20)))(tmp_path, clips)
        before = everything()
        with pytest.raises(CampaignImportError) as refused:
            import_campaign(small, archive)
        assert re.search(
            r"unpacks to \d\.\d MB, over the import limit of 1 MB \(ATELIER_IMPORT_MAX_MB\)",
            str(refused.value),
        )
        assert everything() == before
        with archive.open("rb") as upload, pytest.raises(CampaignImportError, match="import limit of 1 MB"):
            import_upload(small, "campaign.zip", upload)  # an upload, too
        folder = good(tmp_path / "f", clips)  # and a folder whose files weigh more than the cap
        (folder / "variations/variation_0/draft/scene_1_bg.mp4").write_bytes(os.urandom(2**20 + 1))
        with pytest.raises(
            CampaignImportError, match=r"the campaign's files weigh \d\.\d MB, over the import limit"
        ):
            import_campaign(small, folder)
    finally:
        small.close()


def test_the_ratio_cap_is_a_setting(make_settings: Any, tmp_path: Path, clips: Clips) -> None:
    lax = Atelier.open(make_settings(ATELIER_IMPORT_MAX_RATIO="1032"))
    try:
        archive = zipped(("padding.bin", bytes(3 * 2**20)), packing=zipfile.ZIP_DEFLATED)(tmp_path, clips)
        assert import_campaign(lax, archive).scenes == 2  # 3 MiB of zeros pack about 1000:1: allowed here
    finally:
        lax.close()


def test_a_path_that_does_not_exist(ctx: Atelier, tmp_path: Path) -> None:
    with pytest.raises(CampaignImportError, match="does not exist"):
        import_campaign(ctx, tmp_path / "nowhere")


def declare_smaller(archive: Path, member: str, size: int) -> None:
    """Rewrite the zip's headers so ``member`` claims to unpack to ``size`` bytes (a lying header)."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        local, central = z.getinfo(member).header_offset, z.start_dir  # type: ignore[attr-defined]
    struct.pack_into("<I", data, local + 22, size)
    while data[central : central + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, central + 24, size)
        central += 46 + name_len + extra_len + comment_len
    archive.write_bytes(data)


def test_a_member_larger_than_its_header_says_is_refused(
    ctx: Atelier, tmp_path: Path, clips: Clips, everything: Callable[[], Snapshot]
) -> None:
    archive = zip_folder(good(tmp_path, clips), tmp_path / "campaign.zip")
    declare_smaller(archive, "variations/variation_0/draft/scene_1_bg.mp4", 1000)
    before = everything()
    with pytest.raises(CampaignImportError) as refused:
        import_campaign(ctx, archive)
    assert "scene_1_bg.mp4 in" in str(refused.value) and "cannot be unpacked" in str(refused.value)
    assert everything() == before

"""`python -m editing upload / music / product-image`: real subprocesses, JSON out, one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image

from tests.media.test_media import ff, ffprobe
from tests.test_cli import cli  # noqa: F401  (the fixture)


def test_upload_music_and_product_image(cli: Any, tmp_path: Path) -> None:  # noqa: F811
    cid = json.loads(cli("demo", "--scenes", "2", "--json").stdout)["campaign_id"]
    clip, song, shot = tmp_path / "take.mov", tmp_path / "song.m4a", tmp_path / "bottle.png"
    ff(
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=640x360:r=25:d=1.5",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(clip),
    )
    ff("-f", "lavfi", "-i", "sine=f=500:d=3", "-c:a", "aac", str(song))
    Image.new("RGB", (300, 400), (150, 20, 60)).save(shot)

    up = json.loads(cli("upload", cid, "1", str(clip), "--json").stdout)
    assert up["cost"] == 0.0 and "take.mov" in up["changes_summary"]
    versions = json.loads(cli("versions", cid, "1", "--json").stdout)
    assert [v["method"] for v in versions] == ["original", "upload"] and versions[-1]["duration"] == 1.5
    fitted = json.loads(cli("upload", cid, "0", str(clip), "--fit-scene", "--json").stdout)
    assert fitted["cost"] == 0.0

    music = json.loads(cli("music", cid, str(song), "--json").stdout)
    assert music["cost"] == 0.0 and music["fitted"] in {"looped", "cut", "as it is"}
    length = float(ffprobe(Path(music["audio_url"]))["format"]["duration"])
    assert abs(length - music["ad_seconds"]) < 0.01
    final = ffprobe(Path(music["final_video_url"]))
    assert sorted(s["codec_type"] for s in final["streams"]) == ["audio", "video"]

    product = json.loads(cli("product-image", cid, str(shot), "--json").stdout)
    assert product["format"] == "PNG" and product["colours"][0] == "#96143c"

    for args in (
        ("upload", cid, "0", str(song)),
        ("music", cid, str(clip)),
        ("product-image", cid, str(song)),
    ):
        refused = cli(*args, "--json", ok=False)
        assert refused.returncode != 0 and refused.stdout == ""
        assert refused.stderr.startswith("error: ") and refused.stderr.count("\n") == 1
    missing = cli("music", cid, str(tmp_path / "nope.mp3"), ok=False)
    assert "nope.mp3 is not a file" in missing.stderr

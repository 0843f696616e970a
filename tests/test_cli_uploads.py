"""`python -m editing upload / music / product-image`: the CLI's own entry point, JSON out, one-line refusals.

Run in this process (``editing.cli.main``, exactly what ``python -m editing`` calls) on the test's
database, to spare five interpreter starts; tests/test_cli.py runs the same entry point as subprocesses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from editing.cli import main
from editing.config import ENV_FIELDS
from tests.conftest import FAST_ENV
from tests.media.test_media import ff, ffprobe


@pytest.fixture
def run(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    for k, v in {
        **FAST_ENV,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(k, v)

    def cli(*args: str, code: int = 0) -> tuple[str, str]:
        assert main(list(args)) == code
        captured = capsys.readouterr()
        return captured.out, captured.err

    return cli


def test_upload_music_and_product_image(run: Any, tmp_path: Path) -> None:
    cid = json.loads(run("demo", "--scenes", "1", "--json")[0])["campaign_id"]
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

    up = json.loads(run("upload", cid, "0", str(clip), "--fit-scene", "--json")[0])
    assert up["cost"] == 0.0 and "take.mov" in up["changes_summary"]
    assert abs(float(ffprobe(Path(up["new_scene_url"]))["format"]["duration"]) - 4.0) < 0.1  # fitted
    versions = json.loads(run("versions", cid, "0", "--json")[0])
    assert [v["method"] for v in versions] == ["original", "upload"]

    music = json.loads(run("music", cid, str(song), "--json")[0])
    assert (music["cost"], music["fitted"], music["ad_seconds"]) == (0.0, "looped", 4.0)
    assert abs(float(ffprobe(Path(music["audio_url"]))["format"]["duration"]) - 4.0) < 0.01
    final = ffprobe(Path(music["final_video_url"]))
    assert sorted(s["codec_type"] for s in final["streams"]) == ["audio", "video"]

    product = json.loads(run("product-image", cid, str(shot), "--json")[0])
    assert product["format"] == "PNG" and product["colours"][0] == "#96143c"

    out, err = run("music", cid, str(clip), "--json", code=2)
    assert out == "" and err == "error: take.mov is a video (h264), not audio\n"
    out, err = run("upload", cid, "0", str(tmp_path / "nope.mp4"), code=2)
    assert out == "" and err == f"error: {tmp_path / 'nope.mp4'} is not a file\n"

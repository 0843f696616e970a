"""Replace a scene with an uploaded clip: any common format, normalized, a $0 version with its edit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from editing import campaigns, media, versions
from editing.context import Atelier
from editing.errors import ConflictError, UploadError
from editing.uploads import replace_scene, stage
from tests.media.test_media import ff, ffprobe

LAVFI = ("-f", "lavfi", "-i")


def _clip(path: Path, source: str, *codec: str) -> Path:
    ff(*LAVFI, source, *codec, str(path))
    return path


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("uploads")
    x264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
    return {
        "mov": _clip(d / "beach take 3.mov", "testsrc2=s=1280x720:r=25:d=2", *x264),
        "webm": _clip(
            d / "phone.webm", "testsrc2=s=480x640:r=30:d=1.5", "-c:v", "libvpx-vp9", "-b:v", "200k"
        ),
        "mkv": _clip(d / "long.mkv", "testsrc2=s=320x240:r=15:d=3", *x264),
    }


def _upload(ctx: Atelier, cid: str, scene: int, path: Path, **kw: object) -> dict[str, object]:
    with path.open("rb") as f:
        return replace_scene(ctx, cid, scene, path.name, f, **kw)  # type: ignore[arg-type]


def _canonical(path: Path, ctx: Atelier, seconds: float) -> None:
    info = ffprobe(path)
    (video,) = [s for s in info["streams"] if s["codec_type"] == "video"]
    fmt = ctx.video_format
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", fmt.width, fmt.height)
    assert video["r_frame_rate"] == f"{fmt.fps}/1"
    assert float(info["format"]["duration"]) == pytest.approx(seconds, abs=1.5 / fmt.fps)
    assert media.canonical_mismatch(path, fmt) is None


def test_a_mov_upload_keeps_its_length_and_is_a_free_version(
    ctx: Atelier, demo: str, uploads: dict[str, Path]
) -> None:
    result = _upload(ctx, demo, 1, uploads["mov"])
    assert result["cost"] == 0.0 and "beach take 3.mov" in str(result["changes_summary"])
    listed = versions.list_scene_versions(ctx, demo, 1)
    assert [(v.method, v.cost, v.current) for v in listed] == [
        ("original", 0.0, False),
        ("upload", 0.0, True),
    ]
    assert listed[-1].duration == pytest.approx(2.0)
    _canonical(Path(listed[-1].video_url), ctx, 2.0)
    final = Path(str(result["new_video_url"]))
    _canonical(final, ctx, 1 + 2 + 1)  # the demo's 1 s scenes, the upload's 2 s
    assert media.probe(final).has_audio  # the music follows the new length
    record = campaigns.get_history(ctx, demo)[-1]
    assert (record.method, record.cost, record.status, record.scene_index) == ("upload", 0.0, "completed", 1)
    assert len(versions.list_final_versions(ctx, demo)) == 2
    assert campaigns.list_scenes(ctx, demo)[1].background_prompt == listed[0].prompt  # the prompt stays


def test_a_webm_upload_fitted_to_the_scene_and_an_mkv_cut_to_it(
    ctx: Atelier, demo: str, uploads: dict[str, Path], tmp_path: Path
) -> None:
    _upload(ctx, demo, 0, uploads["webm"], fit="scene")  # 1.5 s cut to the scene's 1 s
    _upload(ctx, demo, 2, uploads["mkv"], fit="scene")  # 3 s, 320x240 15 fps
    for scene in (0, 2):
        latest = versions.list_scene_versions(ctx, demo, scene)[-1]
        assert (latest.method, latest.duration) == ("upload", 1.0)
        _canonical(Path(latest.video_url), ctx, 1.0)
    final = versions.list_final_versions(ctx, demo)[-1]
    _canonical(Path(final.video_url), ctx, 3.0)
    talking = tmp_path / "talking.mp4"  # 1.5 s of picture, 3 s of sound: the scene is the picture's length
    ff(*LAVFI, "testsrc2=s=320x240:r=24:d=1.5", *LAVFI, "sine=d=3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
       "-c:a", "aac", str(talking))  # fmt: skip
    _upload(ctx, demo, 1, talking)
    assert versions.list_scene_versions(ctx, demo, 1)[-1].duration == 1.5


def _state(ctx: Atelier, cid: str) -> tuple[object, ...]:
    files = sorted(p for p in ctx.settings.media_dir.rglob("*") if p.is_file())
    return (campaigns.campaign_overview(ctx, cid), campaigns.get_history(ctx, cid), files)


BAD = [
    ("notes.mp4", b"just some notes, not a video\n" * 40, "not a video|does not decode|Invalid data"),
    ("empty.mov", b"", "empty"),
    ("page.webm", b"<!doctype html><html><body>Not found</body></html>", "HTML page"),
]


def test_bad_files_are_refused_and_nothing_is_stored(ctx: Atelier, demo: str) -> None:
    before = _state(ctx, demo)
    for name, content, error in BAD:
        with pytest.raises(UploadError, match=error) as caught:
            replace_scene(ctx, demo, 0, name, io.BytesIO(content))
        assert name in str(caught.value) and "\n" not in str(caught.value)
    assert _state(ctx, demo) == before


def test_corrupt_too_short_too_long_and_too_big_are_refused(
    ctx: Atelier, demo: str, uploads: dict[str, Path], tmp_path: Path, make_settings: object
) -> None:
    before = _state(ctx, demo)
    truncated = uploads["mov"].read_bytes()[:20_000]
    with pytest.raises(UploadError, match=r"cut\.mov"):
        replace_scene(ctx, demo, 0, "cut.mov", io.BytesIO(truncated))
    short = _clip(
        tmp_path / "blink.mp4", "testsrc2=s=320x240:r=25:d=0.2", "-c:v", "libx264", "-pix_fmt", "yuv420p"
    )
    with pytest.raises(UploadError, match=r"at least 0\.5 s"):
        _upload(ctx, demo, 0, short)
    audio = tmp_path / "song.m4a"
    ff(*LAVFI, "sine=d=1", "-c:a", "aac", str(audio))
    with pytest.raises(UploadError, match="no video stream"):
        _upload(ctx, demo, 0, audio)
    long = _clip(
        tmp_path / "long.mp4", "color=c=red:s=64x64:r=2:d=61", "-c:v", "libx264", "-pix_fmt", "yuv420p"
    )
    with pytest.raises(UploadError, match="at most 60 s"):
        _upload(ctx, demo, 0, long)
    assert _state(ctx, demo) == before


def test_the_upload_cap_is_the_import_cap(make_settings: object, tmp_path: Path) -> None:
    small = Atelier.open(make_settings(ATELIER_IMPORT_MAX_MB="1"))  # type: ignore[operator]
    try:
        with pytest.raises(
            UploadError, match=r"big\.mp4 is over the upload limit of 1 MB \(ATELIER_IMPORT_MAX_MB\)"
        ):
            stage(small, "big.mp4", io.BytesIO(b"\0" * (2 << 20)), tmp_path)
        assert stage(small, "../../etc/ok.mp4", io.BytesIO(b"\0" * 1000), tmp_path).parent == tmp_path
    finally:
        small.close()


def test_an_upload_over_a_scene_being_edited_is_refused(
    ctx: Atelier, demo: str, uploads: dict[str, Path]
) -> None:
    from editing.jobs.queue import submit_edit

    submit_edit(ctx, demo, 1, "add rose petals")
    with pytest.raises(ConflictError, match="being edited"):
        _upload(ctx, demo, 1, uploads["mov"])

"""The media layer on real ffmpeg: foreign inputs are made with ffmpeg here and checked with ffprobe."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from editing import media
from editing.errors import InvalidVideoError, RenderError
from editing.media import VideoFormat, render

# Small canonical format so the suite stays fast; one test uses the real 720x1280.
FMT = VideoFormat(width=144, height=256, fps=24)


def ff(*args: str) -> None:
    """Run ffmpeg (the same binary the app uses) to make a test input."""
    subprocess.run([media.ffmpeg_exe(), "-y", "-v", "error", *args], check=True, capture_output=True)


def ffprobe(path: Path, *extra: str) -> dict:
    cmd = [
        media.ffprobe_exe(),
        "-v",
        "error",
        "-of",
        "json",
        "-show_format",
        "-show_streams",
        *extra,
        str(path),
    ]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)


def video_packets(path: Path) -> list[dict]:
    data = ffprobe(path, "-select_streams", "v:0", "-show_entries", "packet=pts,dts,duration,flags")
    return data["packets"]


def top_level_boxes(path: Path) -> list[bytes]:
    kinds, data, pos = [], path.read_bytes(), 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        kinds.append(kind)
        pos += size or len(data)
    return kinds


def canonical_scene(path: Path, colour: str = "red", frames: int = 24, fmt: VideoFormat = FMT) -> Path:
    """A scene as the offline generator writes it: lavfi straight into canonical_video_args."""
    src = f"testsrc2=s={fmt.width}x{fmt.height}:r={fmt.fps},drawbox=c={colour}:t=fill:x=0:y=0:w=iw:h=ih/2"
    ff("-f", "lavfi", "-i", src, "-frames:v", str(frames), *media.canonical_video_args(fmt), "-an", str(path))
    return path


def assert_canonical(path: Path, frames: int, fmt: VideoFormat = FMT) -> None:
    """Everything that lets scenes concat by stream copy and browsers play them, per ffprobe."""
    data = ffprobe(path)
    assert [s["codec_type"] for s in data["streams"]] == ["video"], "exactly one stream, no audio"
    v = data["streams"][0]
    assert (v["codec_name"], v["profile"], v["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (v["width"], v["height"]) == (fmt.width, fmt.height)
    assert v["sample_aspect_ratio"] == "1:1"
    assert int(v["level"]) == media.h264_level(fmt)[1]
    assert (v["color_space"], v["color_primaries"], v["color_transfer"], v["color_range"]) == (
        "bt709", "bt709", "bt709", "tv")  # fmt: skip
    assert v["r_frame_rate"] == v["avg_frame_rate"] == f"{fmt.fps}/1"
    assert v["time_base"] == f"1/{fmt.fps * 512}"
    assert not any("rotation" in sd for sd in v.get("side_data_list", []))
    assert int(v["nb_frames"]) == frames
    packets = video_packets(path)
    assert len(packets) == frames
    assert "K" in packets[0]["flags"], "starts on a keyframe"
    assert {p["duration"] for p in packets} == {512}, "constant frame rate"
    assert sorted(p["pts"] for p in packets) == [512 * i for i in range(frames)]
    assert top_level_boxes(path).index(b"moov") < top_level_boxes(path).index(b"mdat")
    assert media.canonical_mismatch(path, fmt, frames=frames) is None


def middle_frame(path: Path, fmt: VideoFormat = FMT) -> np.ndarray:
    """The middle frame of a video as float RGB."""
    frames = list(media.read_frames(path, size=(fmt.width, fmt.height)))
    return frames[len(frames) // 2].astype(float)


# --- foreign inputs ---------------------------------------------------------------------------

SRC = "testsrc2=s={size}:r={rate}:d=1"
X264 = ["-c:v", "libx264", "-preset", "ultrafast"]

FOREIGN = {
    # name: (file name, ffmpeg args producing it)
    "480p-landscape-30fps-with-audio": (
        "in.mp4",
        ["-f", "lavfi", "-i", SRC.format(size="854x480", rate=30), "-f", "lavfi", "-i", "sine=d=1",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"],
    ),
    "720p-portrait-25fps": (
        "in.mp4", ["-f", "lavfi", "-i", SRC.format(size="720x1280", rate=25), *X264]
    ),
    "1080p-portrait-60fps": (
        "in.mp4", ["-f", "lavfi", "-i", SRC.format(size="1080x1920", rate=60), *X264]
    ),
    "variable-frame-rate": (
        "in.mp4",
        ["-f", "lavfi", "-i", SRC.format(size="320x568", rate=24),
         "-vf", "setpts='(N/24+0.012*sin(N*1.7))/TB'",
         "-fps_mode", "passthrough", "-video_track_timescale", "1000", *X264],
    ),
    "odd-dimensions-ffv1-mkv": (
        "in.mkv", ["-f", "lavfi", "-i", SRC.format(size="321x571", rate=24), "-c:v", "ffv1"]
    ),
    "mjpeg-full-range-avi": (
        "in.avi", ["-f", "lavfi", "-i", SRC.format(size="400x300", rate=15), "-c:v", "mjpeg", "-q:v", "5"]
    ),
    "10bit-hevc-mov": (
        "in.mov",
        ["-f", "lavfi", "-i", SRC.format(size="360x640", rate=30), "-c:v", "libx265", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(FOREIGN))
def test_foreign_input_becomes_canonical(tmp_path: Path, name: str) -> None:
    filename, args = FOREIGN[name]
    src = tmp_path / filename
    ff(*args, str(src))
    dst = tmp_path / "scene.mp4"
    info = media.normalize_scene(src, dst, FMT, duration=1.0)
    assert info.nb_frames == 24
    assert_canonical(dst, frames=24)


def test_variable_frame_rate_input_really_is_vfr(tmp_path: Path) -> None:
    """Guard for the VFR case above: the generated input must not be CFR already."""
    filename, args = FOREIGN["variable-frame-rate"]
    ff(*args, str(tmp_path / filename))
    durations = {p["duration"] for p in video_packets(tmp_path / filename)}
    assert len(durations) > 1


def test_1080p_model_output_to_720x1280(tmp_path: Path) -> None:
    src = tmp_path / "model.mp4"
    ff("-f", "lavfi", "-i", "testsrc2=s=1080x1920:r=30:d=1", "-f", "lavfi", "-i", "sine=d=1",
       "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(src))  # fmt: skip
    real = VideoFormat()
    media.normalize_scene(src, tmp_path / "scene.mp4", real, duration=1.0)
    assert_canonical(tmp_path / "scene.mp4", frames=24, fmt=real)


def test_rotation_metadata_is_applied(tmp_path: Path) -> None:
    """A landscape stream tagged 'rotate 90' is shown portrait: its left/right halves become top/bottom."""
    plain = tmp_path / "plain.mp4"
    ff("-f", "lavfi", "-i", "color=c=white:s=320x180:r=24:d=1,drawbox=x=160:y=0:w=160:h=180:c=black:t=fill",
       "-c:v", "libx264", "-preset", "ultrafast", str(plain))  # fmt: skip
    rotated = tmp_path / "rotated.mp4"
    ff("-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated))
    assert media.probe(rotated).rotation in (90, 270)
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(rotated, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    img = middle_frame(dst).mean(axis=2)
    top, bottom = img[: FMT.height // 2].mean(), img[FMT.height // 2 :].mean()
    left, right = img[:, : FMT.width // 2].mean(), img[:, FMT.width // 2 :].mean()
    assert abs(top - bottom) > 150
    assert abs(left - right) < 30


def test_non_square_pixels_are_honoured(tmp_path: Path) -> None:
    """90x320 stored with SAR 2:1 shows as 180x320 (9:16): nothing may be cropped away."""
    src = tmp_path / "anamorphic.mp4"
    pattern = "color=c=black:s=90x320:r=24:d=1,drawbox=x=0:y=0:w=90:h=80:c=white:t=fill,setsar=2"
    ff("-f", "lavfi", "-i", pattern, *X264, str(src))
    assert media.probe(src).sar == "2:1"
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(src, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    img = middle_frame(dst).mean(axis=2)
    assert img[: int(FMT.height * 0.2)].mean() > 200  # the white top quarter survived
    assert img[int(FMT.height * 0.3) :].mean() < 40


def test_16_9_is_scaled_and_centre_cropped(tmp_path: Path) -> None:
    src = tmp_path / "wide.mp4"
    ff("-f", "lavfi", "-i",
       "color=c=red:s=320x180:r=24:d=1,drawbox=x=107:y=0:w=106:h=180:c=lime:t=fill,"
       "drawbox=x=213:y=0:w=107:h=180:c=blue:t=fill",
       "-c:v", "libx264", "-preset", "ultrafast", str(src))  # fmt: skip
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(src, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    r, g, b = middle_frame(dst).reshape(-1, 3).mean(axis=0)
    assert g > 180 and r < 60 and b < 60


def test_duration_cuts_long_input_and_holds_short_input(tmp_path: Path) -> None:
    src = tmp_path / "one_second.mp4"
    ff(
        "-f",
        "lavfi",
        "-i",
        SRC.format(size="320x568", rate=30),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(src),
    )
    media.normalize_scene(src, tmp_path / "short.mp4", FMT, duration=0.5)
    assert_canonical(tmp_path / "short.mp4", frames=12)
    media.normalize_scene(src, tmp_path / "long.mp4", FMT, duration=1.5)
    assert_canonical(tmp_path / "long.mp4", frames=36)
    media.normalize_scene(src, tmp_path / "as_is.mp4", FMT)
    assert_canonical(tmp_path / "as_is.mp4", frames=24)


# --- the fast path ----------------------------------------------------------------------------


def packet_hashes(path: Path) -> list[str]:
    data = ffprobe(
        path, "-select_streams", "v:0", "-show_data_hash", "sha256", "-show_entries", "packet=data_hash"
    )
    return [p["data_hash"] for p in data["packets"]]


def test_canonical_input_is_copied_not_reencoded(tmp_path: Path) -> None:
    src = canonical_scene(tmp_path / "gen.mp4")
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(src, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    assert packet_hashes(dst) == packet_hashes(src)


def test_fast_path_reports_what_ffprobe_sees(tmp_path: Path) -> None:
    src = canonical_scene(tmp_path / "gen.mp4", frames=30)
    fast = media.normalize_scene(src, tmp_path / "scene.mp4", FMT)
    real = media.probe(tmp_path / "scene.mp4")
    fields = ("duration", "video_duration", "nb_frames", "width", "height", "fps", "codec", "pix_fmt",
              "profile", "level", "has_audio", "sar", "r_frame_rate", "time_base", "field_order")  # fmt: skip
    for field in fields:
        assert getattr(fast, field) == pytest.approx(getattr(real, field)), field


def test_frame_writer_output_is_canonical(tmp_path: Path) -> None:
    dst = tmp_path / "drawn.mp4"
    with media.open_frame_writer(dst, FMT, src_size=(72, 128)) as writer:
        for i in range(24):
            writer.write(np.full((128, 72, 3), i * 10, dtype=np.uint8))
    assert writer.frames == 24
    assert_canonical(dst, frames=24)


def test_canonical_args_give_square_pixels_even_after_a_stretching_scale(tmp_path: Path) -> None:
    """A generator that scales a 4:3 source to 9:16 must still write a canonical scene."""
    src = tmp_path / "stretched.mp4"
    stretch = f"scale={FMT.width}:{FMT.height}"
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240:r=24", "-frames:v", "24", "-vf", stretch,
       *media.canonical_video_args(FMT), str(src))  # fmt: skip
    assert media.canonical_mismatch(src, FMT, frames=24) is None
    assert_canonical(src, frames=24)


def test_canonical_video_with_an_audio_track_is_copied_without_it(tmp_path: Path) -> None:
    gen = canonical_scene(tmp_path / "gen.mp4")
    src = tmp_path / "with_audio.mp4"
    ff("-i", str(gen), "-f", "lavfi", "-i", "sine=d=1", "-map", "0:v", "-map", "1:a", "-c:v", "copy",
       "-c:a", "aac", "-video_track_timescale", "12288", str(src))  # fmt: skip
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(src, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    assert packet_hashes(dst) == packet_hashes(gen)


@pytest.mark.parametrize(
    "change",
    [
        ["-profile:v", "main"],  # other parameter sets
        ["-x264-params", "scenecut=0:open-gop=0:bframes=0"],  # other reorder depth
        ["-video_track_timescale", "24000"],  # other mp4 timescale
    ],
    ids=["main-profile", "no-b-frames", "other-timescale"],
)
def test_almost_canonical_input_is_reencoded(tmp_path: Path, change: list[str]) -> None:
    src = tmp_path / "almost.mp4"
    args = media.canonical_video_args(FMT)
    for i in range(0, len(change), 2):
        args[args.index(change[i]) + 1] = change[i + 1]
    ff("-f", "lavfi", "-i", f"testsrc2=s={FMT.width}x{FMT.height}:r=24", "-frames:v", "24", *args, str(src))
    assert media.canonical_mismatch(src, FMT, frames=24) is not None
    dst = tmp_path / "scene.mp4"
    media.normalize_scene(src, dst, FMT, duration=1.0)
    assert_canonical(dst, frames=24)
    assert packet_hashes(dst) != packet_hashes(src)


def test_canonical_input_of_the_wrong_length_is_reencoded_to_the_duration(tmp_path: Path) -> None:
    src = canonical_scene(tmp_path / "gen.mp4", frames=30)
    media.normalize_scene(src, tmp_path / "scene.mp4", FMT, duration=1.0)
    assert_canonical(tmp_path / "scene.mp4", frames=24)


# --- what is not a video ----------------------------------------------------------------------


def _truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def make_zero_bytes(p: Path) -> None:
    p.write_bytes(b"")


def make_html(p: Path) -> None:
    p.write_text(
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    )


def make_random_bytes(p: Path) -> None:
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())


def make_truncated_moov_at_end(p: Path) -> None:
    ff(
        "-f",
        "lavfi",
        "-i",
        SRC.format(size="320x240", rate=24),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        str(p),
    )
    _truncate(p, 0.6)


def make_truncated_faststart(p: Path) -> None:
    ff("-f", "lavfi", "-i", SRC.format(size="320x240", rate=24), "-c:v", "libx264", "-preset", "ultrafast",
       "-movflags", "+faststart", str(p))  # fmt: skip
    _truncate(p, 0.6)


def make_truncated_canonical(p: Path) -> None:
    canonical_scene(p)
    _truncate(p, 0.6)


def make_wav_audio_only(p: Path) -> None:
    ff("-f", "lavfi", "-i", "sine=d=1", "-f", "wav", str(p))


def make_m4a_audio_only(p: Path) -> None:
    ff("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", "-f", "mp4", str(p))


def make_png(p: Path) -> None:
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", "-f", "image2", "-c:v", "png", str(p))


def make_jpeg(p: Path) -> None:
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", str(p))


def make_single_frame_mp4(p: Path) -> None:
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", "-c:v", "libx264", str(p))


INVALID = {
    "zero-bytes": (make_zero_bytes, "empty"),
    "html-error-page": (make_html, "HTML"),
    "random-bytes": (make_random_bytes, "not a readable media file"),
    "truncated-moov-at-end": (make_truncated_moov_at_end, "not a readable media file"),
    "truncated-faststart": (make_truncated_faststart, "does not decode"),
    "truncated-canonical": (make_truncated_canonical, "does not decode"),
    "wav-audio-only": (make_wav_audio_only, "no video stream"),
    "m4a-audio-only": (make_m4a_audio_only, "no video stream"),
    "png-still-image": (make_png, "still image"),
    "jpeg-still-image": (make_jpeg, "still image"),
    "single-frame-mp4": (make_single_frame_mp4, "still image"),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_non_video_is_rejected_with_one_line_and_nothing_written(tmp_path: Path, name: str) -> None:
    make, expected = INVALID[name]
    src = tmp_path / "download.mp4"
    make(src)
    dst = tmp_path / "scene.mp4"
    with pytest.raises(InvalidVideoError) as err:
        media.normalize_scene(src, dst, FMT, duration=1.0)
    message = str(err.value)
    assert expected in message and "download.mp4" in message
    assert "\n" not in message
    assert not dst.exists()
    assert list(tmp_path.iterdir()) == [src], "no temporary files left behind"
    with pytest.raises(InvalidVideoError):
        media.validate_video(src)


# --- the final video --------------------------------------------------------------------------


@pytest.fixture
def bed(tmp_path: Path) -> Path:
    """A 0.7 s stereo music bed at 44.1 kHz: shorter than any ad, so it must loop."""
    path = tmp_path / "bed.wav"
    ff("-f", "lavfi", "-i", "sine=f=330:d=0.7:sample_rate=44100", "-ac", "2", str(path))
    return path


def decoded_audio(path: Path) -> np.ndarray:
    out = subprocess.run(
        [media.ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "48000",
         "-f", "s16le", "-"],
        check=True, capture_output=True,
    )  # fmt: skip
    return np.frombuffer(out.stdout, dtype=np.int16).astype(float)


def test_final_render_is_exact_and_browser_ready(tmp_path: Path, bed: Path) -> None:
    lengths = {"red": 24, "lime": 12, "blue": 30}
    scenes = [canonical_scene(tmp_path / f"{c}.mp4", c, n) for c, n in lengths.items()]
    dst = tmp_path / "final.mp4"
    reported = media.render_final(scenes, bed, dst, tmp_path / "work", cache_dir=tmp_path / "cache")

    frames = sum(lengths.values())
    seen = media.probe(dst)
    for field in ("duration", "nb_frames", "width", "height", "codec", "pix_fmt", "profile", "has_audio",
                  "audio_codec", "audio_duration", "video_duration"):  # fmt: skip
        assert getattr(reported, field) == pytest.approx(getattr(seen, field), abs=1e-3), field
    data = ffprobe(dst, "-count_packets")
    v, a = data["streams"]
    assert (v["codec_type"], v["codec_name"], v["profile"], v["pix_fmt"]) == (
        "video",
        "h264",
        "High",
        "yuv420p",
    )
    assert int(v["level"]) <= 51
    assert int(v["nb_read_packets"]) == int(v["nb_frames"]) == frames
    assert (a["codec_type"], a["codec_name"], a["profile"], int(a["sample_rate"])) == (
        "audio",
        "aac",
        "LC",
        48000,
    )
    one_frame = 1 / FMT.fps
    assert float(v["duration"]) == pytest.approx(frames / FMT.fps, abs=one_frame)
    assert float(data["format"]["duration"]) == pytest.approx(frames / FMT.fps, abs=one_frame)
    assert float(a["duration"]) == pytest.approx(float(v["duration"]), abs=one_frame)
    assert len(decoded_audio(dst)) / 48000 == pytest.approx(frames / FMT.fps, abs=one_frame)
    assert top_level_boxes(dst).index(b"moov") < top_level_boxes(dst).index(b"mdat"), "+faststart"
    assert sorted(p["pts"] for p in video_packets(dst)) == [512 * i for i in range(frames)], (
        "no gaps or repeats"
    )

    # Scenes in order, each at its place: top half of each frame carries the scene's colour.
    rgb = [f[: FMT.height // 4].reshape(-1, 3).mean(axis=0) for f in media.read_frames(dst)]
    assert np.argmax(rgb[0]) == 0 and np.argmax(rgb[23]) == 0
    assert np.argmax(rgb[24]) == 1 and np.argmax(rgb[35]) == 1
    assert np.argmax(rgb[36]) == 2 and np.argmax(rgb[-1]) == 2


def test_final_audio_loops_and_fades_out(tmp_path: Path, bed: Path) -> None:
    scenes = [canonical_scene(tmp_path / f"s{i}.mp4", frames=48) for i in range(2)]
    dst = tmp_path / "final.mp4"
    media.render_final(scenes, bed, dst, tmp_path / "work", cache_dir=tmp_path / "cache", fade_out=1.0)
    pcm = decoded_audio(dst)
    rms = [np.sqrt(np.mean(pcm[i : i + 2400] ** 2)) for i in range(0, len(pcm) - 2400, 2400)]
    assert min(rms[:50]) > 1000, "the 0.7 s bed loops without gaps for the first 2.5 s"
    assert rms[-1] < 0.1 * rms[20], "faded out at the end"


def test_audio_is_retimed_when_a_scene_duration_changes(tmp_path: Path, bed: Path) -> None:
    cache = tmp_path / "cache"
    a, b = canonical_scene(tmp_path / "a.mp4", frames=24), canonical_scene(tmp_path / "b.mp4", frames=24)
    media.render_final([a, b], bed, tmp_path / "v1.mp4", tmp_path / "w1", cache_dir=cache)
    b2 = canonical_scene(tmp_path / "b2.mp4", "blue", frames=36)
    media.render_final([a, b2], bed, tmp_path / "v2.mp4", tmp_path / "w2", cache_dir=cache)
    b3 = canonical_scene(tmp_path / "b3.mp4", "lime", frames=36)
    media.render_final([a, b3], bed, tmp_path / "v3.mp4", tmp_path / "w3", cache_dir=cache)
    for name, frames in (("v1.mp4", 48), ("v2.mp4", 60), ("v3.mp4", 60)):
        info = media.probe(tmp_path / name)
        assert info.audio_duration == pytest.approx(frames / 24, abs=1 / 24)
        assert info.video_duration == pytest.approx(frames / 24, abs=1 / 24)
    assert len(list(cache.glob("*.m4a"))) == 2, "same length, same bed: the encoded audio is reused"


def test_final_without_audio(tmp_path: Path) -> None:
    scenes = [canonical_scene(tmp_path / f"s{i}.mp4", frames=12) for i in range(3)]
    info = media.render_final(scenes, None, tmp_path / "final.mp4", tmp_path / "work")
    assert not info.has_audio
    assert media.probe(tmp_path / "final.mp4", count_frames=True).nb_frames == 36


def test_a_scene_that_is_not_canonical_is_normalized_for_the_render(tmp_path: Path, bed: Path) -> None:
    good = canonical_scene(tmp_path / "good.mp4", frames=24)
    legacy = tmp_path / "legacy.mp4"
    ff("-f", "lavfi", "-i", SRC.format(size="320x568", rate=30), "-c:v", "libx264", "-preset", "ultrafast",
       str(legacy))  # fmt: skip
    dst = tmp_path / "final.mp4"
    media.render_final([good, legacy], bed, dst, tmp_path / "work", cache_dir=tmp_path / "cache")
    data = ffprobe(dst, "-count_packets")
    assert int(data["streams"][0]["nb_read_packets"]) == 48
    subprocess.run(
        [media.ffmpeg_exe(), "-v", "error", "-xerror", "-i", str(dst), "-f", "null", "-"], check=True
    )


def test_only_foreign_scenes_are_rendered_in_the_given_format(tmp_path: Path) -> None:
    clips = []
    for i, size in enumerate(("320x568", "640x360")):
        clips.append(tmp_path / f"clip{i}.mp4")
        ff("-f", "lavfi", "-i", SRC.format(size=size, rate=30), *X264, str(clips[-1]))
    info = media.render_final(clips, None, tmp_path / "final.mp4", tmp_path / "work", fmt=FMT)
    seen = media.probe(tmp_path / "final.mp4", count_frames=True)
    assert (seen.width, seen.height, seen.nb_frames) == (FMT.width, FMT.height, 48) == (
        info.width, info.height, info.nb_frames)  # fmt: skip


def test_join_falls_back_to_faststart_when_the_reserved_index_space_is_too_small(tmp_path: Path) -> None:
    scenes = [canonical_scene(tmp_path / f"s{i}.mp4", frames=24) for i in range(2)]
    listing = tmp_path / "list.txt"
    listing.write_text(render._concat_listing(scenes))
    cmd = [media.ffmpeg_exe(), "-y", "-v", "error", "-f", "concat", "-auto_convert", "0", "-safe", "0",
           "-i", str(listing), "-map", "0:v:0", "-c", "copy"]  # fmt: skip
    render._join(cmd, 100, tmp_path / "final.mp4")
    boxes = top_level_boxes(tmp_path / "final.mp4")
    assert boxes.index(b"moov") < boxes.index(b"mdat")
    assert media.probe(tmp_path / "final.mp4", count_frames=True).nb_frames == 48


def test_render_needs_scenes_and_a_readable_bed(tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        media.render_final([], None, tmp_path / "final.mp4", tmp_path)
    not_audio = tmp_path / "bed.wav"
    not_audio.write_text("<html>oops</html>")
    scene = canonical_scene(tmp_path / "s.mp4")
    with pytest.raises(RenderError, match="bed"):
        media.render_final([scene], not_audio, tmp_path / "final.mp4", tmp_path, cache_dir=tmp_path / "c")
    assert not (tmp_path / "final.mp4").exists()


def test_paths_with_quotes_and_spaces_concat(tmp_path: Path) -> None:
    odd = tmp_path / "it's a dir"
    odd.mkdir()
    scenes = [canonical_scene(odd / f"scene {i}'s.mp4", frames=12) for i in range(2)]
    media.render_final(scenes, None, odd / "final.mp4", odd)
    assert media.probe(odd / "final.mp4", count_frames=True).nb_frames == 24


# --- thumbnails -------------------------------------------------------------------------------


def test_thumbnails_of_a_scene_and_a_final(tmp_path: Path, bed: Path) -> None:
    scenes = [canonical_scene(tmp_path / f"s{i}.mp4", frames=24) for i in range(2)]
    final = tmp_path / "final.mp4"
    media.render_final(scenes, bed, final, tmp_path / "work", cache_dir=tmp_path / "cache")
    for video in (scenes[0], final):
        thumb = media.extract_thumbnail(video, tmp_path / f"{video.stem}.jpg")
        s = ffprobe(thumb)["streams"][0]
        assert (s["codec_name"], s["width"]) == ("mjpeg", 240)
        assert s["height"] == 240 * FMT.height // FMT.width


@pytest.mark.parametrize(
    ("fmt", "level"),
    [(VideoFormat(720, 1280, 24), "4.0"), (VideoFormat(1080, 1920, 30), "4.0"),
     (VideoFormat(1080, 1920, 60), "4.2"), (VideoFormat(2160, 3840, 30), "5.1")],
)  # fmt: skip
def test_level_fits_the_format(fmt: VideoFormat, level: str) -> None:
    assert media.h264_level(fmt)[0] == level

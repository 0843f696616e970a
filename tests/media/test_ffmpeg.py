"""The ffmpeg command lines, checked as data without running ffmpeg (as ffmpeg-python's tests do)."""

from __future__ import annotations

from pathlib import Path

from editing.media import VideoFormat, ffmpeg
from editing.media.format import h264_level

FMT = VideoFormat(720, 1280, 24)


def _after(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def test_canonical_args_pin_everything_that_reaches_the_sps() -> None:
    args = ffmpeg.canonical_video_args(FMT)
    assert _after(args, "-c:v") == "libx264" and _after(args, "-profile:v") == "high"
    assert _after(args, "-level:v") == h264_level(FMT)[0] == "4.0"
    assert _after(args, "-pix_fmt") == "yuv420p" and _after(args, "-r") == "24"
    assert _after(args, "-g") == "48" and _after(args, "-keyint_min") == "24"  # a keyframe every 2 s
    assert "scenecut=0" in _after(args, "-x264-params") and "open-gop=0" in _after(args, "-x264-params")
    assert _after(args, "-video_track_timescale") == str(24 * 512) == str(FMT.timescale)
    assert _after(args, "-aspect") == "720:1280"


def test_level_follows_the_frame_size_and_rate() -> None:
    assert h264_level(VideoFormat(1080, 1920, 30))[0] == "4.0"
    assert h264_level(VideoFormat(1080, 1920, 60))[0] == "4.2"
    assert h264_level(VideoFormat(2160, 3840, 30))[0] == "5.1"


def test_encode_cuts_to_frames_and_drops_other_streams(tmp_path: Path) -> None:
    cmd = ffmpeg.encode_canonical_cmd(tmp_path / "in.mov", tmp_path / "out.mp4", "scale=720:1280", FMT, 96)
    assert cmd[0] == ffmpeg.ffmpeg_exe() and cmd[-1] == str(tmp_path / "out.mp4")
    assert _after(cmd, "-i") == str(tmp_path / "in.mov") and _after(cmd, "-map") == "0:v:0"
    assert {"-an", "-sn", "-dn", "-xerror"} <= set(cmd) and _after(cmd, "-frames:v") == "96"
    assert _after(cmd, "-vf") == "scale=720:1280"
    assert "-frames:v" not in ffmpeg.encode_canonical_cmd(Path("a"), Path("b"), "null", FMT, None)


def test_audio_bed_is_looped_cut_and_faded(tmp_path: Path) -> None:
    cmd = ffmpeg.audio_bed_cmd(tmp_path / "bed.wav", tmp_path / "bed.m4a", samples=96000, fade_samples=48000)
    assert cmd[cmd.index("-stream_loop") + 1] == "-1"
    af = _after(cmd, "-af")
    assert "atrim=end_sample=96000" in af and "afade=t=out:ss=48000:ns=48000" in af
    assert _after(cmd, "-c:a") == "aac" and _after(cmd, "-ar") == str(ffmpeg.AUDIO_RATE)
    assert "afade" not in _after(ffmpeg.audio_bed_cmd(Path("a"), Path("b"), 100, 0), "-af")


def test_concat_join_maps_the_bed_only_when_there_is_one(tmp_path: Path) -> None:
    with_bed = ffmpeg.concat_join_cmd(tmp_path / "list.txt", tmp_path / "bed.m4a")
    without = ffmpeg.concat_join_cmd(tmp_path / "list.txt", None)
    assert _after(with_bed, "-auto_convert") == "0" and "1:a:0" in with_bed
    assert "1:a:0" not in without and without.count("-i") == 1
    assert with_bed[-2:] == ["-map_metadata", "-1"]  # the caller names the output


def test_frame_writer_scales_only_half_resolution_frames(tmp_path: Path) -> None:
    half = ffmpeg.frame_writer_cmd(tmp_path / "s.mp4", FMT, (360, 640))
    full = ffmpeg.frame_writer_cmd(tmp_path / "s.mp4", FMT, (720, 1280))
    assert _after(half, "-s") == "360x640" and _after(half, "-vf") == "scale=720:1280:flags=bicubic"
    assert "-vf" not in full and _after(full, "-i") == "-"


def test_read_frames_selects_every_nth_frame(tmp_path: Path) -> None:
    cmd = ffmpeg.read_frames_cmd(tmp_path / "v.mp4", (90, 160), every=3)
    assert _after(cmd, "-vf") == "select=not(mod(n\\,3)),scale=90:160" and cmd[-1] == "-"
    assert _after(ffmpeg.read_frames_cmd(tmp_path / "v.mp4", (90, 160)), "-vf") == "scale=90:160"


def test_thumbnail_and_probe(tmp_path: Path) -> None:
    thumb = ffmpeg.thumbnail_cmd(tmp_path / "v.mp4", tmp_path / "t.jpg", at=1.5, width=240)
    assert _after(thumb, "-ss") == "1.500" and _after(thumb, "-vf") == "scale=240:-2"
    probe = ffmpeg.probe_cmd(tmp_path / "v.mp4", ["-count_packets"])
    assert probe[0] == ffmpeg.ffprobe_exe() and probe[-2:] == ["-count_packets", str(tmp_path / "v.mp4")]


def test_error_lines() -> None:
    err = b"[h264 @ 0x55] Invalid NAL unit size\n[in#0 @ 0x1] Error opening input\n"
    assert ffmpeg.first_error(err) == "Invalid NAL unit size"
    assert ffmpeg.last_line(err) == "[in#0 @ 0x1] Error opening input"
    assert ffmpeg.last_line(b"a\nnoise here\n", ignore=("noise",)) == "a"
    assert ffmpeg.decode_failure(err) and not ffmpeg.decode_failure(b"Unknown encoder 'libfoo'")


def test_music_is_checked_by_decoding_its_audio_and_kept_as_pcm_wav(tmp_path: Path) -> None:
    check = ffmpeg.audio_decode_check_cmd(tmp_path / "music.mp3")
    assert _after(check, "-map") == "0:a:0" and "-xerror" in check and check[-3:] == ["-f", "null", "-"]
    wav = ffmpeg.wav_cmd(tmp_path / "music.mp3", tmp_path / "music_bed.wav")
    assert _after(wav, "-map") == "0:a:0" and {"-vn", "-sn", "-dn"} <= set(wav)  # cover art is dropped
    assert _after(wav, "-c:a") == "pcm_s16le" and _after(wav, "-f") == "wav"
    assert "-ar" not in wav and "-ac" not in wav, "its rate and channels are kept"

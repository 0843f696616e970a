"""Replace the music with an upload: looped or cut to the ad, faded, the final re-rendered, recorded at $0."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

from editing import campaigns, media, versions
from editing.context import Atelier
from editing.errors import UploadError
from editing.music import replace_music
from editing.pipeline import ProgressEvent, edit_scene
from tests.media.test_media import ff, ffprobe

LAVFI = ("-f", "lavfi", "-i")


def _upload(ctx: Atelier, cid: str, path: Path) -> object:
    with path.open("rb") as f:
        return replace_music(ctx, cid, path.name, f)


def _samples(path: Path) -> np.ndarray:
    """The mono 48 kHz samples of a file's audio (for loudness at its start, middle and end)."""
    cmd = [media.ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", "48000"]
    raw = subprocess.run([*cmd, "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0


def test_a_short_mp3_is_looped_to_the_ad_faded_and_recorded(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    mp3 = tmp_path / "jingle.mp3"
    ff(*LAVFI, "sine=f=440:d=1.2", "-c:a", "libmp3lame", str(mp3))
    before = campaigns.campaign_overview(ctx, demo)
    result = _upload(ctx, demo, mp3)
    assert (result.fitted, result.ad_seconds, result.cost) == ("looped", 3.0, 0.0)  # type: ignore[attr-defined]
    bed = Path(result.audio_url)  # type: ignore[attr-defined]
    probe = ffprobe(bed)
    (stream,) = probe["streams"]
    assert (stream["codec_name"], stream["sample_rate"], stream["channels"]) == ("pcm_s16le", "48000", 2)
    assert float(probe["format"]["duration"]) == pytest.approx(3.0, abs=0.002)
    x = _samples(bed)
    assert _rms(x[:480]) < 0.2 * _rms(x[48000:96000]) > _rms(x[-480:]) * 5  # faded in and out
    final = Path(result.final_video_url)  # type: ignore[attr-defined]
    info = ffprobe(final)
    kinds = sorted(s["codec_type"] for s in info["streams"])
    assert kinds == ["audio", "video"] and float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1)
    assert 400 < _dominant_hz(_samples(final)[48000:96000]) < 480  # the upload's 440 Hz, not the old bed
    history = campaigns.get_history(ctx, demo)[-1]
    assert (history.method, history.cost, history.status, history.scene_index) == (
        "music",
        0.0,
        "completed",
        -1,
    )
    finals = versions.list_final_versions(ctx, demo)
    assert len(finals) == 2 and finals[-1].edit_id == result.edit_id  # type: ignore[attr-defined]
    assert Path(before.final_video_url or "").exists() and Path(finals[0].video_url).exists()  # old kept


def _dominant_hz(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum) * 48000 / len(x))


def test_a_long_wav_is_cut_and_a_later_scene_edit_keeps_the_new_music(
    ctx: Atelier, demo: str, tmp_path: Path
) -> None:
    wav, ogg = tmp_path / "score.wav", tmp_path / "score.ogg"
    ff(*LAVFI, "sine=f=660:d=10", str(wav))
    ff(*LAVFI, "sine=f=880:d=10", "-c:a", "libvorbis", str(ogg))
    result = _upload(ctx, demo, wav)
    assert result.fitted == "cut" and result.upload_seconds == pytest.approx(10.0, abs=0.05)  # type: ignore[attr-defined]
    assert float(ffprobe(Path(result.audio_url))["format"]["duration"]) == pytest.approx(3.0, abs=0.002)  # type: ignore[attr-defined]
    changed: list[object] = []

    def music_meanwhile(ev: ProgressEvent) -> None:  # the music changes while the edit runs
        if ev.step == "render_final" and ev.state == "done" and not changed:
            changed.append(_upload(ctx, demo, ogg))

    edited = edit_scene(ctx, demo, 0, "trim to 0.5 s", on_progress=music_meanwhile)
    final = Path(str(edited["new_video_url"]))
    assert changed and 840 < _dominant_hz(_samples(final)[12000:60000]) < 920  # the music now, re-timed
    assert campaigns.campaign_overview(ctx, demo).final_video_url == str(final)
    assert float(ffprobe(final)["format"]["duration"]) == pytest.approx(2.5, abs=0.1)
    assert changed[0].fitted == "cut"  # type: ignore[attr-defined]


def test_bad_music_is_refused_and_nothing_is_stored(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    ff(*LAVFI, "testsrc2=s=64x64:r=10:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(video))
    wav, long = tmp_path / "ok.wav", tmp_path / "opera.wav"
    ff(*LAVFI, "sine=d=2", str(wav))
    ff(*LAVFI, "sine=d=901:sample_rate=4000", "-ac", "1", str(long))
    files = sorted(p for p in ctx.settings.media_dir.rglob("*") if p.is_file())
    before = (campaigns.campaign_overview(ctx, demo), campaigns.get_history(ctx, demo), files)
    cases = [
        ("clip.mp4", video.read_bytes(), "is a video"),
        ("notes.mp3", b"not music at all\n" * 50, "notes.mp3"),
        ("silence.wav", b"", "empty"),
        ("cut.wav", wav.read_bytes()[:30], "cut.wav"),
        ("opera.wav", long.read_bytes(), "901 s long; music is at most 900 s"),
    ]
    for name, content, error in cases:
        with pytest.raises(UploadError, match=error) as caught:
            replace_music(ctx, demo, name, io.BytesIO(content))
        assert "\n" not in str(caught.value)
    files = sorted(p for p in ctx.settings.media_dir.rglob("*") if p.is_file())
    assert (campaigns.campaign_overview(ctx, demo), campaigns.get_history(ctx, demo), files) == before

"""The music bed: a real WAV, loopable without a click, following the campaign's mood."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from editing.config import Settings
from editing.errors import InputError
from editing.media import probe
from editing.providers import registry
from editing.providers.base import AudioSynth
from editing.providers.offline.audio import SAMPLE_RATE, MusicBedSynth, music_style, synthesize_bed


def read_wav(path: Path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
        return data.reshape(-1, w.getnchannels()), w.getframerate(), w.getsampwidth()


def test_implements_the_protocol_and_is_registered() -> None:
    synth = registry.audio_synth(Settings())
    assert isinstance(synth, MusicBedSynth) and isinstance(synth, AudioSynth)
    assert synth.name == "offline"


def test_writes_a_stereo_48k_wav_of_the_exact_length(tmp_path: Path) -> None:
    dst = MusicBedSynth(Settings()).synthesize({"mood_atmosphere": "romantic"}, 20.0, tmp_path / "bed.wav")
    samples, rate, width = read_wav(dst)
    assert rate == SAMPLE_RATE and width == 2 and samples.shape == (20 * SAMPLE_RATE, 2)
    info = probe(dst)
    assert info.has_audio and not info.has_video and abs(info.duration - 20.0) < 0.01


def test_levels_are_healthy(tmp_path: Path) -> None:
    samples = synthesize_bed(music_style({"mood_atmosphere": "elegant"}), 12.0)
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)))
    assert -30 < rms_db < -8, rms_db
    assert np.abs(samples).max() < 0.95
    assert abs(float(samples[:, 0].mean())) < 0.01  # no DC offset
    assert np.corrcoef(samples[:, 0], samples[:, 1])[0, 1] < 0.995  # real stereo


@pytest.mark.parametrize("duration", [15.0, 20.0, 37.3])
def test_the_loop_point_has_no_click(duration: float) -> None:
    """Played twice in a row, the seam looks like any other moment of the bed."""
    samples = synthesize_bed(music_style({"mood_atmosphere": "dreamy"}), duration)
    looped = np.concatenate([samples, samples])[:, 0]
    step = np.abs(np.diff(looped))
    seam = len(samples) - 1
    assert step[seam] <= np.percentile(step, 99.9)
    # a click is broadband: compare the second difference around the seam with the whole bed
    curvature = np.abs(np.diff(looped, 2))
    assert curvature[seam - 32 : seam + 32].max() <= curvature.max() * 0.5 + 1e-4


def test_tempo_and_key_follow_the_mood() -> None:
    energetic = music_style({"mood_atmosphere": "energetic, bold"})
    dreamy = music_style({"mood_atmosphere": "dreamy and ethereal"})
    mysterious = music_style({"mood_atmosphere": "mysterious"})
    assert energetic.bpm > dreamy.bpm
    assert mysterious.minor and not energetic.minor
    assert {energetic.root, dreamy.root, mysterious.root} != {energetic.root}
    assert music_style({}).mood == "neutral"


def _onsets_per_second(samples: np.ndarray) -> float:
    mono = samples.mean(axis=1)
    hop = 480  # 10 ms
    energy = np.sqrt(np.add.reduceat(mono**2, np.arange(0, len(mono), hop)))
    flux = np.maximum(np.diff(energy), 0)
    peaks = (flux[1:-1] > flux[:-2]) & (flux[1:-1] >= flux[2:]) & (flux[1:-1] > flux.mean() + 2 * flux.std())
    return float(peaks.sum()) / (len(mono) / SAMPLE_RATE)


def test_an_energetic_bed_is_busier_than_a_dreamy_one() -> None:
    busy = synthesize_bed(music_style({"mood_atmosphere": "energetic"}), 16.0)
    calm = synthesize_bed(music_style({"mood_atmosphere": "dreamy"}), 16.0)
    assert _onsets_per_second(busy) > _onsets_per_second(calm)


def test_the_tonic_is_among_the_strongest_pitch_classes() -> None:
    for mood in ("dreamy", "mysterious", "energetic", "romantic", "elegant", "playful"):
        style = music_style({"mood_atmosphere": mood})
        mono = synthesize_bed(style, 12.0).mean(axis=1)
        spectrum = np.abs(np.fft.rfft(mono))
        freqs = np.fft.rfftfreq(len(mono), 1 / SAMPLE_RATE)
        band = (freqs > 40) & (freqs < 2000)
        midi = np.round(69 + 12 * np.log2(freqs[band] / 440)).astype(int)
        chroma = np.bincount(midi % 12, weights=spectrum[band] ** 2, minlength=12)
        top = set(np.argsort(chroma)[-3:])
        assert style.root % 12 in top, (mood, style.root % 12, np.argsort(chroma)[::-1][:4])


def test_deterministic(tmp_path: Path) -> None:
    synth = MusicBedSynth()
    a = synth.synthesize({"mood_atmosphere": "playful"}, 6.0, tmp_path / "a.wav").read_bytes()
    b = synth.synthesize({"mood_atmosphere": "playful"}, 6.0, tmp_path / "b.wav").read_bytes()
    assert a == b


@pytest.mark.parametrize("duration", [0, -3, 10_000])
def test_rejects_impossible_durations(tmp_path: Path, duration: float) -> None:
    with pytest.raises(InputError):
        MusicBedSynth().synthesize({}, duration, tmp_path / "x.wav")

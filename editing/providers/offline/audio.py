"""The music bed: a soft pad, a plucked arpeggio and a bass line, synthesized with numpy.

Tempo and key follow the campaign's mood (style spec). The bed is rendered on a
circular buffer exactly as long as the ad: notes and reverb tails that run past
the end wrap round to the start, so the loop point is seamless by construction.
"""

from __future__ import annotations

import logging
import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from editing.config import Settings
from editing.errors import InputError
from editing.providers.offline.look import parse_description

log = logging.getLogger(__name__)

SAMPLE_RATE = 48_000
TONAL_RATE = 12_000
MAX_SECONDS = 600.0


@dataclass(frozen=True)
class MusicStyle:
    """What the bed sounds like."""

    mood: str
    bpm: float
    root: int  # MIDI note of the key's tonic
    minor: bool
    brightness: float  # 0..1: how much upper harmonics and arpeggio
    pulse: float  # 0..1: how much rhythmic drive (soft kick and shaker)


_MOOD_MUSIC: dict[str, tuple[float, int, bool, float, float]] = {
    # mood: bpm, root (MIDI), minor, brightness, pulse
    "dreamy": (72, 62, False, 0.45, 0.0),  # D major, slow and open
    "mysterious": (80, 61, True, 0.3, 0.25),  # C# minor
    "energetic": (120, 64, False, 0.8, 1.0),  # E major, driving
    "romantic": (76, 65, False, 0.5, 0.15),  # F major
    "elegant": (90, 57, True, 0.55, 0.3),  # A minor, poised
    "playful": (108, 67, False, 0.85, 0.7),  # G major, bouncy
}
_DEFAULT_MUSIC = (92, 60, False, 0.55, 0.35)  # C major

_MAJOR_PROGRESSION = ((0, 4, 7, 11), (9, 12, 16, 19), (5, 9, 12, 16), (7, 11, 14, 17))  # Imaj7 vi IV V
_MINOR_PROGRESSION = ((0, 3, 7, 10), (8, 12, 15, 19), (5, 8, 12, 15), (7, 10, 14, 17))  # i VI iv v


def music_style(style_spec: dict[str, Any] | None) -> MusicStyle:
    """Tempo and key from the style spec's mood (and its lighting/camera words as a fallback)."""
    spec = style_spec or {}
    text = " ".join(str(spec.get(k) or "") for k in ("mood_atmosphere", "lighting_direction", "camera_style"))
    mood = parse_description(str(spec.get("mood_atmosphere") or "")).mood or parse_description(text).mood
    bpm, root, minor, bright, pulse = _MOOD_MUSIC.get(str(mood), _DEFAULT_MUSIC)
    return MusicStyle(
        mood=str(mood or "neutral"), bpm=bpm, root=root, minor=minor, brightness=bright, pulse=pulse
    )


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _add_wrapped(buf: np.ndarray, start: int, sig: np.ndarray) -> None:
    """Add ``sig`` into ``buf`` at ``start``, wrapping past the end (the loop)."""
    n = buf.shape[0]
    start %= n
    pos = 0
    while pos < sig.shape[0]:
        chunk = min(sig.shape[0] - pos, n - start)
        buf[start : start + chunk] += sig[pos : pos + chunk]
        pos += chunk
        start = 0


def _pad_voice(freq: float, length: int, sr: int, bright: float, rng: np.random.Generator) -> np.ndarray:
    """A warm pad note: detuned sines with a few soft harmonics and a slow swell."""
    t = np.arange(length, dtype=np.float64) / sr
    out = np.zeros(length, dtype=np.float64)
    for detune in (-0.11, 0.0, 0.12):
        f = freq * 2 ** (detune / 12)
        ph = rng.uniform(0, 2 * np.pi)
        out += np.sin(2 * np.pi * f * t + ph)
        for k, level in ((2, 0.25), (3, 0.08)):
            if k * f < 0.45 * sr:  # no harmonic above Nyquist (it would fold back as noise)
                out += level * bright * np.sin(2 * np.pi * k * f * t + ph * (1 + 0.3 * k))
    attack = min(length // 3, int(sr * 0.9))
    release = min(length // 3, int(sr * 1.2))
    env = np.ones(length)
    env[:attack] = np.sin(np.linspace(0, np.pi / 2, attack)) ** 2
    env[length - release :] = np.cos(np.linspace(0, np.pi / 2, release)) ** 2
    return out * env / 3.0


def _pluck(freq: float, length: int, sr: int, bright: float) -> np.ndarray:
    """A soft plucked/bell note with an exponential decay."""
    t = np.arange(length, dtype=np.float64) / sr
    env = np.exp(-t * 4.0) * (1 - np.exp(-t * 400.0))
    tone = np.sin(2 * np.pi * freq * t)
    if 2 * freq < 0.45 * sr:
        tone += 0.3 * bright * np.sin(2 * np.pi * 2 * freq * t) * np.exp(-t * 6)
    if 3.01 * freq < 0.45 * sr:
        tone += 0.12 * bright * np.sin(2 * np.pi * 3.01 * freq * t) * np.exp(-t * 9)
    return np.asarray(tone * env)


def _kick(length: int, sr: int) -> np.ndarray:
    t = np.arange(length, dtype=np.float64) / sr
    f = 45 + 70 * np.exp(-t * 30)
    return np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t * 9)


def _reverb(x: np.ndarray, sr: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Circular convolution with a decaying-noise impulse response (wraps like the loop)."""
    n = x.shape[0]
    ir_len = min(n, int(sr * seconds))
    t = np.arange(ir_len) / sr
    ir = rng.standard_normal(ir_len) * np.exp(-t * 6.9 / seconds)
    ir[: int(sr * 0.02)] *= np.linspace(0, 1, int(sr * 0.02))
    ir /= np.sqrt(np.sum(ir**2)) + 1e-9
    return np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(ir, n), n)


def _upsample(x: np.ndarray, n: int) -> np.ndarray:
    """Band-limited resampling of one period to ``n`` samples (spectral zero-padding keeps the loop)."""
    return np.asarray(np.fft.irfft(np.fft.rfft(x), n) * (n / x.shape[0]))


@dataclass
class _Score:
    """The bed being written: tonal voices at TONAL_RATE, the shaker at the full rate."""

    style: MusicStyle
    rng: np.random.Generator
    sr: int
    n: int  # samples at sr
    nt: int  # samples at TONAL_RATE
    bars: int
    beats_per_bar: int = 4

    def __post_init__(self) -> None:
        self.beat = self.nt / (self.bars * self.beats_per_bar)  # tonal samples per beat (tempo nudged to fit)
        self.left, self.right, self.bass = np.zeros(self.nt), np.zeros(self.nt), np.zeros(self.nt)
        self.hats = np.zeros(self.n)

    def pad(self, chord: tuple[int, ...], start: int, chord_bars: int) -> None:
        """The chord held over ``chord_bars`` bars, voices spread across the stereo field, and its bass."""
        style, tsr = self.style, TONAL_RATE
        length = round(self.beats_per_bar * self.beat * chord_bars * 1.15)
        for k, iv in enumerate(chord):
            voice = _pad_voice(_hz(style.root - 12 + iv), length, tsr, style.brightness, self.rng) * 0.16
            pan = 0.5 + (k - 1.5) * 0.18
            _add_wrapped(self.left, start, voice * (1 - pan))
            _add_wrapped(self.right, start, voice * pan)
        bass_len = round(self.beats_per_bar * self.beat * chord_bars)
        _add_wrapped(
            self.bass, start, _pad_voice(_hz(style.root - 24 + chord[0]), bass_len, tsr, 0.2, self.rng) * 0.3
        )

    def arpeggio(self, bar: int, chord: tuple[int, ...], start: int) -> None:
        """Eighth notes through the chord, up and back (quarter notes when calm)."""
        style, tsr = self.style, TONAL_RATE
        for step in range(self.beats_per_bar * 2):
            if style.brightness < 0.5 and step % 2:
                continue
            octave = 12 if (bar + step) % 3 else 24
            freq = _hz(style.root + chord[_ARPEGGIO[step]] + octave - 12)
            note = _pluck(freq, int(tsr * 1.4), tsr, style.brightness)
            gain = 0.07 * (0.6 + 0.4 * style.brightness) * (1.0 if step % 2 == 0 else 0.7)
            pan = 0.3 if step % 2 else 0.7
            at = start + round(step * self.beat / 2)
            _add_wrapped(self.left, at, note * gain * (1 - pan))
            _add_wrapped(self.right, at, note * gain * pan)

    def pulse(self, start: int) -> None:
        """Kicks on the beat (every other beat when gentle) and a shaker on the off-beats."""
        style, tsr, sr = self.style, TONAL_RATE, self.sr
        for q in range(self.beats_per_bar):
            at = start + round(q * self.beat)
            if q % 2 == 0 or style.pulse > 0.6:
                _add_wrapped(self.bass, at, _kick(int(tsr * 0.35), tsr) * 0.22 * style.pulse)
            hat_len = int(sr * 0.05)
            hat = self.rng.standard_normal(hat_len) * np.exp(-np.arange(hat_len) / (sr * 0.008))
            _add_wrapped(self.hats, round((at + self.beat / 2) * sr / tsr), hat * 0.02 * style.pulse)

    def pedal(self) -> None:
        """A soft tonic pedal under everything: the key stays home whatever the chord."""
        nt, tsr = self.nt, TONAL_RATE
        t = np.arange(nt) / tsr
        cycles = max(1, round(_hz(self.style.root - 12) * nt / tsr))  # whole cycles per loop: seamless
        swell = 0.85 + 0.15 * np.sin(2 * np.pi * t * self.bars / (nt / tsr))
        pedal = np.sin(2 * np.pi * cycles * t / (nt / tsr)) * swell
        self.left += pedal * 0.12
        self.right += pedal * 0.12

    def mix(self) -> np.ndarray:
        """Reverb, resample to the full rate, centre, and a gentle limiter (-2 dBFS peak)."""
        wet_l = _reverb(self.left, TONAL_RATE, 2.4, self.rng)
        wet_r = _reverb(self.right, TONAL_RATE, 2.4, self.rng)
        channels = [
            _upsample(self.left * 0.7 + wet_l * 0.9 + self.bass, self.n) + self.hats,
            _upsample(self.right * 0.7 + wet_r * 0.9 + self.bass, self.n) + self.hats,
        ]
        out = np.stack(channels, axis=1)
        out -= out.mean(axis=0)
        peak = float(np.max(np.abs(out))) or 1.0
        return (np.tanh(out / peak * 1.2) / math.tanh(1.2) * 0.8).astype(np.float32)


_ARPEGGIO = (0, 1, 2, 3, 2, 1, 2, 3)


def synthesize_bed(style: MusicStyle, duration: float, sr: int = SAMPLE_RATE, seed: int = 0) -> np.ndarray:
    """Render a stereo float array (n×2, -1..1) exactly ``duration`` seconds long, loopable.

    The tonal parts (pad, arpeggio, bass, reverb) have nothing above 6 kHz, so they are
    rendered at 12 kHz and resampled; only the shaker needs the full rate.
    """
    n = max(1, round(duration * sr))
    rng = np.random.default_rng(seed + int(style.bpm * 100) + style.root)
    # Fit a whole number of bars into the ad so the progression loops too.
    bars = max(1, round(duration * style.bpm / 60 / 4))
    score = _Score(style, rng, sr, n, max(1, round(n * TONAL_RATE / sr)), bars)
    prog = _MINOR_PROGRESSION if style.minor else _MAJOR_PROGRESSION
    chord_bars = 2 if bars >= 4 else 1
    for bar in range(bars):
        chord = prog[(bar // chord_bars) % len(prog)]
        start = round(bar * score.beats_per_bar * score.beat)
        if bar % chord_bars == 0:
            score.pad(chord, start, chord_bars)
        score.arpeggio(bar, chord, start)
        if style.pulse > 0:
            score.pulse(start)
    score.pedal()
    return score.mix()


def write_wav(samples: np.ndarray, dst: Path, sr: int = SAMPLE_RATE) -> Path:
    """Write float samples (n×channels) as 16-bit PCM WAV."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(pcm.shape[1] if pcm.ndim == 2 else 1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())
    return dst


class MusicBedSynth:
    """AudioSynth that composes a loopable bed from the campaign's mood."""

    name = "offline"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def synthesize(self, style_spec: dict[str, Any], duration: float, dst: Path) -> Path:
        """Write a seamless-looping 48 kHz stereo WAV of ``duration`` seconds to ``dst``.

        Raises:
            InputError: the duration is not positive or absurdly long.
        """
        if not duration or duration <= 0 or duration > MAX_SECONDS:
            raise InputError(
                f"an audio bed needs a duration between 0 and {MAX_SECONDS:.0f} s, got {duration}"
            )
        style = music_style(style_spec)
        log.info(
            "music bed: %s, %.0f bpm, root %d %s",
            style.mood,
            style.bpm,
            style.root,
            "minor" if style.minor else "major",
        )
        return write_wav(synthesize_bed(style, duration), dst)

    def check(self) -> str:
        return "offline music bed ready"

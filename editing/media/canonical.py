"""The canonical scene format: recognizing it from the mp4 boxes, and bringing any video to it.

Every scene is normalized once, when it enters storage, to one H.264 format whose
SPS/PPS are byte-identical for every scene of a campaign, so the final render joins
scenes by copying their packets (``render``). A file already in the format (what the
procedural generator writes) is recognized in about a millisecond and copied.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import numpy as np

from editing.errors import InvalidVideoError, RenderError
from editing.media.ffmpeg import (
    canonical_video_args,
    decode_failure,
    default_cache_dir,
    encode_canonical_cmd,
    ffmpeg_exe,
    first_error,
    frame_writer_cmd,
    last_line,
    reference_cmd,
    remux_video_cmd,
    run,
    unique,
)
from editing.media.format import TICKS_PER_FRAME, VideoFormat, h264_level
from editing.media.mp4 import Mp4Video, read_mp4_video
from editing.media.probe import ProbeResult, check_video, sniff

log = logging.getLogger(__name__)


def reference_avcc(fmt: VideoFormat) -> bytes:
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
    cached = default_cache_dir() / f"ref-{key}.avcc"
    with suppress(OSError):
        stored = cached.read_bytes()
        if len(stored) > 8 and stored[0] == 1:  # an avcC record (configurationVersion 1), not debris
            _REFERENCES[key] = stored
            return stored
    with tempfile.TemporaryDirectory(prefix="atelier-ref-") as tmp:
        ref = Path(tmp) / "ref.mp4"
        run(reference_cmd(fmt, ref), "encoding the reference scene")
        info = read_mp4_video(ref)
    if info is None or not info.avcc:
        raise RenderError("could not read back the reference encoding's parameter sets")
    with suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp_file = cached.with_name(f".{cached.name}.{unique()}")
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
    return mismatch(read_mp4_video(Path(path)), fmt, frames)


def mismatch(box: Mp4Video | None, fmt: VideoFormat, frames: int | None = None) -> str | None:
    if box is None:
        return "not an mp4 with a video track"
    tps = fmt.timescale
    checks = (
        (box.complete, "truncated"),
        (box.avcc == reference_avcc(fmt), "different H.264 parameter sets (another encoder or settings)"),
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


def canonical_probe(fmt: VideoFormat, frames: int) -> ProbeResult:
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
        time_base=f"1/{fmt.timescale}",
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
    cmd = frame_writer_cmd(dst, fmt, src_size or (fmt.width, fmt.height))
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
            raise RenderError(f"encoding {dst.name} failed: {last_line(err, str(code))}")


def scale_crop_filter(info: ProbeResult, fmt: VideoFormat) -> str:
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
    sniff(src)
    frames = max(1, round(duration * fmt.fps)) if duration else None
    box = read_mp4_video(src)
    why = mismatch(box, fmt, frames)
    tmp = dst.with_name(f".{dst.stem}.{unique()}.tmp.mp4")
    try:
        if why is None and box is not None:
            how = _keep_canonical(src, tmp, box, fmt)
            result = canonical_probe(fmt, box.frames)
        else:
            result = _encode_canonical(src, tmp, fmt, frames)
            how = f"re-encoded ({why})"
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("normalized %s: %s in %.2fs", src.name, how, time.perf_counter() - started)
    return result


def _keep_canonical(src: Path, dst: Path, box: Mp4Video, fmt: VideoFormat) -> str:
    """Write an already canonical scene to ``dst``: a copy, or a remux that drops other tracks."""
    if box.tracks == ("vide",) and box.faststart:
        shutil.copyfile(src, dst)  # already exactly what we would write
        return "copied (already canonical)"
    # same bitstream; drop the other tracks, move the index to the front
    run(remux_video_cmd(src, dst, fmt), f"remuxing {src.name}")
    return "remuxed (canonical video, other tracks dropped)"


def _encode_canonical(src: Path, dst: Path, fmt: VideoFormat, frames: int | None) -> ProbeResult:
    """Re-encode ``src`` into ``dst`` and check the result passes our own canonical check."""
    info = check_video(src)
    vf = scale_crop_filter(info, fmt)
    if frames is not None:
        vf += ",tpad=stop=-1:stop_mode=clone"  # hold the last frame if the input is short
        have = info.duration * fmt.fps
        if have and have < frames - 1:
            wanted = frames / fmt.fps
            log.warning(
                "%s is %.2fs, shorter than %.2fs: holding its last frame", src.name, info.duration, wanted
            )
    try:
        cmd = encode_canonical_cmd(src, dst, vf, fmt, frames)
        proc = subprocess.run(cmd, capture_output=True, timeout=900, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"normalizing {src.name} took longer than 900s") from exc
    if proc.returncode != 0:
        if decode_failure(proc.stderr):
            raise InvalidVideoError(
                f"{src.name} does not decode (truncated or corrupt): {first_error(proc.stderr)}"
            )
        raise RenderError(f"normalizing {src.name} failed: {last_line(proc.stderr)}")
    out = read_mp4_video(dst)
    left = mismatch(out, fmt, frames)
    if left is not None or out is None:  # our own encode must pass our own check
        raise RenderError(f"normalizing {src.name} gave a non-canonical file: {left}")
    return canonical_probe(fmt, out.frames)

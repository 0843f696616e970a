"""Replace a scene with an uploaded clip: checked and normalized first, then an edit ($0, method upload).

Any common video (mp4, mov, webm, mkv, …) of any size and frame rate is decoded whole and
normalized to the campaign's canonical format, all before anything is stored: a refused file
leaves no row and no file. The normalized clip then goes through the edit pipeline like a
revert (:class:`editing.pipeline.SceneEditPipeline`, method ``upload``): a new scene version
under a new key, a new final, an edit_history row at cost 0, refused if another edit changed
the scene meanwhile.

Length: by default the clip keeps its own length (0.5 to 60 s; the scene's duration and the
ad follow it, the music is re-timed); ``fit="scene"`` cuts it, or holds its last frame, to the
scene's current length instead.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath
from typing import IO, Any

from editing import assets, media, queries
from editing.access import EDITING, Scope
from editing.context import Atelier
from editing.domain import validate_scene_index
from editing.errors import InputError, InvalidVideoError, RenderError, UploadError
from editing.media import VideoFormat

MB = 2**20
#: A scene is this long at least, and (keeping the clip's length) at most.
MIN_CLIP_SECONDS = 0.5
MAX_CLIP_SECONDS = 60.0
#: Longer than this is refused even when it is to be cut to the scene's length (no hour-long decodes).
MAX_SOURCE_SECONDS = 600.0
_CHUNK = 1 << 20


class Fit(StrEnum):
    """How an uploaded clip's length is decided."""

    KEEP = "keep"  # the clip's own length (0.5–60 s); the scene and the ad follow it
    SCENE = "scene"  # cut, or last frame held, to the scene's current length


@dataclass(frozen=True)
class UploadedClip:
    """An uploaded clip, checked and normalized to the campaign's canonical format (a local file)."""

    path: Path
    filename: str
    duration: float  # seconds, as normalized
    source: str  # what was uploaded: "mov 1280x720 25 fps, 2.00 s"


def safe_name(filename: str) -> str:
    """The uploaded file's own name, as messages show it: its last part, one line, at most 100 characters."""
    name = PurePath(str(filename).replace("\\", "/")).name
    name = " ".join(name.split())[:100]
    return name or "upload"


def _local_name(name: str) -> str:
    """A file name safe in a work directory, keeping the extension ffmpeg may use as a hint."""
    stem, dot, ext = name.rpartition(".")
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:8] if dot else ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem if dot else name)[:60] or "upload"
    return f"{stem}.{ext}" if ext else stem


def stage(ctx: Atelier, filename: str, stream: IO[bytes], workdir: Path) -> Path:
    """Write an uploaded file into ``workdir``, refusing an empty one or one over the upload cap.

    Raises:
        UploadError: empty, or over ATELIER_IMPORT_MAX_MB (Streamlit's ``server.maxUploadSize``).
    """
    name = safe_name(filename)
    cap = ctx.settings.import_max_mb * MB
    dst = workdir / _local_name(name)
    if stream.seekable():
        stream.seek(0)  # an upload read by an earlier run of the page starts over
    with dst.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            if out.tell() + len(chunk) > cap:
                limit = ctx.settings.import_max_mb
                raise UploadError(f"{name} is over the upload limit of {limit} MB (ATELIER_IMPORT_MAX_MB)")
            out.write(chunk)
    if dst.stat().st_size == 0:
        raise UploadError(f"{name} is empty (0 bytes)")
    return dst


@contextmanager
def workdir(ctx: Atelier, prefix: str) -> Iterator[Path]:
    """A private work directory under the data dir, removed afterwards."""
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix=prefix) as tmp:
        yield Path(tmp)


def clip_length(info: media.ProbeResult, name: str, fit: Fit) -> float:
    """The length the clip may have as a scene.

    Raises:
        UploadError: shorter than 0.5 s, or too long (over 60 s kept as it is, over 600 s at all).
    """
    length = info.video_duration or info.duration  # the picture's length, not a longer soundtrack's
    if length < MIN_CLIP_SECONDS:
        raise UploadError(f"{name} is {length:.2f} s long; a scene is at least {MIN_CLIP_SECONDS:g} s")
    if length > MAX_SOURCE_SECONDS:
        raise UploadError(
            f"{name} is {length:.0f} s long; the limit for an upload is {MAX_SOURCE_SECONDS:.0f} s"
        )
    if fit == Fit.KEEP and length > MAX_CLIP_SECONDS + 1e-6:
        raise UploadError(
            f"{name} is {length:.1f} s long; a scene is at most {MAX_CLIP_SECONDS:g} s "
            "(trim it first, or fit it to the scene's length)"
        )
    return length


def check_clip(path: Path, name: str, fmt: VideoFormat, scene_duration: float, fit: Fit) -> UploadedClip:
    """Decode the upload whole and normalize it to ``fmt``; nothing is stored.

    Raises:
        UploadError: not a video (text, audio only, a still image), corrupt or truncated, too short
            or too long (the message names the file).
    """
    try:
        info = media.validate_video(path)
        length = clip_length(info, name, fit)
        frames = max(1, round((scene_duration if fit == Fit.SCENE else length) * fmt.fps))
        duration = round(frames / fmt.fps, 6)
        canonical = assets.prepare_scene(path, path.parent, fmt, duration)
    except (InvalidVideoError, RenderError) as exc:
        raise UploadError(str(exc).replace(path.name, name)) from None
    fps = f"{info.fps:.3g} fps" if info.fps else "fps unknown"
    kind = info.format_name.split(",")[0]
    source = f"{kind} {info.width}x{info.height} {fps}, {info.duration:.2f} s"
    return UploadedClip(canonical, name, duration, source)


def parse_fit(fit: str | Fit) -> Fit:
    """``keep`` or ``scene``.

    Raises:
        InputError: anything else.
    """
    try:
        return Fit(fit)
    except ValueError:
        raise InputError(f"Unknown length option {fit!r}; choose keep or scene") from None


def replace_scene(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    scene_index: int,
    filename: str,
    stream: IO[bytes],
    *,
    fit: str | Fit = Fit.KEEP,
    brand: Scope = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Replace scene ``scene_index`` with an uploaded clip; returns the edit's result dict (cost 0).

    Raises:
        UploadError: the file is refused (nothing stored, nothing recorded).
        InputError / NotFoundError: a bad scene index, an unknown campaign or one ``brand`` may not see.
        ConflictError: the scene is being edited, or was changed by another edit meanwhile.
    """
    from editing.methods import Method
    from editing.pipeline import SceneEditPipeline

    how = parse_fit(fit)
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING)
        scenes = campaign.campaign_json.get("scenes", [])
        validate_scene_index(scene_index, len(scenes))
        scene_duration = float(scenes[scene_index].get("duration", 4))
    with workdir(ctx, "upload-") as work:
        path = stage(ctx, filename, stream, work)
        clip = check_clip(path, safe_name(filename), ctx.video_format, scene_duration, how)
        pipeline = SceneEditPipeline(
            campaign_id,
            scene_index,
            f"Replace with the uploaded clip {clip.filename}",
            ctx=ctx,
            brand=brand,
            user=user,
            method=Method.UPLOAD,
            upload=clip,
        )
        return pipeline.run()

"""Replace a campaign's music with an uploaded track: looped or cut to the ad, faded, the final re-rendered.

The upload (mp3, wav, m4a, ogg, flac, …) is decoded whole first; a refused file leaves nothing.
It is then made into the music bed Atelier stores — a stereo WAV exactly as long as the ad,
looped when shorter, cut when longer, faded in over FADE_IN_S and out over FADE_OUT_S — under
a new key (the old bed stays: earlier finals keep their sound), the final is rendered with it,
and one transaction makes it the campaign's music and records the change: an edit_history row
of method ``music`` and no scene (``scene_index`` -1), at cost 0, and a new final version. A
scene edit that commits afterwards renders its final with this music.
"""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from editing import assets, media, queries, versions
from editing.access import EDITING, Scope, actor
from editing.context import Atelier
from editing.db.models import EditHistory
from editing.errors import InvalidAudioError, RenderError, UploadError
from editing.ledger import Snapshot, settle_campaign, snapshot_of
from editing.media.ffmpeg import AUDIO_RATE, music_bed_cmd, run
from editing.methods import Method
from editing.uploads import safe_name, stage, workdir

#: The scene_index of an edit that changes no scene (the music).
NO_SCENE = -1
FADE_IN_S = 0.5
FADE_OUT_S = 1.0
#: Longer uploads are refused (a music bed is looped or cut to the ad, which is at most a few minutes).
MAX_MUSIC_SECONDS = 900.0


@dataclass(frozen=True)
class MusicResult:
    """A music change: the new bed, the final rendered with it, the edit that records it."""

    campaign_id: str
    edit_id: str
    filename: str
    audio_key: str
    audio_url: str
    final_video_url: str
    ad_seconds: float  # the bed's length: the ad's
    upload_seconds: float  # the uploaded track's length
    fitted: str  # "looped" | "cut" | "as it is"
    cost: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_music(path: Path, name: str) -> float:
    """The uploaded track's length, once it decoded whole as audio.

    Raises:
        UploadError: not audio (a video, text, an image), corrupt, too short or too long.
    """
    try:
        info = media.validate_audio(path)
    except InvalidAudioError as exc:
        raise UploadError(str(exc).replace(path.name, name)) from None
    length = info.audio_duration or info.duration
    if length > MAX_MUSIC_SECONDS:
        raise UploadError(f"{name} is {length:.0f} s long; music is at most {MAX_MUSIC_SECONDS:.0f} s")
    return float(length)


def make_bed(src: Path, dst: Path, seconds: float) -> Path:
    """``src`` as a music bed of exactly ``seconds``: looped or cut, faded in and out, a stereo WAV.

    Raises:
        UploadError: ffmpeg could not read it after all.
    """
    samples = max(1, round(seconds * AUDIO_RATE))
    fade_in = min(round(FADE_IN_S * AUDIO_RATE), samples // 4)
    fade_out = min(round(FADE_OUT_S * AUDIO_RATE), samples // 4)
    try:
        run(music_bed_cmd(src, dst, samples, fade_in, fade_out), f"making the music bed from {src.name}")
    except RenderError as exc:
        raise UploadError(str(exc)) from None
    return dst


def replace_music(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    filename: str,
    stream: IO[bytes],
    *,
    brand: Scope = None,
    user: str | None = None,
) -> MusicResult:
    """Make an uploaded track the campaign's music; returns what was made (cost 0).

    Raises:
        UploadError: the file is refused (nothing stored, nothing recorded).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    started = time.monotonic()
    with ctx.db.Session() as session:
        snap = snapshot_of(queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING))
    ad = round(sum(float(s.get("duration", 4)) for s in snap.scenes), 6)
    name, edit_id = safe_name(filename), uuid.uuid4()
    tag = f"m{snap.base_version + 1}_{edit_id.hex[:8]}"
    with workdir(ctx, "music-") as work:
        src = stage(ctx, filename, stream, work)
        length = check_music(src, name)
        bed = make_bed(src, work / "music_bed.wav", ad)
        audio_key = snap.keys.audio(tag)
        with assets.removed_on_failure(ctx.storage, vault=ctx.vault) as written:
            ctx.vault.put(audio_key, bed, "audio/wav")
            written.keys.append(audio_key)
            keys = [s["video_key"] for s in snap.scenes]
            final = written.add(_render(ctx, keys, audio_key, snap, tag, work))
            fitted = "looped" if length < ad - 1e-3 else "cut" if length > ad + 1e-3 else "as it is"
            summary = f"Music: {name} ({length:.1f} s, {fitted} to the ad's {ad:g} s, faded in and out)"
            change = _Change(
                edit_id, name, summary, audio_key, final, actor(brand, user or ctx.settings.user), started
            )
            final = _commit(ctx, snap, change, written, work)
        if final is not change.final:  # re-rendered under the lock: the first render is nobody's
            assets.delete_quietly(ctx.storage, change.final.keys, "stale final")
    return MusicResult(
        campaign_id=str(snap.keys.campaign_id),
        edit_id=str(edit_id),
        filename=name,
        audio_key=audio_key,
        audio_url=ctx.storage.url(audio_key),
        final_video_url=ctx.storage.url(final.key),
        ad_seconds=ad,
        upload_seconds=round(length, 3),
        fitted=fitted,
    )


def _render(
    ctx: Atelier, scene_keys: list[str], audio_key: str, snap: Snapshot, tag: str, work: Path
) -> assets.StoredVideo:
    """The final from the stored scenes (each checked against its SHA-256) with the new music."""
    render_dir = work / f"render-{tag}-{uuid.uuid4().hex[:6]}"
    render_dir.mkdir()
    paths = [assets.fetch(ctx.storage, k, render_dir, f"s{i}.mp4") for i, k in enumerate(scene_keys)]
    local = assets.render_final(
        ctx.storage,
        paths,
        audio_key,
        render_dir,
        fmt=ctx.video_format,
        cache_dir=ctx.settings.cache_dir,
        expected=assets.expected_scenes(ctx.vault, scene_keys),
    )
    return assets.store_video(ctx.vault, local, snap.keys.final(tag), render_dir)


@dataclass(frozen=True)
class _Change:
    edit_id: uuid.UUID
    filename: str
    summary: str
    audio_key: str
    final: assets.StoredVideo
    user: str
    started: float


def _commit(
    ctx: Atelier, snap: Snapshot, change: _Change, written: assets.Written, work: Path
) -> assets.StoredVideo:
    """One transaction: the new music and final, the edit row, the final version.

    A scene committed meanwhile is in the final: it is rendered again under the campaign lock.
    """
    final = change.final
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(snap.keys.campaign_id, session=session, for_update=True)
        cj = copy.deepcopy(c.campaign_json)
        if c.version != snap.base_version:
            keys = [s["video_key"] for s in cj["scenes"]]
            tag = f"m{c.version + 1}_{change.edit_id.hex[:8]}"
            final = written.add(_render(ctx, keys, change.audio_key, snapshot_of(c), tag, work))
        session.add(_row(c.id, snap, cj, change, final, c.version))
        cj["audio_url"] = change.audio_key
        cj["final_video_key"], cj["final_thumbnail_key"] = final.key, final.thumbnail_key
        c.campaign_json, c.version = cj, c.version + 1
        session.flush()
        variation = snap.keys.variation
        versions.record_final_version(
            session,
            campaign_id=c.id,
            variation=variation,
            video_key=final.key,
            thumbnail_key=final.thumbnail_key,
            user=change.user,
            edit_id=change.edit_id,
        )
        settle_campaign(session, c.id, failed=None, spent=Decimal(0))
    return final


def _row(
    campaign_id: uuid.UUID,
    snap: Snapshot,
    cj: dict[str, Any],
    change: _Change,
    final: assets.StoredVideo,
    base_version: int,
) -> EditHistory:
    """The completed edit row of a music change (no scene, $0)."""
    now = datetime.now(UTC)
    elapsed = Decimal(f"{time.monotonic() - change.started:.3f}")
    return EditHistory(
        edit_id=change.edit_id,
        campaign_id=campaign_id,
        timestamp=now,
        scene_index=NO_SCENE,
        variation=snap.keys.variation,
        edit_prompt=f"Replace the music with {change.filename}",
        original_prompt="",
        changes_summary=change.summary,
        cost=Decimal(0),
        cost_breakdown={},
        duration_seconds=elapsed,
        status="completed",
        user_name=change.user,
        video_provider="upload",
        base_version=base_version,
        final_key_before=cj.get("final_video_key"),
        final_key_after=final.key,
        method=Method.MUSIC.value,
        plan={"audio_before": cj.get("audio_url"), "audio_after": change.audio_key},
        attempts=1,
        started_at=now,
        finished_at=now,
        progress_step="save",
        progress_fraction=1.0,
    )

"""Import a campaign: a folder, a zip or an S3 prefix in the seed's layout becomes an Atelier campaign.

All or nothing, in two passes. The first reads and checks everything in a work directory and
stores nothing: campaign.json (:mod:`~editing.transfer.document`), the files it names
(:mod:`~editing.transfer.layout`), every scene normalized to the campaign's canonical format
for its duration in campaign.json (one already canonical is copied byte for byte) and decoded
whole, the music validated as audio (kept as WAV), the campaign's own final decoded whole. The
second stores the files under the new campaign's keys, has Atelier render the final, and writes
the row last (:mod:`editing.builder`). Whatever fails, nothing of the campaign is left: no row,
no file.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from editing import access, assets, builder, media
from editing.access import Scope
from editing.context import Atelier
from editing.errors import CampaignImportError, InvalidAudioError, InvalidVideoError, RenderError
from editing.transfer import layout
from editing.transfer.document import CampaignDocument, VariationSpec, parse
from editing.transfer.sources import MB, Source, copy_stream, open_source

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, str], None]
#: The key suffix of Atelier's own render when the campaign's final is kept as version 1.
RENDERED_FINAL_VERSION = "v2"


@dataclass(frozen=True)
class ImportResult:
    """What an import made: the new campaign, and what it noticed on the way."""

    campaign_id: str
    name: str
    brand: str
    perfume: str
    scenes: int
    duration: float  # seconds, as campaign.json says
    variation: int  # the selected one
    final_video_url: str
    kept_final: bool  # the campaign's own final_video.mp4 is final version 1
    notes: tuple[str, ...] = ()
    variations: int = 1  # how many were imported

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Checked:
    """The first pass's work for one variation: local files ready to store, and what was noticed."""

    cut: layout.Cut
    spec: VariationSpec
    scenes: list[Path]
    audio: Path | None = None
    final: Path | None = None
    notes: list[str] = field(default_factory=list)


def import_campaign(
    ctx: Atelier,
    source: str | Path,
    *,
    brand: str | None = None,
    default_brand: str | None = None,
    where: str | None = None,
    on_progress: ProgressFn | None = None,
    scope: Scope = None,
) -> ImportResult:
    """Import the campaign in a folder, a zip file or an S3 prefix (``s3://bucket/…/campaigns/ID/``).

    Args:
        brand: the brand it goes to, whatever campaign.json says (``--brand``, ATELIER_BRAND).
        default_brand: the brand when neither ``brand`` nor campaign.json's brand_name names one.
        where: how messages name the source (an uploaded file's name).
        scope: who imports (:mod:`editing.access`): an editor of the brand, an admin for a new one.

    Raises:
        CampaignImportError: the source, its campaign.json or one of its files is refused (one line
            naming it); nothing was stored.
        StorageError: the S3 source or Atelier's storage cannot be read or written.
    """
    report = on_progress or (lambda step, message: None)
    with open_source(ctx.settings, source, where=where) as src:
        report("read", f"reading {src.where}")
        sizes = src.sizes()
        json_name = layout.locate(sizes, src.where)
        doc = parse(src.local(json_name).read_bytes())
        plan = layout.plan(doc, sizes, json_name, max_bytes=ctx.settings.import_max_mb * MB)
        owner = brand or doc.brand_name or default_brand
        if not owner:
            raise CampaignImportError("campaign.json names no brand_name: choose the brand (--brand NAME)")
        access.check_create(ctx, scope, owner)
        with builder.draft(
            ctx, brand=owner, perfume=doc.perfume_name, variation=doc.variation, purpose="import"
        ) as new:
            checked = [
                _check(ctx, src, cut, spec, new.variation(cut.variation).workdir, report)
                for cut, spec in zip(plan.every, doc.cuts, strict=True)
            ]
            campaign_json, earlier = _store(new, doc, checked, report)
            title = doc.campaign_name or builder.with_suffix(doc.perfume_name, " — imported")
            name = new.commit(campaign_json, name=title, method="import", earlier_finals=earlier)
    report("save", f"campaign {new.campaign_id} imported")
    return ImportResult(
        campaign_id=str(new.campaign_id),
        name=name,
        brand=owner,
        perfume=doc.perfume_name,
        scenes=len(doc.scenes),
        duration=doc.duration,
        variation=doc.variation,
        final_video_url=ctx.storage.url(campaign_json["final_video_key"]),
        kept_final=bool(earlier.get(doc.variation)),
        notes=tuple(n for c in checked for n in c.notes),
        variations=len(checked),
    )


def import_upload(ctx: Atelier, filename: str, stream: IO[bytes], **options: Any) -> ImportResult:
    """Import an uploaded zip (the New campaign page): written to a work file, then :func:`import_campaign`.

    Raises:
        CampaignImportError: over ATELIER_IMPORT_MAX_MB, or refused by :func:`import_campaign`.
    """
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="upload-") as tmp:
        path = copy_stream(stream, Path(tmp) / "upload.zip", ctx.settings.import_max_mb * MB, filename)
        return import_campaign(ctx, path, where=filename, **options)


# --- first pass: everything checked locally, nothing stored ---------------------------------------


def _check(
    ctx: Atelier, src: Source, cut: layout.Cut, spec: VariationSpec, work: Path, report: ProgressFn
) -> _Checked:
    """One variation's files, checked and normalized in ``work``."""
    scenes = []
    for i, (name, scene) in enumerate(zip(cut.scenes, spec.scenes, strict=True)):
        report("scene", f"scene {i + 1}/{len(cut.scenes)}: {name}")
        scenes.append(_scene(src, name, i, scene.duration, work, ctx.video_format))
    checked = _Checked(cut, spec, scenes)
    if cut.audio:
        report("audio", f"music: {cut.audio}")
        checked.audio = _audio(src, cut.audio, work)
    if cut.final:
        report("final", f"final: {cut.final}")
        checked.final = _final(src, cut.final, checked.notes)
    return checked


def _scene(src: Source, name: str, index: int, duration: float, work: Path, fmt: media.VideoFormat) -> Path:
    """Scene ``index`` normalized to ``fmt`` for ``duration``, decoded whole (a canonical copy too)."""
    scene_dir = work / f"scene{index}"
    scene_dir.mkdir()
    try:
        path = assets.prepare_scene(src.local(name), scene_dir, fmt, duration)
        media.validate_video(path)
    except (InvalidVideoError, RenderError) as exc:
        raise CampaignImportError(f"scene {index + 1} ({name}): {exc}") from None
    return path


def _audio(src: Source, name: str, work: Path) -> Path:
    """The music, checked as audio and kept as WAV (a WAV byte for byte)."""
    try:
        path = src.local(name)
        media.validate_audio(path)
        return media.wav_audio(path, work / "music_bed.wav")
    except (InvalidAudioError, RenderError) as exc:
        raise CampaignImportError(f"music ({name}): {exc}") from None


def _final(src: Source, name: str, notes: list[str]) -> Path | None:
    """The campaign's own final when it decodes; one that does not is left out, with a note."""
    path = src.local(name)
    try:
        media.validate_video(path)
    except InvalidVideoError as exc:
        note = f"{name} was left out: {exc}"
        log.warning("importing: %s", note)
        notes.append(note)
        return None
    return path


# --- second pass: stored under the new campaign's keys --------------------------------------------


def _store(
    new: builder.Draft, doc: CampaignDocument, checked: list[_Checked], report: ProgressFn
) -> tuple[dict[str, Any], dict[int, list[assets.StoredVideo]]]:
    """Store every variation, the selected one at the top level; returns campaign_json, earlier finals."""
    own: dict[int, dict[str, Any]] = {}
    earlier: dict[int, list[assets.StoredVideo]] = {}
    for one in checked:
        v = one.cut.variation
        own[v], earlier[v] = _store_variation(new.variation(v), one, report)
    chosen = own[doc.variation]
    campaign_json = new.campaign_json(
        style=doc.style_spec, scenes=chosen["scenes"], audio_key=chosen["audio_url"], final=chosen["final"]
    )
    if doc.variations:
        campaign_json["variations"] = [
            {**{k: own[v][k] for k in ("scenes", "audio_url")}, **_final_fields(own[v]["final"])}
            for v in sorted(own)
        ]
    return campaign_json, earlier


def _final_fields(final: assets.StoredVideo) -> dict[str, Any]:
    return {"final_video_key": final.key, "final_thumbnail_key": final.thumbnail_key}


def _store_variation(
    new: builder.Draft, checked: _Checked, report: ProgressFn
) -> tuple[dict[str, Any], list[assets.StoredVideo]]:
    """Store one variation's scenes, music and kept final, render its final; its fields, earlier finals."""
    report("store", f"storing the scenes of variation {checked.cut.variation}")
    scene_docs = [
        builder.scene_doc(
            i,
            new.store_scene(i, path),
            role=s.role,
            duration=s.duration,
            prompt=s.background_prompt,
            extra=s.extra,
        )
        for i, (path, s) in enumerate(zip(checked.scenes, checked.spec.scenes, strict=True))
    ]
    audio = new.store_audio(checked.audio) if checked.audio else None
    earlier = [new.store_final(checked.final)] if checked.final else []
    report("render_final", f"rendering the final video of variation {checked.cut.variation}")
    final = new.render_final(checked.scenes, audio, RENDERED_FINAL_VERSION if earlier else None)
    return {"scenes": scene_docs, "audio_url": audio, "final": final}, earlier

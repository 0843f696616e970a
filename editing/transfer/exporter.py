"""Export a campaign: every variation's scenes, music and final, and campaign.json, in the seed's layout.

Written under ``brands/{brand}/perfumes/{perfume}/campaigns/{campaign}/`` (the layout of
:mod:`~editing.transfer.layout`), into a new zip file or folder, which appears whole or not at
all. Every file is checked against the size and SHA-256 recorded when it was stored; the result
lists each one's hash, so a re-import can be compared file for file.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from editing import assets, queries, variations
from editing.access import Scope
from editing.context import Atelier
from editing.errors import InputError, NotFoundError
from editing.storage.integrity import Fingerprint, fingerprint
from editing.storage.keys import CampaignKeys
from editing.transfer import layout
from editing.transfer.document import export_json


@dataclass(frozen=True)
class ExportedFile:
    name: str  # inside the zip or folder
    size: int
    sha256: str


@dataclass(frozen=True)
class ExportResult:
    campaign_id: str
    path: str
    files: tuple[ExportedFile, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Snapshot:
    keys: CampaignKeys
    name: str
    campaign_json: dict[str, Any]


def export_campaign(ctx: Atelier, campaign_id: str, dest: str | Path, *, brand: Scope = None) -> ExportResult:
    """Write the campaign to ``dest``: a new ``.zip`` file, or a new (or empty) folder.

    Raises:
        NotFoundError: unknown campaign or brand, or a campaign ``brand`` may not see.
        InputError: ``dest`` exists (a file, or a folder that is not empty) or its parent does not.
        CorruptFileError: a stored file changed since it was stored; nothing was written.
    """
    target = Path(dest).expanduser()
    as_zip = target.suffix.lower() == ".zip"
    _check_target(target, as_zip)
    snap = _snapshot(ctx, campaign_id, brand)
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir, prefix="export-") as tmp:
        work = Path(tmp)
        files = _gather(ctx, snap, work)
        (_write_zip if as_zip else _write_folder)(target, files)
    listed = tuple(ExportedFile(name, fp.size, fp.sha256) for name, _, fp in files)
    return ExportResult(str(snap.keys.campaign_id), str(target), listed)


def _check_target(target: Path, as_zip: bool) -> None:
    if not target.parent.is_dir():
        raise InputError(f"cannot export to {target}: {target.parent} is not a folder")
    if as_zip and target.exists():
        raise InputError(f"cannot export to {target}: it exists (choose a new file name)")
    if not as_zip and (target.is_file() or (target.is_dir() and any(target.iterdir()))):
        raise InputError(f"cannot export to {target}: it exists and is not an empty folder")


def _snapshot(ctx: Atelier, campaign_id: str, brand: Scope) -> _Snapshot:
    with ctx.db.Session() as session:
        if isinstance(brand, str) and not queries.brand_exists(brand, session=session):
            raise NotFoundError(f"Brand {brand} not found")
        c = queries.load_campaign(campaign_id, session=session, brand=brand)
        cj = copy.deepcopy(c.campaign_json)
        variation = int(cj.get("selected_variation_index", c.selected_variation_index or 0))
        keys = CampaignKeys(str(c.brand_id), str(c.perfume_id), str(c.id), variation)
        return _Snapshot(keys, c.name, cj)


_Gathered = tuple[str, Path, Fingerprint]  # name in the export, the local file, its size and SHA-256


def _wanted(one: dict[str, Any], v: int) -> tuple[list[tuple[str, str]], str | None]:
    """One variation's files: (name in the export, storage key); and where its music goes."""
    wanted = [(layout.scene_path(v, i), s["video_key"]) for i, s in enumerate(one.get("scenes", []))]
    if one.get("final_video_key"):
        wanted.append((layout.final_path(v), one["final_video_key"]))
    audio = layout.audio_path(v) if one.get("audio_url") else None
    if audio:
        wanted.append((audio, one["audio_url"]))
    return wanted, audio


def _gather(ctx: Atelier, snap: _Snapshot, work: Path) -> list[_Gathered]:
    """Every file of every variation in ``work`` (checked against its record), campaign.json last."""
    cj, folder = snap.campaign_json, snap.keys.folder + "/"
    wanted: list[tuple[str, str]] = []
    cuts: list[tuple[dict[str, Any], str | None]] = []
    for v in variations.indices(cj):
        one = variations.view(cj, v)
        files_of, music = _wanted(one, v)
        wanted += files_of
        cuts.append((one, music))
    audio = cuts[variations.indices(cj).index(snap.keys.variation)][1]
    files: list[_Gathered] = []
    for n, (name, key) in enumerate(wanted):
        path, fp = assets.fetch_verified(ctx.vault, key, work, f"{n}.bin")
        files.append((folder + name, path, fp))
    doc = export_json(cj, campaign_name=snap.name, audio_path=audio, variations=cuts)
    json_path = work / layout.CAMPAIGN_JSON
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files.append((folder + layout.CAMPAIGN_JSON, json_path, fingerprint(json_path)))
    return files


def _write_zip(target: Path, files: Sequence[_Gathered]) -> None:
    """Media stored as they are (they do not compress), campaign.json deflated; renamed into place."""
    part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with zipfile.ZipFile(part, "w") as archive:
            for name, path, _ in files:
                packing = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
                archive.write(path, name, compress_type=packing)
        os.link(part, target)  # fails if the target appeared meanwhile: never overwrite
    except FileExistsError:
        raise InputError(f"cannot export to {target}: it exists (choose a new file name)") from None
    finally:
        part.unlink(missing_ok=True)


def _write_folder(target: Path, files: Sequence[_Gathered]) -> None:
    """Written beside the target, then renamed into place."""
    part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        for name, path, _ in files:
            dst = part.joinpath(*name.split("/"))
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst)
        if target.is_dir():
            target.rmdir()  # empty (checked); rename needs it gone
        part.rename(target)
    except OSError as exc:
        raise InputError(f"cannot export to {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(part, ignore_errors=True)

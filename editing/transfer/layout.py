"""Where each file of an imported or exported campaign sits: the seed's S3 layout, inside its folder.

A campaign's folder holds::

    campaign.json                                        the seed's campaign_json
    variations/variation_{v}/draft/scene_{i+1}_bg.mp4    one per scene, i from 0
    variations/variation_{v}/final_video.mp4             optional
    variations/variation_{v}/audio/music_bed.wav         optional: wherever audio_url says

with one ``variation_{v}`` folder per variation campaign.json lists (``variations``: v from 0), or
when it lists none, the one of its ``selected_variation_index``.

The names are :mod:`editing.storage.keys`' own, relative to the campaign's folder. The folder
is the one holding ``campaign.json``: a folder, a zip or an S3 prefix holds exactly one, at its
root or below it. An export puts it at ``brands/{brand}/perfumes/{perfume}/campaigns/{campaign}/``,
the seed's key prefix, so an exported folder copied to a bucket as it is can be imported from there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from editing.errors import CampaignImportError
from editing.storage.keys import audio_file, final_file, scene_file, variation_folder
from editing.transfer.document import CampaignDocument

CAMPAIGN_JSON = "campaign.json"
#: The largest campaign.json read (a 20-scene campaign's is a few kB).
MAX_JSON_BYTES = 1024 * 1024
#: The most files a folder, zip or S3 prefix may hold: a campaign has a few dozen.
MAX_FILES = 10_000
#: How deep campaign.json may sit: brands/{b}/perfumes/{p}/campaigns/{c}/ is 6, plus a wrapping folder.
MAX_DEPTH = 8

_SCENE_FILE = re.compile(r"scene_([1-9][0-9]{0,3})_bg\.mp4")


def scene_path(variation: int, index: int) -> str:
    """Scene ``index`` (0-based) inside the campaign's folder."""
    return f"{variation_folder(variation)}/{scene_file(index)}"


def final_path(variation: int) -> str:
    return f"{variation_folder(variation)}/{final_file()}"


def audio_path(variation: int) -> str:
    """Where an export puts the music bed (an import reads it wherever audio_url says)."""
    return f"{variation_folder(variation)}/{audio_file()}"


@dataclass(frozen=True)
class Cut:
    """The files of one variation, by their names in the source."""

    variation: int
    scenes: tuple[str, ...]
    final: str | None
    audio: str | None


@dataclass(frozen=True)
class Plan:
    """The files of one campaign inside a source, by their names there; what an import reads.

    ``scenes``, ``final`` and ``audio`` are the selected variation's; ``cuts`` every variation's
    when campaign.json lists several (empty: the selected one is the only one).
    """

    campaign_json: str
    scenes: tuple[str, ...]
    final: str | None
    audio: str | None
    variation: int = 0
    cuts: tuple[Cut, ...] = ()

    @property
    def every(self) -> tuple[Cut, ...]:
        """Every variation's files."""
        return self.cuts or (Cut(self.variation, self.scenes, self.final, self.audio),)

    @property
    def names(self) -> list[str]:
        files = [n for c in self.every for n in (*c.scenes, c.final, c.audio) if n]
        return [self.campaign_json, *dict.fromkeys(files)]


def locate(sizes: Mapping[str, int], where: str) -> str:
    """The name of the one campaign.json among a source's files.

    Raises:
        CampaignImportError: none, or more than one (one campaign per import), or one too big.
    """
    found = sorted(n for n in sizes if PurePosixPath(n).name == CAMPAIGN_JSON and n.count("/") <= MAX_DEPTH)
    if not found:
        raise CampaignImportError(
            f"{where} holds no campaign.json: a campaign is campaign.json and its "
            "variations/variation_N/ folder (see the README, Import and export)"
        )
    if len(found) > 1:
        raise CampaignImportError(
            f"{where} holds {len(found)} campaign.json files ({', '.join(found[:2])}"
            f"{'…' if len(found) > 2 else ''}): one campaign per import"
        )
    if sizes[found[0]] > MAX_JSON_BYTES:
        raise CampaignImportError(
            f"{found[0]} is {sizes[found[0]]:,} bytes; a campaign.json is at most {MAX_JSON_BYTES:,}"
        )
    return found[0]


def plan(doc: CampaignDocument, sizes: Mapping[str, int], campaign_json: str, *, max_bytes: int) -> Plan:
    """Which files of the source make the campaign ``doc`` describes, checked against what is there.

    Raises:
        CampaignImportError: a scene file missing, scene files campaign.json does not describe,
            the music audio_url names missing, or more bytes than ``max_bytes`` in all.
    """
    folder = campaign_json[: -len(CAMPAIGN_JSON)]
    cuts = tuple(_cut(sizes, folder, spec.index, len(spec.scenes), spec.audio_path) for spec in doc.cuts)
    one = next(c for c in cuts if c.variation == doc.variation)
    many = cuts if doc.variations else ()
    chosen = Plan(campaign_json, one.scenes, one.final, one.audio, doc.variation, many)
    total = sum(sizes[n] for n in chosen.names)
    if total > max_bytes:
        raise CampaignImportError(
            f"the campaign's files weigh {total / 2**20:.1f} MB, over the import limit of "
            f"{max_bytes / 2**20:.0f} MB (ATELIER_IMPORT_MAX_MB)"
        )
    return chosen


def _cut(sizes: Mapping[str, int], folder: str, v: int, count: int, audio_path: str | None) -> Cut:
    """One variation's files: its scenes (all there, and no more), its music, its final if any."""
    scenes = tuple(folder + scene_path(v, i) for i in range(count))
    _check_scene_files(sizes, scenes, folder + f"{variation_folder(v)}/draft/")
    audio = folder + audio_path if audio_path else None
    if audio is not None and audio not in sizes:
        raise CampaignImportError(f"campaign.json's audio_url names {audio}, which is not there")
    final = folder + final_path(v)
    return Cut(v, scenes, final if final in sizes else None, audio)


def _check_scene_files(sizes: Mapping[str, int], wanted: tuple[str, ...], draft: str) -> None:
    """Exactly the scene files campaign.json describes: scene_1_bg.mp4 … scene_N_bg.mp4."""
    missing = next((name for name in wanted if name not in sizes), None)
    if missing is not None:
        raise CampaignImportError(f"campaign.json has {len(wanted)} scenes, but there is no {missing}")
    numbers = sorted(
        int(m.group(1))
        for name in sizes
        if name.startswith(draft) and (m := _SCENE_FILE.fullmatch(name[len(draft) :]))
    )
    if len(numbers) > len(wanted):
        raise CampaignImportError(
            f"campaign.json has {len(wanted)} scenes, but {draft} holds {len(numbers)} scene files "
            f"(up to scene_{numbers[-1]}_bg.mp4)"
        )

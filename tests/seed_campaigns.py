"""Seed-shaped campaigns for the import tests: ffmpeg-made clips of several formats, laid out as the
seed's S3 helpers lay them out, as a folder or a zip.

The clips are made once per test session by the ``clips`` fixture (tests/conftest.py); they are
read, never changed.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editing.media import VideoFormat
from tests.conftest import FAST_ENV
from tests.media.test_media import canonical_scene, ff

#: The format the tests' Atelier normalizes to (FAST_ENV).
FAST = VideoFormat(
    width=int(FAST_ENV["ATELIER_VIDEO_WIDTH"]),
    height=int(FAST_ENV["ATELIER_VIDEO_HEIGHT"]),
    fps=int(FAST_ENV["ATELIER_VIDEO_FPS"]),
)
LAVFI = ("-f", "lavfi", "-i")
X264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart")
AAC = ("-c:a", "aac", "-shortest")
STYLE = {
    "lighting_direction": "soft golden key light from the left",
    "camera_style": "slow cinematic dolly",
    "mood_atmosphere": "elegant and warm",
    "color_palette": ["gold", "amber", "ivory"],
}


@dataclass(frozen=True)
class Clips:
    """Test media, one file each: scenes as models and phones make them, music, a final."""

    portrait: Path  # 1080x1920, 30 fps, H.264 + AAC: a model's 9:16 output with sound
    landscape: Path  # 1280x720, 25 fps, no audio: 16:9 footage
    canonical: Path  # already in the tests' canonical format, 12 frames = 1 s
    music: Path  # 2 s WAV
    mp3: Path  # 2 s MP3 (stored as WAV)
    final: Path  # a decodable 3 s mp4 with sound
    text: Path  # not media at all


def make_clips(d: Path) -> Clips:
    portrait, landscape, final = d / "portrait.mp4", d / "landscape.mp4", d / "final.mp4"
    ff(*LAVFI, "testsrc2=s=1080x1920:r=30:d=1", *LAVFI, "sine=f=330:d=1", *X264, *AAC, str(portrait))
    ff(*LAVFI, "testsrc2=s=1280x720:r=25:d=1", *X264, str(landscape))
    ff(*LAVFI, f"testsrc2=s={FAST.width}x{FAST.height}:r=12:d=3", *LAVFI, "sine=d=3", *X264, *AAC, str(final))
    canonical = canonical_scene(d / "canonical.mp4", "blue", frames=FAST.fps, fmt=FAST)
    music, mp3 = d / "music.wav", d / "music.mp3"
    ff(*LAVFI, "sine=f=220:d=2", "-ac", "2", str(music))
    ff(*LAVFI, "sine=f=440:d=2", "-c:a", "libmp3lame", str(mp3))
    text = d / "notes.txt"
    text.write_text("these are notes, not a video\n" * 20)
    return Clips(portrait, landscape, canonical, music, mp3, final, text)


def seed_doc(durations: Sequence[float], **fields: Any) -> dict[str, Any]:
    """campaign.json in the seed's shape, with ``fields`` replacing (or, as None, removing) fields."""
    roles = ["hook", "showcase", "lifestyle", "detail", "cta"]
    doc: dict[str, Any] = {
        "perfume_name": "Ambre Nocturne",
        "brand_name": "Maison Test",
        "campaign_name": "Ambre Nocturne — spring",
        "style_spec": STYLE,
        "audio_url": "variations/variation_0/audio/music_bed.wav",
        "selected_variation_index": 0,
        "scenes": [
            {
                "scene_id": i + 1,
                "role": roles[i % len(roles)],
                "duration": d,
                "background_prompt": f"Scene {i + 1}: the Ambre Nocturne bottle in warm light, take {i}",
            }
            for i, d in enumerate(durations)
        ],
    }
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def lay_out(
    root: Path,
    doc: dict[str, Any] | str,
    scenes: Sequence[Path],
    *,
    audio: Path | None = None,
    final: Path | None = None,
    variation: int = 0,
    nested: bool = False,
) -> Path:
    """Write a campaign folder: campaign.json, draft/scene_{i+1}_bg.mp4, final_video.mp4, the music.

    ``nested`` puts it under brands/…/campaigns/… as the seed's keys do. Returns ``root``.
    """
    folder = root / "brands/b1/perfumes/p1/campaigns/c1" if nested else root
    base = folder / f"variations/variation_{variation}"
    (base / "draft").mkdir(parents=True, exist_ok=True)
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False, indent=2)
    (folder / "campaign.json").write_text(text, encoding="utf-8")
    for i, clip in enumerate(scenes):
        shutil.copyfile(clip, base / "draft" / f"scene_{i + 1}_bg.mp4")
    if audio is not None:
        (base / "audio").mkdir(exist_ok=True)
        shutil.copyfile(audio, base / "audio" / f"music_bed{audio.suffix}")
    if final is not None:
        shutil.copyfile(final, base / "final_video.mp4")
    return root


def zip_folder(folder: Path, dst: Path) -> Path:
    """A zip of the folder's files, names relative to it (media stored, campaign.json deflated)."""
    with zipfile.ZipFile(dst, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                packing = zipfile.ZIP_DEFLATED if path.suffix == ".json" else zipfile.ZIP_STORED
                archive.write(path, path.relative_to(folder).as_posix(), compress_type=packing)
    return dst


#: What an import could leave behind: row counts of the tables it writes, and the stored files.
Snapshot = dict[str, Any]

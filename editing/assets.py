"""Moving media between a work directory and storage: ingest a scene, render a final.

Shared by the demo builder and the edit pipeline so both store exactly the same
way: normalize once on the way in, poster frame beside each video, write-once keys,
and whatever a failed build wrote is removed again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from editing import media
from editing.errors import AtelierError, CorruptFileError
from editing.media import VideoFormat
from editing.media.mp4join import Expected
from editing.storage.base import Storage
from editing.storage.integrity import Fingerprint, Vault, fingerprint
from editing.storage.keys import thumbnail_key
from editing.storage.local import LocalStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredVideo:
    key: str
    thumbnail_key: str
    duration: float
    sha256: str = ""

    @property
    def keys(self) -> list[str]:
        return [self.key, self.thumbnail_key]


@dataclass
class Written:
    """Keys stored by a build that is not committed yet."""

    keys: list[str] = field(default_factory=list)

    def add(self, video: StoredVideo) -> StoredVideo:
        self.keys += video.keys
        return video


@contextmanager
def removed_on_failure(storage: Storage, *, vault: Vault | None = None) -> Iterator[Written]:
    """Track the keys a build stores; if the build raises, remove them (best effort) and re-raise.

    With ``vault``, the size and SHA-256 records of the removed files go too.
    """
    written = Written()
    try:
        yield written
    except BaseException:
        removed = delete_quietly(storage, written.keys, "failed build")
        if vault is not None and removed:
            try:
                vault.forget(removed)
            except Exception as exc:  # a failure on top of a failure must not hide the first one
                log.warning("could not drop the records of %d removed files: %s", len(removed), exc)
        raise


def prepare_scene(src: Path, workdir: Path, fmt: VideoFormat, duration: float) -> Path:
    """Normalize a generated scene to the campaign's canonical format (a copy when it already is).

    Raises:
        InvalidVideoError: ``src`` is not a decodable video; nothing is written.
    """
    dst = workdir / f"{src.stem}_canonical.mp4"
    media.normalize_scene(src, dst, fmt, duration)
    return dst


def store_video(vault: Vault, path: Path, key: str, workdir: Path) -> StoredVideo:
    """Store a video and its poster frame (sizes and SHA-256 recorded); returns the keys written."""
    thumb = media.extract_thumbnail(path, workdir / f"{path.stem}_thumb.jpg")
    info = media.probe(path)
    tkey = thumbnail_key(key)
    fingerprint = vault.put(key, path, "video/mp4")
    vault.put(tkey, thumb, "image/jpeg")
    return StoredVideo(key=key, thumbnail_key=tkey, duration=info.duration, sha256=fingerprint.sha256)


def expected_scenes(vault: Vault, keys: Sequence[str]) -> list[Expected | None]:
    """What each stored scene must still be when it joins a final (its recorded SHA-256)."""
    records = vault.records(keys)
    return [
        Expected(f"scene {i + 1} ({PurePosixPath(key).name})", records[key].sha256)
        if key in records
        else None
        for i, key in enumerate(keys)
    ]


def delete_quietly(storage: Storage, keys: Sequence[str], why: str) -> list[str]:
    """Best effort: an unreferenced file left behind is harmless, a failure on top of a failure is not.

    Returns the keys it removed.
    """
    removed = []
    for key in keys:
        try:
            storage.delete(key)
        except AtelierError as exc:
            log.warning("could not remove %s (%s): %s", key, why, exc)
        else:
            removed.append(key)
    return removed


def fetch(storage: Storage, key: str, workdir: Path, name: str) -> Path:
    """A local path for a stored file: direct for local storage, a download otherwise."""
    if isinstance(storage, LocalStorage):
        path = storage.local_path(key)
        if path.is_file():
            return path
    return storage.get_file(key, workdir / name)


def fetch_verified(vault: Vault, key: str, workdir: Path, name: str) -> tuple[Path, Fingerprint]:
    """A local copy of a stored file and its fingerprint, checked against the one recorded at store time.

    Raises:
        CorruptFileError: its bytes changed since it was stored.
        StorageError: it is missing or unreadable.
    """
    path = fetch(vault.storage, key, workdir, name)
    actual = fingerprint(path)
    recorded = vault.records([key]).get(key)
    if recorded is not None and actual != recorded:
        raise CorruptFileError(
            f"{PurePosixPath(key).name} changed since it was stored (SHA-256 differs: {key}); "
            "run `python -m editing verify` to see what else is affected"
        )
    return path, actual


def render_final(
    storage: Storage,
    scene_paths: Sequence[Path],
    audio_key: str | None,
    workdir: Path,
    *,
    fmt: VideoFormat,
    cache_dir: Path,
    expected: Sequence[Expected | None] = (),
) -> Path:
    """Concat the canonical scenes and mux the audio bed; returns the local final video.

    ``cache_dir`` keeps the AAC encoding of the bed per length, so a re-render after a
    one-scene edit encodes nothing.
    """
    audio = fetch(storage, audio_key, workdir, "audio.wav") if audio_key else None
    dst = workdir / "final_video.mp4"
    media.render_final(
        list(scene_paths), audio, dst, workdir, fmt=fmt, cache_dir=cache_dir, expected=expected
    )
    return dst

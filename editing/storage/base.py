"""Storage interface and the seed's key layout (s3_utils), with versioned keys.

A key is a POSIX-style path relative to the store's root. A stored key is never
overwritten: a new scene or final video gets a new key, so every earlier
version stays playable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Storage(Protocol):
    """Where scene videos, final videos, thumbnails and audio live."""

    name: str

    def put_file(self, key: str, src: Path, content_type: str = "video/mp4") -> None:
        """Store ``src`` under ``key``.

        Raises:
            StorageError: the key already exists (keys are write-once) or the write failed.
        """
        ...

    def get_file(self, key: str, dst: Path) -> Path:
        """Copy the object to local ``dst`` (the caller removes it).

        Raises:
            StorageError: missing key or read failure.
        """
        ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str, expires_s: int = 3600) -> str:
        """A URL or local path the browser (st.video / st.image) can play."""
        ...

    def delete(self, key: str) -> None: ...

    def check(self) -> str:
        """One-line status; raises StorageError when the store is unusable."""
        ...


def campaign_prefix(brand_id: str, perfume_id: str, campaign_id: str, variation_index: int) -> str:
    return (
        f"brands/{brand_id}/perfumes/{perfume_id}/campaigns/{campaign_id}/"
        f"variations/variation_{variation_index}"
    )


def scene_key(
    brand_id: str,
    perfume_id: str,
    campaign_id: str,
    variation_index: int,
    scene_index: int,
    version: str | None = None,
) -> str:
    """Key of a scene video (``scene_index`` 0-based, as in the seed).

    Version None is the seed's exact key (``draft/scene_{i+1}_bg.mp4``); later
    versions add a suffix so they never overwrite it.
    """
    if scene_index < 0:
        raise ValueError(f"scene index must be >= 0, got {scene_index}")
    suffix = f"_{version}" if version else ""
    return (
        f"{campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)}"
        f"/draft/scene_{scene_index + 1}_bg{suffix}.mp4"
    )


def final_video_key(
    brand_id: str, perfume_id: str, campaign_id: str, variation_index: int, version: str | None = None
) -> str:
    """Key of the final video; version None is the seed's ``final_video.mp4``."""
    suffix = f"_{version}" if version else ""
    return f"{campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)}/final_video{suffix}.mp4"


def thumbnail_key(video_key: str) -> str:
    """Poster frame stored beside its video."""
    return video_key.rsplit(".", 1)[0] + "_thumb.jpg"


def audio_key(
    brand_id: str, perfume_id: str, campaign_id: str, variation_index: int, version: str | None = None
) -> str:
    suffix = f"_{version}" if version else ""
    return (
        f"{campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)}/audio/music_bed{suffix}.wav"
    )


def s3_https_url(bucket: str, region: str, key: str) -> str:
    """The seed's virtual-hosted URL form."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def get_scene_s3_url(
    brand_id: str,
    perfume_id: str,
    campaign_id: str,
    variation_index: int,
    scene_index: int,
    *,
    bucket: str,
    region: str,
    version: str | None = None,
) -> str:
    """The seed's helper: S3 URL of a scene video (0-based ``scene_index``)."""
    return s3_https_url(
        bucket, region, scene_key(brand_id, perfume_id, campaign_id, variation_index, scene_index, version)
    )


def get_final_video_s3_url(
    brand_id: str,
    perfume_id: str,
    campaign_id: str,
    variation_index: int,
    *,
    bucket: str,
    region: str,
    version: str | None = None,
) -> str:
    """The seed's helper: S3 URL of the final video."""
    return s3_https_url(
        bucket, region, final_video_key(brand_id, perfume_id, campaign_id, variation_index, version)
    )

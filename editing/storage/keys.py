"""The seed's storage key layout (s3_utils), with versioned keys.

``brands/{brand}/perfumes/{perfume}/campaigns/{campaign}/variations/variation_{v}/``
``draft/scene_{i+1}_bg.mp4`` and ``final_video.mp4`` for the first version; each later
version adds a suffix (``scene_2_bg_v2_1a2b3c4d.mp4``), so nothing is ever overwritten.
The same names relative to the campaign's folder (``variations/variation_{v}/…``) are the
layout of an imported or exported campaign (:mod:`editing.transfer.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CampaignKeys:
    """The keys of one campaign variation's files."""

    brand_id: str
    perfume_id: str
    campaign_id: str
    variation: int = 0

    @property
    def prefix(self) -> str:
        return campaign_prefix(self.brand_id, self.perfume_id, self.campaign_id, self.variation)

    @property
    def folder(self) -> str:
        """The campaign's folder (every variation's files, and an export's campaign.json, sit under it)."""
        return campaign_folder(self.brand_id, self.perfume_id, self.campaign_id)

    def scene(self, scene_index: int, version: str | None = None) -> str:
        return scene_key(
            self.brand_id, self.perfume_id, self.campaign_id, self.variation, scene_index, version
        )

    def final(self, version: str | None = None) -> str:
        return final_video_key(self.brand_id, self.perfume_id, self.campaign_id, self.variation, version)

    def audio(self, version: str | None = None) -> str:
        return audio_key(self.brand_id, self.perfume_id, self.campaign_id, self.variation, version)


def campaign_folder(brand_id: str, perfume_id: str, campaign_id: str) -> str:
    return f"brands/{brand_id}/perfumes/{perfume_id}/campaigns/{campaign_id}"


def variation_folder(variation_index: int) -> str:
    """A variation's folder, relative to its campaign's folder."""
    return f"variations/variation_{variation_index}"


def campaign_prefix(brand_id: str, perfume_id: str, campaign_id: str, variation_index: int) -> str:
    return f"{campaign_folder(brand_id, perfume_id, campaign_id)}/{variation_folder(variation_index)}"


def scene_file(scene_index: int, version: str | None = None) -> str:
    """A scene's path inside its variation's folder (``draft/scene_{i+1}_bg.mp4``, 0-based index)."""
    if scene_index < 0:
        raise ValueError(f"scene index must be >= 0, got {scene_index}")
    suffix = f"_{version}" if version else ""
    return f"draft/scene_{scene_index + 1}_bg{suffix}.mp4"


def final_file(version: str | None = None) -> str:
    suffix = f"_{version}" if version else ""
    return f"final_video{suffix}.mp4"


def audio_file(version: str | None = None) -> str:
    suffix = f"_{version}" if version else ""
    return f"audio/music_bed{suffix}.wav"


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
    prefix = campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)
    return f"{prefix}/{scene_file(scene_index, version)}"


def final_video_key(
    brand_id: str, perfume_id: str, campaign_id: str, variation_index: int, version: str | None = None
) -> str:
    """Key of the final video; version None is the seed's ``final_video.mp4``."""
    return f"{campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)}/{final_file(version)}"


def thumbnail_key(video_key: str) -> str:
    """Poster frame stored beside its video."""
    return video_key.rsplit(".", 1)[0] + "_thumb.jpg"


def audio_key(
    brand_id: str, perfume_id: str, campaign_id: str, variation_index: int, version: str | None = None
) -> str:
    return f"{campaign_prefix(brand_id, perfume_id, campaign_id, variation_index)}/{audio_file(version)}"


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

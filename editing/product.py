"""The campaign's product image (the packshot): what keeps the bottle the same bottle in every scene.

A PNG or JPEG checked with Pillow (:mod:`editing.media.packshot`), stored write-once under the
campaign's folder (``…/campaigns/{id}/product/packshot_{sha}.png``; an earlier one stays) and
named by ``campaign_json["product_image_key"]``. Every scene generated afterwards gets it
(:meth:`editing.pipeline.SceneEditPipeline.generate_scene`): the Replicate generator sends it
to a model that takes an image (Seedance: image-to-video), the offline generator paints the
bottle in its dominant colours.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from dataclasses import asdict, dataclass
from typing import IO, Any

from editing import queries
from editing.access import EDITING, Scope
from editing.context import Atelier
from editing.errors import UploadError
from editing.media.packshot import NotAnImage, check_packshot, dominant_colours, hex_colour
from editing.storage.keys import CampaignKeys
from editing.uploads import safe_name, stage, workdir

#: Larger packshots are refused (a product photo is a few MB).
MAX_IMAGE_MB = 25
KEY = "product_image_key"


@dataclass(frozen=True)
class ProductImage:
    """A campaign's product image: where it is, its size, its dominant colours (hex, most common first)."""

    campaign_id: str
    key: str
    url: str
    width: int
    height: int
    format: str
    colours: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def product_key(keys: CampaignKeys, digest: str, extension: str) -> str:
    """Where a campaign's packshot is stored: its folder, not a variation's (every variation shows it)."""
    return f"{keys.folder}/product/packshot_{digest[:12]}.{extension}"


def set_product_image(
    ctx: Atelier,
    campaign_id: str | uuid.UUID,
    filename: str,
    stream: IO[bytes],
    *,
    brand: Scope = None,
) -> ProductImage:
    """Make an uploaded PNG or JPEG the campaign's product image.

    Raises:
        UploadError: not a PNG or JPEG, damaged, too small or too large (nothing stored).
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    name = safe_name(filename)
    with ctx.db.Session() as session:
        keys = _keys(queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING))
    with workdir(ctx, "packshot-") as work:
        path = stage(ctx, filename, stream, work)
        if path.stat().st_size > MAX_IMAGE_MB * 2**20:
            raise UploadError(f"{name} is over {MAX_IMAGE_MB} MB; a product image is smaller")
        try:
            shot = check_packshot(path)
        except NotAnImage as exc:
            raise UploadError(f"{name} {exc}") from None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        key = product_key(keys, digest, shot.extension)
        if key not in ctx.vault.records([key]):  # content-addressed: the same image is stored once
            ctx.vault.put(key, path, shot.content_type)
        colours = tuple(hex_colour(c) for c, _ in dominant_colours(path))
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING, for_update=True)
        cj = copy.deepcopy(c.campaign_json)
        cj[KEY] = key
        c.campaign_json = cj
    return ProductImage(
        str(keys.campaign_id), key, ctx.storage.url(key), shot.width, shot.height, shot.format, colours
    )


def get_product_image(
    ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None
) -> ProductImage | None:
    """The campaign's product image, or None.

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session() as session:
        campaign = queries.load_campaign(campaign_id, session=session, brand=brand)
        key = campaign.campaign_json.get(KEY)
        cid = str(campaign.id)
    if not key:
        return None
    with workdir(ctx, "packshot-") as work:
        from editing import assets

        path = assets.fetch(ctx.storage, key, work, "packshot")
        shot = check_packshot(path)
        colours = tuple(hex_colour(c) for c, _ in dominant_colours(path))
    return ProductImage(cid, key, ctx.storage.url(key), shot.width, shot.height, shot.format, colours)


def clear_product_image(ctx: Atelier, campaign_id: str | uuid.UUID, *, brand: Scope = None) -> None:
    """Scenes generated from now on get no product image (the stored file stays).

    Raises:
        NotFoundError: unknown campaign, or one ``brand`` may not see.
    """
    with ctx.db.Session.begin() as session:
        c = queries.load_campaign(campaign_id, session=session, brand=brand, need=EDITING, for_update=True)
        cj = copy.deepcopy(c.campaign_json)
        cj.pop(KEY, None)
        c.campaign_json = cj


def _keys(campaign: Any) -> CampaignKeys:
    variation = int(campaign.campaign_json.get("selected_variation_index", 0))
    return CampaignKeys(str(campaign.brand_id), str(campaign.perfume_id), str(campaign.id), variation)

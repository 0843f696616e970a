"""The product image: checked with Pillow and stored; sent to Seedance as the first frame; the offline
bottle takes its colours."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from editing import campaigns, media
from editing.context import Atelier
from editing.demo import create_demo_campaign
from editing.errors import UploadError
from editing.pipeline import edit_scene
from editing.product import clear_product_image, get_product_image, set_product_image
from editing.transfer import duplicate_campaign
from tests.fakes.replicate_server import FakeReplicate, make_tiny_mp4

BLUE, GOLD = (31, 79, 209), (212, 175, 55)


def packshot(size: tuple[int, int] = (600, 900), fmt: str = "PNG") -> bytes:
    """A studio packshot: white backdrop, a blue bottle with a gold label."""
    img = Image.new("RGB", size, "white")
    w, h = size
    draw = ImageDraw.Draw(img)
    draw.rectangle((w * 0.3, h * 0.2, w * 0.7, h * 0.9), fill=BLUE)
    draw.rectangle((w * 0.36, h * 0.5, w * 0.64, h * 0.62), fill=GOLD)
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def test_a_packshot_is_stored_with_its_colours(ctx: Atelier, demo: str) -> None:
    shot = set_product_image(ctx, demo, "bottle.png", io.BytesIO(packshot()))
    assert (shot.format, shot.width, shot.height) == ("PNG", 600, 900)
    assert "/product/packshot_" in shot.key and Path(shot.url).read_bytes() == packshot()
    r, g, b = (int(shot.colours[0][i : i + 2], 16) for i in (1, 3, 5))
    assert abs(r - BLUE[0]) + abs(g - BLUE[1]) + abs(b - BLUE[2]) < 30  # the bottle, not the backdrop
    assert get_product_image(ctx, demo) == shot
    again = set_product_image(ctx, demo, "same.png", io.BytesIO(packshot()))  # stored once
    assert again.key == shot.key
    copy = duplicate_campaign(ctx, demo)  # the copy has its own packshot, under its own folder
    copied = get_product_image(ctx, copy.campaign_id)
    assert copied is not None and copied.key != shot.key and copy.campaign_id in copied.key
    assert Path(copied.url).read_bytes() == packshot()
    clear_product_image(ctx, demo)
    assert get_product_image(ctx, demo) is None and Path(shot.url).exists()


def test_bad_images_are_refused_and_nothing_is_stored(ctx: Atelier, demo: str) -> None:
    gif = io.BytesIO()
    Image.new("RGB", (200, 200), "red").save(gif, format="GIF")
    whole = packshot()
    cases = [
        ("notes.png", b"not an image\n" * 30, "not an image"),
        ("empty.jpg", b"", "empty"),
        ("anim.gif", gif.getvalue(), "GIF image; use a PNG or JPEG"),
        ("icon.png", packshot((40, 40)), "40×40"),
        ("cut.png", whole[: len(whole) // 2], "damaged"),
    ]
    files = sorted(p for p in ctx.settings.media_dir.rglob("*") if p.is_file())
    for name, content, error in cases:
        with pytest.raises(UploadError, match=error) as caught:
            set_product_image(ctx, demo, name, io.BytesIO(content))
        assert str(caught.value).startswith(name) and "\n" not in str(caught.value)
    assert sorted(p for p in ctx.settings.media_dir.rglob("*") if p.is_file()) == files
    assert get_product_image(ctx, demo) is None


def _blue_share(video: Path) -> tuple[float, np.ndarray]:
    """The share of clearly blue pixels in a frame of ``video``, and their mean colour."""
    frame = next(iter(media.read_frames(video, size=(180, 320)))).astype(np.int32)
    r, g, b = frame[..., 0], frame[..., 1], frame[..., 2]
    blue = (b > r + 50) & (b > g + 25)
    return float(blue.mean()), frame[blue].mean(axis=0) if blue.any() else np.zeros(3)


def test_the_offline_bottle_takes_the_packshot_colour(ctx: Atelier, demo: str) -> None:
    before = edit_scene(ctx, demo, 1, "add rose petals", method="regenerate")
    share_before, _ = _blue_share(Path(str(before["new_scene_url"])))
    set_product_image(ctx, demo, "bottle.png", io.BytesIO(packshot()))
    after = edit_scene(ctx, demo, 1, "remove the petals", method="regenerate")
    share_after, mean = _blue_share(Path(str(after["new_scene_url"])))
    assert share_before < 0.001 and share_after > 0.01  # the liquid is the packshot's blue
    assert mean[2] > 1.5 * mean[0] and mean[2] > mean[1]


@pytest.fixture
def replicate_ctx(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Atelier, FakeReplicate]]:
    with FakeReplicate(video=make_tiny_mp4(seconds=2.0, size=(144, 256), fps=24)) as fake:
        settings = make_settings(
            REPLICATE_API_TOKEN=fake.api_token,
            REPLICATE_BASE_URL=fake.base_url,
            ATELIER_REPLICATE_TIMEOUT="20",
            TRUSTED_MEDIA_HOSTS=fake.host,
        )
        monkeypatch.setenv("REPLICATE_POLL_INTERVAL", "0.02")
        ctx = Atelier.open(settings)
        try:
            yield ctx, fake
        finally:
            ctx.close()


def test_seedance_gets_the_packshot_as_its_first_frame(replicate_ctx: tuple[Atelier, FakeReplicate]) -> None:
    ctx, fake = replicate_ctx
    cid = str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0))
    edit_scene(ctx, cid, 0, "add rose petals", method="regenerate")
    assert "image" not in fake.creates[0].json["input"]  # no product image: text-to-video
    big = packshot((1800, 2400), fmt="JPEG")
    set_product_image(ctx, cid, "bottle.jpg", io.BytesIO(big))
    edit_scene(ctx, cid, 1, "add gold dust", method="regenerate")
    sent = fake.creates[1].json["input"]
    assert fake.creates[1].path == "/v1/models/bytedance/seedance-1-lite/predictions"
    head, _, data = sent["image"].partition(",")
    assert head == "data:image/jpeg;base64"
    with Image.open(io.BytesIO(base64.b64decode(data))) as img:
        assert (img.format, img.size) == ("JPEG", (768, 1024))  # at most 1024 px a side, shape kept
        centre = img.convert("RGB").getpixel((384, 400))
    assert abs(centre[2] - BLUE[2]) < 30 and centre[0] < 80  # the bottle
    assert sent["prompt"] and sent["duration"] == 2 and campaigns.list_scenes(ctx, cid)[1].edit_count == 1

"""Upload commands: replace a scene with a clip, the music with a track, set the product image."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO

from editing.cli.common import line, out, scene_index
from editing.context import Atelier
from editing.errors import UploadError
from editing.music import replace_music
from editing.product import set_product_image
from editing.uploads import Fit, replace_scene


def _open(path: str) -> IO[bytes]:
    """The file to upload, opened for reading.

    Raises:
        UploadError: it does not exist or is not a file.
    """
    p = Path(path)
    if not p.is_file():
        raise UploadError(f"{path} is not a file")
    return p.open("rb")


def cmd_upload(ctx: Atelier, args: argparse.Namespace) -> None:
    index = scene_index(args.scene)
    with _open(args.file) as f:
        fit = Fit.SCENE if args.fit_scene else Fit.KEEP
        result = replace_scene(
            ctx, args.campaign, index, Path(args.file).name, f, fit=fit, brand=args.brand, user=args.user
        )
    if args.json:
        out(result)
    else:
        line(f"{result['changes_summary']} (free, {result['elapsed_s']}s)")
        line(f"final video: {result['new_video_url']}")


def cmd_music(ctx: Atelier, args: argparse.Namespace) -> None:
    with _open(args.file) as f:
        result = replace_music(ctx, args.campaign, Path(args.file).name, f, brand=args.brand, user=args.user)
    if args.json:
        out(result.to_dict())
    else:
        line(f"music: {result.filename}, {result.fitted} to {result.ad_seconds:g} s (free)")
        line(f"final video: {result.final_video_url}")


def cmd_product_image(ctx: Atelier, args: argparse.Namespace) -> None:
    with _open(args.file) as f:
        shot = set_product_image(ctx, args.campaign, Path(args.file).name, f, brand=args.brand)
    if args.json:
        out(shot.to_dict())
    else:
        line(f"product image: {shot.width}x{shot.height} {shot.format}, colours {' '.join(shot.colours)}")
        line("scenes generated from now on start from it")


def register(add: object) -> None:
    """Add the upload commands to the parser (``add(name, fn, help)`` returns a subparser)."""
    assert callable(add)
    u = add("upload", cmd_upload, "replace a scene with a video file (mp4, mov, webm, mkv…; free)")
    u.add_argument("campaign")
    u.add_argument("scene", help="0-based scene index")
    u.add_argument("file", help="the clip; it keeps its own length (0.5 to 60 s) unless --fit-scene")
    u.add_argument(
        "--fit-scene", action="store_true", help="cut the clip (or hold its end) to the scene's length"
    )
    m = add("music", cmd_music, "replace the music with an audio file (mp3, wav, m4a, ogg…; free)")
    m.add_argument("campaign")
    m.add_argument("file", help="the track; looped or cut to the ad's length, faded in and out")
    p = add("product-image", cmd_product_image, "set the product image (PNG or JPEG packshot)")
    p.add_argument("campaign")
    p.add_argument("file", help="the packshot; scenes generated afterwards start from it")

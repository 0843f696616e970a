"""The Editor's uploaders in AppTest on a real database: the music, the product image, a scene's clip;
a bad file is one line and changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from streamlit.testing.v1 import AppTest

from editing import campaigns, versions
from editing.context import Atelier
from tests.media.test_media import ff
from tests.ui.conftest import _app


def _uploader(at: AppTest, key: str) -> object:
    return next(u for u in at.file_uploader if u.key == key)


def _ok(at: AppTest) -> None:
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])


def test_music_product_image_and_a_scene_clip_through_the_editor(
    app_env: dict[str, str], tmp_path: Path
) -> None:
    song, clip = tmp_path / "song.ogg", tmp_path / "take.webm"
    ff("-f", "lavfi", "-i", "sine=f=300:d=2", "-c:a", "libvorbis", str(song))
    ff("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=1", "-c:v", "libvpx-vp9", "-b:v", "100k", str(clip))
    png = io.BytesIO()
    Image.new("RGB", (200, 300), (30, 80, 200)).save(png, format="PNG")

    at = _app().run()
    ctx = Atelier.open()
    try:
        cid = campaigns.list_campaigns(ctx)[0].campaign_id
        _uploader(at, "upload_music_0").set_value(("song.ogg", song.read_bytes(), "audio/ogg")).run()  # type: ignore[attr-defined]
        at.button(key="upload_music_go").click().run()
        _ok(at)
        assert any(s.value.startswith("Music: song") and "looped to 20 s" in s.value for s in at.success)
        assert campaigns.get_history(ctx, cid)[-1].method == "music"

        _uploader(at, "upload_product_1").set_value(("bottle.png", png.getvalue(), "image/png")).run()  # type: ignore[attr-defined]
        at.button(key="upload_product_go").click().run()
        _ok(at)
        assert any("1e50c8" in m.value for m in at.markdown)  # its colour, shown beside it

        _uploader(at, "upload_clip_1_2").set_value(("take.webm", clip.read_bytes(), "video/webm")).run()  # type: ignore[attr-defined]
        at.button(key="upload_go_1").click().run()
        _ok(at)
        assert any("Scene 2: Upload" in s.value for s in at.success)
        assert [v.method for v in versions.list_scene_versions(ctx, cid, 1)] == ["original", "upload"]

        before = campaigns.get_history(ctx, cid)
        _uploader(at, "upload_clip_0_3").set_value(("notes.mp4", b"not a video" * 99, "video/mp4")).run()  # type: ignore[attr-defined]
        at.button(key="upload_go_0").click().run()
        assert not at.exception and len(at.error) == 1 and at.error[0].value.startswith("notes")
        assert campaigns.get_history(ctx, cid) == before
    finally:
        ctx.close()

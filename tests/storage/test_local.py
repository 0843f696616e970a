from __future__ import annotations

from pathlib import Path

import pytest

from editing.errors import StorageError
from editing.storage import base
from editing.storage.local import LocalStorage

IDS = ("brand", "perfume", "camp", 0)


def test_seed_key_layout_and_versions() -> None:
    prefix = "brands/brand/perfumes/perfume/campaigns/camp/variations/variation_0"
    assert base.scene_key(*IDS, 0) == f"{prefix}/draft/scene_1_bg.mp4"
    assert base.scene_key(*IDS, 2, "v2_ab") == f"{prefix}/draft/scene_3_bg_v2_ab.mp4"
    assert base.final_video_key(*IDS) == f"{prefix}/final_video.mp4"
    assert base.thumbnail_key(base.final_video_key(*IDS)) == f"{prefix}/final_video_thumb.jpg"
    assert base.get_scene_s3_url(*IDS, 0, bucket="bk", region="eu-west-1") == (
        f"https://bk.s3.eu-west-1.amazonaws.com/{prefix}/draft/scene_1_bg.mp4"
    )
    assert base.get_final_video_s3_url(*IDS, bucket="bk", region="us-east-1").endswith("/final_video.mp4")
    with pytest.raises(ValueError, match=">= 0"):
        base.scene_key(*IDS, -1)


def test_write_once_roundtrip(tmp_path: Path) -> None:
    store = LocalStorage(root=tmp_path / "media")
    src = tmp_path / "a.bin"
    src.write_bytes(b"first")
    store.put_file("x/y/a.mp4", src)
    assert store.exists("x/y/a.mp4")
    src.write_bytes(b"second")
    with pytest.raises(StorageError, match="refusing to overwrite"):
        store.put_file("x/y/a.mp4", src)
    out = store.get_file("x/y/a.mp4", tmp_path / "out.bin")
    assert out.read_bytes() == b"first"
    assert Path(store.url("x/y/a.mp4")).read_bytes() == b"first"
    assert not [p for p in (tmp_path / "media").rglob("*.part")]
    store.delete("x/y/a.mp4")
    assert not store.exists("x/y/a.mp4")
    with pytest.raises(StorageError, match="missing"):
        store.get_file("x/y/a.mp4", tmp_path / "o2")
    assert "local files" in store.check()


@pytest.mark.parametrize("key", ["../escape.mp4", "/abs.mp4", "a/../../b", ""])
def test_rejects_keys_outside_root(tmp_path: Path, key: str) -> None:
    store = LocalStorage(root=tmp_path)
    with pytest.raises(StorageError, match="invalid storage key"):
        store.exists(key)

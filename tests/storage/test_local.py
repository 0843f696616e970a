from __future__ import annotations

from pathlib import Path

import pytest

from editing.errors import StorageError
from editing.storage.local import LocalStorage


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

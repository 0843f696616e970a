"""Integrity of stored files: recorded on write, checked as scenes join a final, verify and gc."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from editing import campaigns, maintenance
from editing.context import Atelier
from editing.errors import CorruptFileError
from editing.pipeline import edit_scene
from editing.storage.local import LocalStorage


def _scene_path(ctx: Atelier, demo: str, index: int) -> Path:
    assert isinstance(ctx.storage, LocalStorage)
    key = campaigns.campaign_overview(ctx, demo).scenes[index].video_url
    return Path(key)


def _corrupt_in_place(path: Path) -> None:
    """Same size, other bytes in the middle of the sample data (what bit rot or a bad copy does)."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size - size // 3)
        chunk = f.read(64)
        f.seek(size - size // 3)
        f.write(bytes(b ^ 0x5A for b in chunk))
    assert path.stat().st_size == size


def test_every_stored_file_is_recorded(ctx: Atelier, demo: str) -> None:
    keys = maintenance.referenced_keys(ctx)
    records = ctx.vault.records(keys)
    assert set(records) == set(keys) and len(keys) == 3 * 2 + 2 + 1  # scenes+thumbs, final+thumb, music
    scene = _scene_path(ctx, demo, 0)
    key = scene.relative_to(ctx.storage.root).as_posix()  # type: ignore[attr-defined]
    assert records[key].size == scene.stat().st_size and len(records[key].sha256) == 64


def test_a_scene_corrupted_in_place_is_refused_by_the_next_render(ctx: Atelier, demo: str) -> None:
    before = campaigns.campaign_overview(ctx, demo)
    _corrupt_in_place(_scene_path(ctx, demo, 1))
    with pytest.raises(CorruptFileError) as exc:
        edit_scene(
            ctx, demo, 0, "make it brighter", method="regenerate"
        )  # another scene: the final must re-join scene 2
    message = str(exc.value)
    assert "scene 2 (scene_2_bg.mp4) changed since it was stored" in message and "\n" not in message
    after = campaigns.campaign_overview(ctx, demo)
    assert after.final_video_url == before.final_video_url and after.version == before.version
    assert [h.status for h in campaigns.get_history(ctx, demo)] == ["failed"]
    bad = [c for c in maintenance.verify(ctx, demo) if not c.ok]
    assert [(Path(c.key).name, c.problem) for c in bad] == [
        ("scene_2_bg.mp4", "its bytes changed since it was stored (SHA-256 differs)")
    ]


def test_verify_reports_missing_and_resized_files(ctx: Atelier, demo: str) -> None:
    assert all(c.ok for c in maintenance.verify(ctx))
    _scene_path(ctx, demo, 0).unlink()
    with _scene_path(ctx, demo, 2).open("ab") as f:
        f.write(b"\0" * 10)
    problems = {Path(c.key).name: c.problem for c in maintenance.verify(ctx, demo) if not c.ok}
    assert problems["scene_1_bg.mp4"] == "missing"
    assert problems["scene_3_bg.mp4"].endswith("when stored")


def test_gc_removes_only_what_nothing_references(ctx: Atelier, demo: str, tmp_path: Path) -> None:
    orphan = tmp_path / "orphan.mp4"
    orphan.write_bytes(b"x" * 1000)
    ctx.vault.put(
        "brands/x/perfumes/y/campaigns/z/variations/variation_0/final_video_vX.mp4", orphan, "video/mp4"
    )
    ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    stale = ctx.settings.tmp_dir / "edit-killed"
    stale.mkdir()
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert maintenance.gc(ctx, dry_run=True).files == []  # too young to be sure: kept
    for path in ctx.storage.root.rglob("*"):  # type: ignore[attr-defined]
        os.utime(path, (old, old))
    dry = maintenance.gc(ctx, dry_run=True)
    assert [Path(k).name for k in dry.files] == ["final_video_vX.mp4"] and dry.bytes == 1000
    assert dry.work_dirs == [str(stale)] and stale.exists()
    done = maintenance.gc(ctx)
    assert done.files == dry.files and not stale.exists()
    assert not ctx.storage.exists(dry.files[0]) and ctx.vault.records(dry.files) == {}
    assert all(c.ok for c in maintenance.verify(ctx, demo))  # everything referenced is still there

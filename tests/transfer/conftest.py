"""Fixtures of the import, export and duplicate tests: a mixed-format campaign folder, and a look at
everything an import could leave behind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from editing.context import Atelier
from editing.db.models import Brand, Campaign, FinalVersion, Perfume, SceneVersion, StoredFile
from tests.seed_campaigns import Clips, Snapshot, lay_out, seed_doc
from tests.test_cli import cli  # noqa: F401  (python -m editing on the test's database, for test_cli.py)


@pytest.fixture
def mixed(tmp_path: Path, clips: Clips) -> Path:
    """A three-scene campaign folder: 1080x1920 30 fps with sound, 1280x720 16:9, already canonical."""
    doc = seed_doc([1.5, 1.0, 1.0])
    scenes = [clips.portrait, clips.landscape, clips.canonical]
    return lay_out(tmp_path / "mixed", doc, scenes, audio=clips.music, final=clips.final)


@pytest.fixture
def everything(ctx: Atelier) -> Callable[[], Snapshot]:
    """What an import could leave: rows of every table it writes, and every stored file."""

    def look() -> Snapshot:
        with ctx.db.Session() as session:
            rows = {
                model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Brand, Perfume, Campaign, SceneVersion, FinalVersion, StoredFile)
            }
        return {**rows, "files": sorted(o.key for o in ctx.storage.list())}

    return look

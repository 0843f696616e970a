"""`python -m editing` as a user scripts it: real subprocesses, real database, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from editing.config import load_settings
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory, Preview
from editing.demo import create_demo_campaign
from editing.pipeline import edit_scene
from tests.conftest import FAST_ENV, fresh_database

ROOT = Path(__file__).resolve().parents[1]


def _runner(data_dir: Path, database_url: str) -> Any:
    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        # read at each call, so a test can monkeypatch the environment between commands
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "REPLICATE", "AWS", "S3_"))}
        env.update(FAST_ENV, ATELIER_DATA_DIR=str(data_dir), DATABASE_URL=database_url)
        proc = subprocess.run([sys.executable, "-m", "editing", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300)  # fmt: skip
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Any:
    return _runner(tmp_path / "data", database_url)


@dataclass(frozen=True)
class Shared:
    """One database, a one-scene demo campaign edited once: for commands that must change nothing."""

    run: Any
    ctx: Atelier
    cid: str

    def state(self) -> tuple[Any, ...]:
        """Everything a refused command must leave as it was: the campaign row, every edit, every file."""
        with self.ctx.db.Session() as s:
            c = s.get(Campaign, uuid.UUID(self.cid))
            assert c is not None
            edits = s.execute(select(EditHistory.edit_id, EditHistory.status)).all()
            previews = s.scalar(select(func.count()).select_from(Preview))
            state = (c.campaign_json, c.version, c.cost, c.updated_at, c.status, sorted(edits), previews)
        root = self.ctx.storage.root
        return (*state, sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()))


@pytest.fixture(scope="module")
def shared(pg_admin_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    data = tmp_path_factory.mktemp("cli-shared") / "data"
    with fresh_database(pg_admin_url, template_db) as url:
        env = {**FAST_ENV, "ATELIER_DATA_DIR": str(data), "DATABASE_URL": url, "ATELIER_USER": "tester"}
        ctx = Atelier.open(load_settings(env=env))
        try:
            cid = str(create_demo_campaign(ctx, scenes=1, scene_duration=1.0))
            edit_scene(ctx, cid, 0, "warmer")
            yield Shared(_runner(data, url), ctx, cid)
        finally:
            ctx.close()


def test_demo_scenes_edit_history(cli: Any) -> None:
    cid = json.loads(cli("demo", "--scenes", "2", "--json").stdout)["campaign_id"]
    scenes = json.loads(cli("scenes", cid, "--json").stdout)
    assert [s["scene_index"] for s in scenes] == [0, 1]
    assert set(scenes[0]) == {"scene_index", "scene_id", "role", "duration", "background_prompt", "video_url",
                              "thumbnail_url", "edit_count", "last_edited_at"}  # fmt: skip

    result = json.loads(cli("edit", cid, "1", "add rose petals", "--json").stdout)
    assert result["success"] is True and result["scene_index"] == 1
    assert Path(result["new_video_url"]).exists()

    history = json.loads(cli("history", cid, "--json").stdout)
    assert len(history) == 1
    summary = json.loads(cli("history", cid, "--summary").stdout)  # the seed's edit_history dict
    assert summary["edit_count"] == 1 and summary["edits"][0]["edit_id"] == history[0]["edit_id"]
    assert summary["total_edit_cost"] == history[0]["cost"]
    assert {"edit_id", "timestamp", "scene_index", "edit_prompt", "changes_summary", "cost",
            "duration_seconds"} <= set(history[0])  # fmt: skip
    costs = json.loads(cli("costs", "--json").stdout)
    assert costs["total_edits"] == 1
    assert "2 scenes" in cli("campaigns").stdout
    check = json.loads(cli("check", "--json").stdout)
    assert all(r["ok"] for r in check), check


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("edit", "{cid}", "7", "brighter"), "out of range"),
        (("edit", "{cid}", "-1", "brighter"), "plain number"),
        (("edit", "{cid}", "+1", "brighter"), "plain number"),
        (("edit", "{cid}", " 1", "brighter"), "plain number"),
        (("edit", "{cid}", "0_1", "brighter"), "plain number"),
        (("edit", "{cid}", "١", "brighter"), "plain number"),
        (("edit", "{cid}", "0", "what is the weather in Paris"), "refused"),
        (("--user", "u" * 201, "edit", "{cid}", "0", "brighter"), "--user: "),
        (("--brand", "b" * 201, "campaigns"), "--brand: "),
        (("--user", "two\nlines", "edit", "{cid}", "0", "brighter"), "one line"),
        (("job", "12x"), "not found"),
        (("job", "999999"), "not found"),
        (("edit", "{cid}", "0", "brighter", "--idempotency-key", "  "), "idempotency key"),
        (("edit", "{cid}", "0", "   "), "cannot be empty"),
        (("edit", "00000000-0000-0000-0000-000000000000", "0", "brighter"), "not found"),
        (("--brand", "Other House", "scenes", "{cid}"), "not found"),
        (("history", "nope"), "not found"),
        (("demo", "--scenes", "0"), "between 1 and 20"),
    ],
)
def test_bad_input_one_line_nonzero(shared: Shared, args: tuple[str, ...], message: str) -> None:
    before = shared.state()
    proc = shared.run(*(a.format(cid=shared.cid) for a in args), ok=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error: "), proc.stderr
    assert shared.state() == before


def test_atelier_brand_scopes_the_cli(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = json.loads(cli("demo", "--scenes", "1", "--json").stdout)["campaign_id"]
    monkeypatch.setenv("ATELIER_BRAND", "Another House")
    proc = cli("scenes", cid, ok=False)
    assert proc.returncode != 0 and "not found" in proc.stderr
    assert "scenes" not in cli("campaigns").stdout  # the other brand's campaign is not listed
    own = json.loads(cli("demo", "--scenes", "1", "--json").stdout)["campaign_id"]
    assert json.loads(cli("campaigns", "--json").stdout)[0]["brand"] == "Another House"
    assert len(json.loads(cli("scenes", own, "--json").stdout)) == 1
    proc = cli("--brand", "Maison Lumière", "campaigns", ok=False)
    assert proc.returncode != 0 and "contradicts ATELIER_BRAND" in proc.stderr


def test_preview_adjust_versions_revert_compare(cli: Any) -> None:
    cid = json.loads(cli("demo", "--scenes", "2", "--json").stdout)["campaign_id"]
    preview = json.loads(cli("preview", cid, "1", "make it warmer", "--json").stdout)
    assert set(preview) >= {
        "preview_id",
        "original_prompt",
        "modified_prompt",
        "changes_summary",
        "diff",
        "options",
    }
    assert [o["method"] for o in preview["options"]] == ["adjust", "regenerate"]
    assert preview["options"][0]["estimated_cost"] == 0.0 and preview["options"][0]["estimated_seconds"] > 0
    mine = preview["modified_prompt"] + " Subtle film grain."
    edit = cli("edit", cid, "1", "--preview", preview["preview_id"], "--prompt", mine, "--method", "adjust",
               "--json")  # fmt: skip
    result = json.loads(edit.stdout)
    assert result["modified_prompt"] == mine and result["cost"] == 0.0

    listed = json.loads(cli("versions", cid, "1", "--json").stdout)
    assert [(v["version"], v["method"], v["current"]) for v in listed] == [
        (1, "original", False),
        (2, "adjust", True),
    ]
    assert {"version", "created_at", "method", "prompt", "cost", "edit_id", "current", "video_url",
            "thumbnail_url"} <= set(listed[0])  # fmt: skip
    reverted = json.loads(cli("revert", cid, "1", "1", "--json").stdout)
    assert reverted["cost"] == 0.0 and reverted["changes_summary"] == "Back to version 1"
    assert json.loads(cli("versions", cid, "1", "--json").stdout)[-1]["method"] == "revert"
    json.loads(cli("undo", cid, "1", "--json").stdout)
    finals = json.loads(cli("finals", cid, "--json").stdout)
    assert len(finals) == 4 and finals[-1]["current"]
    compared = json.loads(cli("compare", result["edit_id"], "--json").stdout)
    assert compared["scene_before_url"] != compared["scene_after_url"] and len(compared["frames_after"]) == 5
    assert json.loads(cli("continuity", cid, "--json").stdout) == []
    text = cli("preview", cid, "0", "add rose petals").stdout
    assert (
        "[+" in text
        and "regenerate" in text
        and "adjust" not in text.split("summary:")[1].split("make it")[0]
    )


def test_edit_all_scenes_is_one_group(cli: Any) -> None:
    cid = json.loads(cli("demo", "--scenes", "2", "--json").stdout)["campaign_id"]
    group = json.loads(cli("edit", cid, "all", "slow motion", "--json").stdout)
    assert group["status"] == "completed" and [s["method"] for s in group["scenes"]] == ["adjust", "adjust"]
    assert Path(group["final_video_url"]).exists()
    assert len(json.loads(cli("finals", cid, "--json").stdout)) == 2  # the original and ONE for the group


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("revert", "{cid}", "0", "9"), "no version 9"),
        (("revert", "{cid}", "0", "2"), "already the current version"),
        (("revert", "{cid}", "0", "x"), "plain number"),
        (("versions", "{cid}", "4"), "out of range"),
        (("undo", "{cid}", "4"), "out of range"),
        (("edit", "{cid}", "0", "--preview", "00000000-0000-0000-0000-000000000000"), "not found"),
        (("edit", "{cid}", "0"), "instruction"),
        (("edit", "{cid}", "0", "add rose petals", "--method", "adjust"), "needs a regeneration"),
        (("edit", "{cid}", "0", "brighter", "--method", "magic"), "invalid choice"),
        (("edit", "{cid}", "all", "trim to 9 s"), "No scene can be changed"),
        (("preview", "{cid}", "0", "trim to 9 s"), "shorter, not 9 s"),
        (("compare", "nope"), "not found"),
        (("match", "{cid}", "0"), "does not stand out"),
    ],
)
def test_bad_version_and_preview_input(shared: Shared, args: tuple[str, ...], message: str) -> None:
    before = shared.state()
    proc = shared.run(*(a.format(cid=shared.cid) for a in args), ok=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode != 0 and len(lines) == 1 and message in lines[0], proc.stderr
    assert shared.state() == before

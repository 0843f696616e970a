"""`python -m editing` as a user scripts it: real subprocesses, real database, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Any:
    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        # read at each call, so a test can monkeypatch the environment between commands
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "REPLICATE", "AWS", "S3_"))}
        env.update(FAST_ENV, ATELIER_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=database_url)
        proc = subprocess.run([sys.executable, "-m", "editing", *args], capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=300)  # fmt: skip
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


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
def test_bad_input_one_line_nonzero(cli: Any, args: tuple[str, ...], message: str) -> None:
    cid = json.loads(cli("demo", "--scenes", "1", "--json").stdout)["campaign_id"]
    before = cli("history", cid, "--json").stdout
    proc = cli(*(a.format(cid=cid) for a in args), ok=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error: ")
    assert cli("history", cid, "--json").stdout == before


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

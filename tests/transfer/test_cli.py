"""`python -m editing import / export / duplicate` as a user scripts them: real processes, JSON out,
one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.seed_campaigns import Clips, lay_out, seed_doc


def test_export_import_duplicate(cli: Any, tmp_path: Path) -> None:
    cid = json.loads(cli("demo", "--scenes", "2", "--json").stdout)["campaign_id"]
    exported = json.loads(cli("export", cid, str(tmp_path / "out.zip"), "--json").stdout)
    assert exported["campaign_id"] == cid and len(exported["files"]) == 2 + 3
    assert "exported campaign" in cli("export", cid, str(tmp_path / "folder")).stdout

    imported = json.loads(
        cli("import", str(tmp_path / "out.zip"), "--brand", "Imported House", "--json").stdout
    )
    assert set(imported) == {"campaign_id"}
    new = imported["campaign_id"]
    scenes = [json.loads(cli("scenes", c, "--json").stdout) for c in (cid, new)]
    assert [s["background_prompt"] for s in scenes[0]] == [s["background_prompt"] for s in scenes[1]]
    listed = cli("--brand", "Imported House", "campaigns").stdout
    assert new in listed and cid not in listed
    again = cli("--brand", "Second House", "import", str(tmp_path / "folder"), "--json")
    assert json.loads(again.stdout)["campaign_id"] not in (cid, new)

    copy = json.loads(cli("duplicate", cid, "--name", "Try: darker", "--json").stdout)["campaign_id"]
    assert "Try: darker" in cli("campaigns").stdout
    assert len(json.loads(cli("scenes", copy, "--json").stdout)) == 2


def test_progress_and_notes_on_stderr(cli: Any, tmp_path: Path, clips: Clips) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(64))
    folder = lay_out(tmp_path / "c", seed_doc([1.0]), [clips.canonical], audio=clips.music, final=broken)
    proc = cli("-v", "import", str(folder))
    assert (
        proc.stdout.startswith("imported campaign ")
        and "(Maison Test / Ambre Nocturne — spring): 1 scene, 1 s" in proc.stdout
    )
    assert "scene: scene 1/1: variations/variation_0/draft/scene_1_bg.mp4" in proc.stderr
    assert "note: variations/variation_0/final_video.mp4 was left out" in proc.stderr


def errors(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_refusals_are_one_line_with_an_exit_code(cli: Any, tmp_path: Path, clips: Clips) -> None:
    cid = json.loads(cli("demo", "--scenes", "1", "--json").stdout)["campaign_id"]
    bad = lay_out(tmp_path / "bad", seed_doc([1.0, -1.0]), [clips.canonical] * 2)
    (tmp_path / "taken.zip").write_bytes(b"x")
    cases = [
        (("import", str(bad)), 2, "campaign.json: scenes[1].duration is -1"),
        (("import", str(tmp_path / "nowhere")), 2, "does not exist"),
        (("import", "s3://Bad_Bucket/x/"), 2, "is not a campaign's S3 prefix"),
        (("import", str(bad), "--brand", "b" * 201), 2, "--brand: "),
        (("export", cid, str(tmp_path / "taken.zip")), 2, "it exists (choose a new file name)"),
        (("export", "00000000-0000-0000-0000-000000000000", str(tmp_path / "x.zip")), 3, "not found"),
        (("--brand", "Nobody", "export", cid, str(tmp_path / "x.zip")), 3, "Brand Nobody not found"),
        (("duplicate", "nope"), 3, "Campaign nope not found"),
        (("duplicate", cid, "--name", ""), 2, "The copy's name is empty"),
    ]
    for args, code, message in cases:
        proc = cli(*args, ok=False)
        assert proc.returncode == code, (args, proc.stderr)
        assert message in errors(proc), (args, proc.stderr)
    assert len(json.loads(cli("campaigns", "--json").stdout)) == 1, "nothing was made"

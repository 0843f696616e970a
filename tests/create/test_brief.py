"""A brief is checked whole before anything is stored: templates fill what it leaves out, and each
bad field is one line naming it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from editing.create import brief as briefs
from editing.create.brief import load_brief, parse_brief, templates
from editing.domain import MAX_PROMPT_CHARS
from editing.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
STYLE = {
    "lighting_direction": "soft key light",
    "camera_style": "slow dolly",
    "mood_atmosphere": "warm",
    "color_palette": ["gold", "amber"],
}


def a_brief(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "brand": "Maison Test",
        "perfume": "Ambre",
        "style_spec": copy.deepcopy(STYLE),
        "scenes": [
            {"role": "hook", "duration": 1, "prompt": "A bottle in the dark"},
            {"role": "cta", "duration": 1.5, "prompt": "The bottle in a soft glow"},
        ],
        "variations": 1,
    }
    data.update(changes)
    return data


def test_the_three_tiktok_templates_last_15_20_and_30_seconds() -> None:
    found = templates()
    assert {k: t.duration for k, t in found.items()} == {"tiktok-15s": 15, "tiktok-20s": 20, "tiktok-30s": 30}
    for t in found.values():
        assert [s["role"] for s in t.scenes] == ["hook", "showcase", "lifestyle", "detail", "cta"]
        assert all("{perfume}" in s["prompt"] for s in t.scenes)
    rows = found["tiktok-15s"].scene_rows("Nuit Dorée")
    assert rows[0]["prompt"].startswith("A crystal bottle of Nuit Dorée") and "{perfume}" not in json.dumps(
        rows
    )


def test_a_template_fills_the_style_and_scenes_a_brief_leaves_out() -> None:
    brief = parse_brief({"brand": "B", "perfume": "Ambre", "template": "tiktok-30s", "variations": 2})
    assert brief.template == "tiktok-30s" and brief.duration == 30 and brief.variations == 2
    assert brief.name == "Ambre — tiktok-30s" and brief.scenes[1].prompt.startswith("Ambre bottle on black")
    assert brief.style.color_palette == ("midnight blue", "silver", "amber")
    own = parse_brief({**a_brief(), "template": "tiktok-15s"})
    assert [s.duration for s in own.scenes] == [1.0, 1.5] and own.style.mood_atmosphere == "warm"


def test_the_example_brief_of_the_readme_is_valid() -> None:
    brief = load_brief(ROOT / "examples" / "brief.json")
    assert (brief.brand, brief.perfume, brief.variations, len(brief.scenes)) == (
        "Maison Lumière", "Nuit Dorée", 2, 5,
    )  # fmt: skip
    assert (ROOT / "README.md").read_text().count("examples/brief.json") >= 1


def _scene(**changes: Any) -> list[dict[str, Any]]:
    return [{"role": "hook", "duration": 2, "prompt": "A bottle", **changes}]


REFUSED: list[tuple[Any, str]] = [
    ([1, 2], "A brief is a JSON object"),
    (a_brief(colour="red"), "brief: unknown field 'colour'"),
    (a_brief(template="tiktok-90s"), "Unknown template 'tiktok-90s'; the templates are tiktok-15s"),
    (a_brief(brand=""), "brand is empty"),
    (a_brief(perfume="Ambre\nNoir"), "perfume must be one line"),
    (a_brief(brand="B" * 201), "brand is 201 characters; the limit is 200"),
    (a_brief(scenes=[]), "A brief has 1 to 20 scenes, not 0"),
    (a_brief(scenes=_scene() * 21), "A brief has 1 to 20 scenes, not 21"),
    (a_brief(scenes=None), "scenes is missing"),
    (a_brief(scenes=_scene(prompt="")), "scene 1: The prompt cannot be empty"),
    (a_brief(scenes=_scene(prompt="   ")), "scene 1: The prompt cannot be empty"),
    (a_brief(scenes=_scene(prompt="x" * (MAX_PROMPT_CHARS + 1))), "scene 1: The prompt is 4001 characters"),
    (a_brief(scenes=_scene(prompt="see https://evil.example")), "scene 1: The prompt holds"),
    (a_brief(scenes=_scene(prompt=7)), "scene 1: prompt must be text, not int"),
    (a_brief(scenes=_scene(role="outro")), "scene 1: unknown role 'outro'; the roles are hook"),
    (a_brief(scenes=_scene(duration=0)), "scene 1: duration 0 s is out of range (1 to 12 s)"),
    (a_brief(scenes=_scene(duration=-3)), "scene 1: duration -3 s is out of range"),
    (a_brief(scenes=_scene(duration=12.5)), "scene 1: duration 12.5 s is out of range"),
    (a_brief(scenes=_scene(duration="4")), "scene 1: duration must be a number of seconds"),
    (a_brief(scenes=_scene(duration=float("nan"))), "scene 1: duration must be a number of seconds"),
    (a_brief(scenes=_scene(duration=True)), "scene 1: duration must be a number of seconds"),
    (a_brief(scenes=_scene(seed=3)), "scene 1: unknown field 'seed'"),
    (
        a_brief(scenes=[{"role": "cta", "duration": 10, "prompt": "p"}] * 7),
        "The ad lasts 70 s; the limit is 60 s",
    ),
    (a_brief(variations=0), "variations must be a whole number from 1 to 5, not 0"),
    (a_brief(variations=6), "variations must be a whole number from 1 to 5, not 6"),
    (a_brief(variations=1.5), "variations must be a whole number"),
    (a_brief(style_spec=None), "style_spec is missing"),
    (a_brief(style_spec={**STYLE, "mood_atmosphere": ""}), "style_spec.mood_atmosphere must be 1 to 500"),
    (
        a_brief(style_spec={**STYLE, "color_palette": []}),
        "style_spec.color_palette must be a list of 1 to 12",
    ),
    (a_brief(style_spec={**STYLE, "font": "serif"}), "style_spec: unknown field 'font'"),
]


@pytest.mark.parametrize(("data", "message"), REFUSED, ids=[m[:40] for _, m in REFUSED])
def test_a_bad_brief_is_one_line_naming_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_brief(data)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_brief_file_that_is_not_json_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "brief.json"
    bad.write_text("{ not json")
    with pytest.raises(InputError, match=r"^The brief brief.json is not JSON: "):
        load_brief(bad)
    with pytest.raises(InputError, match=r"^Cannot read the brief "):
        load_brief(tmp_path / "missing.json")


def test_limits_are_the_documented_ones() -> None:
    assert (briefs.MIN_SCENE_SECONDS, briefs.MAX_SCENE_SECONDS, briefs.MAX_VARIATIONS) == (1.0, 12.0, 5)

"""A brief for a new campaign: brand, perfume, style, scenes, variations; checked before anything is stored.

A brief may name a template (``templates.json``: the usual TikTok structures) and leave out the
style or the scenes, which then come from the template; what it gives replaces the template's.
Every refusal is one line (InputError) naming the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from editing.builder import with_suffix
from editing.domain import MAX_SCENES, clean_name, validate_prompt
from editing.errors import InputError

#: The scene roles of a perfume ad, in the seed's words.
ROLES = ("hook", "showcase", "lifestyle", "detail", "cta")
#: A scene the video model makes lasts this many seconds at least and at most.
MIN_SCENE_SECONDS, MAX_SCENE_SECONDS = 1.0, 12.0
#: The whole ad lasts at most this many seconds (TikTok ads are 5–60 s).
MAX_TOTAL_SECONDS = 60.0
MAX_VARIATIONS = 5
MAX_STYLE_CHARS = 500
MAX_PALETTE = 12
STYLE_TEXT = ("lighting_direction", "camera_style", "mood_atmosphere")
FIELDS = ("brand", "perfume", "name", "template", "style_spec", "scenes", "variations")
SCENE_FIELDS = ("role", "duration", "prompt")
TEMPLATES_FILE = Path(__file__).with_name("templates.json")


@dataclass(frozen=True)
class StyleSpec:
    """The seed's style_spec: lighting direction, camera style, mood and colour palette."""

    lighting_direction: str
    camera_style: str
    mood_atmosphere: str
    color_palette: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lighting_direction": self.lighting_direction,
            "camera_style": self.camera_style,
            "mood_atmosphere": self.mood_atmosphere,
            "color_palette": list(self.color_palette),
        }


@dataclass(frozen=True)
class SceneBrief:
    role: str
    duration: float
    prompt: str


@dataclass(frozen=True)
class Brief:
    """What to create: checked (:func:`parse_brief`), never half-valid."""

    brand: str
    perfume: str
    name: str
    style: StyleSpec
    scenes: tuple[SceneBrief, ...]
    variations: int = 1
    template: str | None = None

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.scenes)


@dataclass(frozen=True)
class Template:
    """A structure to start from: its scenes (prompts with ``{perfume}``) and a style."""

    key: str
    title: str
    style: Mapping[str, Any]
    scenes: tuple[Mapping[str, Any], ...] = field(default=())

    @property
    def duration(self) -> float:
        return float(sum(s["duration"] for s in self.scenes))

    def scene_rows(self, perfume: str) -> list[dict[str, Any]]:
        """Its scenes as editable rows (role, duration, prompt), the perfume's name filled in."""
        name = perfume.strip() or "the perfume"
        return [{**s, "prompt": str(s["prompt"]).replace("{perfume}", name)} for s in self.scenes]


@cache
def templates() -> dict[str, Template]:
    """The templates of ``templates.json``, by key (``tiktok-15s``, ``tiktok-20s``, ``tiktok-30s``)."""
    raw = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return {key: Template(key, t["title"], t["style_spec"], tuple(t["scenes"])) for key, t in raw.items()}


def template(key: str) -> Template:
    """Raises InputError for a template that does not exist, naming those that do."""
    found = templates().get(key)
    if found is None:
        raise InputError(f"Unknown template {key!r}; the templates are {', '.join(templates())}")
    return found


def parse_brief(data: Any) -> Brief:
    """A checked Brief from its JSON form.

    Raises:
        InputError: not an object, an unknown field, an unknown template, a bad name, style,
            role, duration or prompt, no scene or more than MAX_SCENES, variations out of
            1..MAX_VARIATIONS, or an ad longer than MAX_TOTAL_SECONDS.
    """
    if not isinstance(data, Mapping):
        raise InputError("A brief is a JSON object with brand, perfume, style_spec, scenes and variations")
    _known(data, FIELDS, "brief")
    base = template(_text(data["template"], "template")) if data.get("template") is not None else None
    brand = clean_name(_text(data.get("brand"), "brand"), "brand")
    perfume = clean_name(_text(data.get("perfume"), "perfume"), "perfume")
    style_data = data.get("style_spec", base.style if base else None)
    scenes_data = data.get("scenes", base.scene_rows(perfume) if base else None)
    scenes = parse_scenes(scenes_data)
    name = data.get("name") or with_suffix(perfume, f" — {base.key if base else 'brief'}")
    brief = Brief(
        brand=brand,
        perfume=perfume,
        name=clean_name(_text(name, "name"), "name"),
        style=parse_style(style_data),
        scenes=scenes,
        variations=_variations(data.get("variations", 1)),
        template=base.key if base else None,
    )
    if brief.duration > MAX_TOTAL_SECONDS:
        raise InputError(f"The ad lasts {brief.duration:g} s; the limit is {MAX_TOTAL_SECONDS:g} s")
    return brief


def parse_style(data: Any) -> StyleSpec:
    """The style spec: three texts of at most MAX_STYLE_CHARS and 1..MAX_PALETTE colour names."""
    if not isinstance(data, Mapping):
        raise InputError(
            "style_spec is missing: lighting_direction, camera_style, mood_atmosphere, color_palette"
        )
    _known(data, (*STYLE_TEXT, "color_palette"), "style_spec")
    texts = {}
    for key in STYLE_TEXT:
        value = " ".join(_text(data.get(key), f"style_spec.{key}").split())
        if not value or len(value) > MAX_STYLE_CHARS:
            raise InputError(f"style_spec.{key} must be 1 to {MAX_STYLE_CHARS} characters")
        texts[key] = value
    palette = data.get("color_palette")
    if not isinstance(palette, list) or not 1 <= len(palette) <= MAX_PALETTE:
        raise InputError(f"style_spec.color_palette must be a list of 1 to {MAX_PALETTE} colour names")
    colours = tuple(clean_name(_text(c, "a colour"), "a colour of style_spec.color_palette") for c in palette)
    return StyleSpec(texts["lighting_direction"], texts["camera_style"], texts["mood_atmosphere"], colours)


def parse_scenes(data: Any) -> tuple[SceneBrief, ...]:
    """1..MAX_SCENES scenes, each a known role, a duration in range and a plain-text prompt."""
    if not isinstance(data, Sequence) or isinstance(data, str | bytes):
        raise InputError("scenes is missing: a list of {role, duration, prompt} (or name a template)")
    if not 1 <= len(data) <= MAX_SCENES:
        raise InputError(f"A brief has 1 to {MAX_SCENES} scenes, not {len(data)}")
    return tuple(_scene(i, s) for i, s in enumerate(data))


def _scene(index: int, data: Any) -> SceneBrief:
    where = f"scene {index + 1}"
    if not isinstance(data, Mapping):
        raise InputError(f"{where} must be an object with role, duration and prompt")
    _known(data, SCENE_FIELDS, where)
    role = _text(data.get("role"), f"{where} role").strip().lower()
    if role not in ROLES:
        raise InputError(f"{where}: unknown role {role!r}; the roles are {', '.join(ROLES)}")
    duration = data.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration):
        raise InputError(f"{where}: duration must be a number of seconds")
    if not MIN_SCENE_SECONDS <= duration <= MAX_SCENE_SECONDS:
        raise InputError(
            f"{where}: duration {duration:g} s is out of range "
            f"({MIN_SCENE_SECONDS:g} to {MAX_SCENE_SECONDS:g} s)"
        )
    try:
        prompt = validate_prompt(_text(data.get("prompt"), "prompt"))
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    return SceneBrief(role, float(duration), prompt)


def _variations(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VARIATIONS:
        raise InputError(f"variations must be a whole number from 1 to {MAX_VARIATIONS}, not {value!r}")
    return value


def _text(value: Any, what: str) -> str:
    if value is None:
        raise InputError(f"{what} is missing")
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {type(value).__name__}")
    return value


def _known(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; the fields are {', '.join(allowed)}")


def load_brief(path: Path) -> Brief:
    """Read and check a brief file.

    Raises:
        InputError: unreadable, not JSON, or a bad brief (see :func:`parse_brief`).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read the brief {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"The brief {path.name} is not JSON: {exc}") from None
    return parse_brief(data)

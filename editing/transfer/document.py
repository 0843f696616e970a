"""campaign.json: the seed's campaign_json, read strictly on the way in and written on the way out.

What an import reads (every other field is ignored)::

    {"perfume_name": "Nuit Dorée",                      required, one line, at most NAME_MAX characters
     "brand_name": "Maison Lumière",                    optional (else --brand, or the app's brand)
     "campaign_name": "Nuit Dorée — TikTok launch",     optional
     "style_spec": {"lighting_direction": "…", "camera_style": "…", "mood_atmosphere": "…",
                    "color_palette": ["gold", "amber"]},  required: text or lists of text
     "audio_url": "variations/variation_0/audio/music_bed.wav",   optional: a path in the folder
     "selected_variation_index": 0,                     optional, default 0
     "scenes": [{"role": "hook", "duration": 4, "background_prompt": "…",
                 "scene_id": 1, "seed": 0}, …],         1 to MAX_SCENES; scene_id and seed optional
     "variations": [{"scenes": [...], "audio_url": …},  optional: one entry per variation_{v} folder,
                    …]}                                 each with as many scenes as "scenes"

Without ``variations`` the campaign is one variation, ``selected_variation_index``'s (the top-level
``scenes`` and ``audio_url``). With it, there are as many variations as entries, numbered from 0;
each entry's scenes are read like the top-level ones, its audio_url (else the top-level one) is its
music, and ``selected_variation_index`` must name one of them.

A scene lasts between MIN_SCENE_SECONDS and MAX_SCENE_SECONDS. Storage keys, edit counts and the
seed's in-document edit history belong to the install that wrote them and are never read.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

from editing.config import NAME_MAX
from editing.domain import MAX_SCENES, MAX_VARIATIONS, clean_name
from editing.errors import CampaignImportError, InputError

MIN_SCENE_SECONDS = 0.5
MAX_SCENE_SECONDS = 60.0
#: The longest prompt or style text read (what the OpenAI prompt editor may write, too).
MAX_TEXT_CHARS = 4000
MAX_VARIATION = 99
MAX_PALETTE = 32
_STYLE_TEXT = ("lighting_direction", "camera_style", "mood_atmosphere")


@dataclass(frozen=True)
class SceneSpec:
    """One scene as campaign.json describes it."""

    role: str
    duration: float
    background_prompt: str
    extra: Mapping[str, int] = field(default_factory=dict)  # scene_id, seed


@dataclass(frozen=True)
class CampaignDocument:
    """A campaign.json that passed every check."""

    perfume_name: str
    style_spec: Mapping[str, Any]
    scenes: tuple[SceneSpec, ...]
    variation: int = 0
    audio_path: str | None = None  # relative to the campaign's folder
    brand_name: str | None = None
    campaign_name: str | None = None
    variations: tuple[VariationSpec, ...] = ()  # empty: one variation, the fields above

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.scenes)

    @property
    def cuts(self) -> tuple[VariationSpec, ...]:
        """Every variation of the campaign (one, ``variation``'s, when campaign.json lists none)."""
        return self.variations or (VariationSpec(self.variation, self.scenes, self.audio_path),)


@dataclass(frozen=True)
class VariationSpec:
    """One variation as campaign.json describes it: its number, scenes and music."""

    index: int
    scenes: tuple[SceneSpec, ...]
    audio_path: str | None = None


def parse(raw: bytes) -> CampaignDocument:
    """Read campaign.json's bytes.

    Raises:
        CampaignImportError: not UTF-8 JSON, or a field missing, of the wrong type or out of range
            (the message names the field: ``campaign.json: scenes[2].duration is -1…``).
    """
    data = _load(raw)
    if not isinstance(data, dict):
        _fail("", f"must be a JSON object (the seed's campaign_json), not {_kind(data)}")
    variation = _variation(data.get("selected_variation_index"))
    scenes, audio = _scenes(data.get("scenes", _MISSING)), _audio(data.get("audio_url"))
    listed = _variations(data.get("variations"), len(scenes), audio)
    if listed and variation >= len(listed):
        _fail(
            "selected_variation_index",
            f"is {variation}, but variations lists {len(listed)} (0-{len(listed) - 1})",
        )
    return CampaignDocument(
        perfume_name=_name(data, "perfume_name", required=True) or "",
        style_spec=_style(data.get("style_spec", _MISSING)),
        scenes=listed[variation].scenes if listed else scenes,
        variation=variation,
        audio_path=listed[variation].audio_path if listed else audio,
        brand_name=_name(data, "brand_name"),
        campaign_name=_name(data, "campaign_name"),
        variations=listed,
    )


def export_json(
    campaign_json: Mapping[str, Any],
    *,
    campaign_name: str,
    audio_path: str | None,
    variations: Sequence[tuple[Mapping[str, Any], str | None]] = (),
) -> dict[str, Any]:
    """campaign.json for an export: the campaign's document without this install's storage keys.

    ``variations``: each variation's view of campaign_json and its music's path in the export,
    written as ``variations`` when there is more than one.
    """
    out = {k: v for k, v in campaign_json.items() if k not in _INSTALL_FIELDS}
    out["campaign_name"] = campaign_name
    out["audio_url"] = audio_path
    out["scenes"] = _export_scenes(campaign_json)
    if len(variations) > 1:
        out["variations"] = [{"scenes": _export_scenes(one), "audio_url": audio} for one, audio in variations]
    return out


_INSTALL_FIELDS = ("final_video_key", "final_thumbnail_key", "final_stale", "variations", "product_image_key")


def _export_scenes(campaign_json: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in scene.items() if k not in ("video_key", "thumbnail_key")}
        for scene in campaign_json.get("scenes", [])
    ]


# --- the checks ---------------------------------------------------------------------------------

_MISSING = object()
_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true/false"), (str, "a string"), (int, "a number"), (float, "a number"),
    (list, "a list"), (dict, "an object"), (type(None), "null"),
)  # fmt: skip


def _fail(path: str, what: str) -> NoReturn:
    raise CampaignImportError(f"campaign.json: {path} {what}" if path else f"campaign.json {what}")


def _kind(value: Any) -> str:
    """What a JSON value is, for a message ("a string", "a list"…)."""
    if value is _MISSING:
        return "missing"
    return next((name for t, name in _KINDS if isinstance(value, t)), type(value).__name__)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _load(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("", "is not UTF-8 text")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        _fail("", f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except ValueError as exc:
        _fail("", f"is not valid JSON: {exc}")
    except RecursionError:
        _fail("", "is nested too deeply to be a campaign")


def _name(data: Mapping[str, Any], key: str, *, required: bool = False, within: str = "") -> str | None:
    """A one-line name (perfume, brand, campaign, role): trimmed, at most NAME_MAX characters."""
    value, path = data.get(key, _MISSING), f"{within}{key}"
    if value is _MISSING or value is None:
        if required:
            _fail(path, "is missing")
        return None
    if not isinstance(value, str):
        _fail(path, f"must be text, not {_kind(value)}")
    if not value.strip() and not required:
        return None
    try:
        return clean_name(value, path)
    except InputError as exc:
        raise CampaignImportError(f"campaign.json: {exc}") from None


def _text(value: Any, path: str, *, empty: bool = False) -> str:
    """A prompt or a style text: at most MAX_TEXT_CHARS, no control characters but line breaks.

    Only a style text may be empty (the seed's generator leaves some out).
    """
    if not isinstance(value, str):
        _fail(path, f"must be text, not {_kind(value)}")
    text = value.strip()
    if not text and not empty:
        _fail(path, "is empty")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        _fail(path, "holds control characters")
    if len(text) > MAX_TEXT_CHARS:
        _fail(path, f"is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    return text


def _integer(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, f"must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        _fail(path, f"is {value}; it must be between {low} and {high}")
    return value


def _variations(value: Any, count: int, audio: str | None) -> tuple[VariationSpec, ...]:
    """The ``variations`` list: each entry's scenes (as many as the top-level ones) and music."""
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail("variations", f"must be a list, not {_kind(value)}")
    if not 1 <= len(value) <= MAX_VARIATIONS:
        _fail("variations", f"has {len(value)} entries; a campaign has between 1 and {MAX_VARIATIONS}")
    out = []
    for v, entry in enumerate(value):
        path = f"variations[{v}]"
        if not isinstance(entry, dict):
            _fail(path, f"must be an object, not {_kind(entry)}")
        scenes = entry.get("scenes", _MISSING)
        if isinstance(scenes, list) and len(scenes) != count:
            _fail(f"{path}.scenes", f"has {len(scenes)} scenes; every variation has the campaign's {count}")
        specs = _scenes(scenes, f"{path}.scenes")
        own = _audio(entry.get("audio_url"), f"{path}.audio_url")
        out.append(VariationSpec(v, specs, own or audio))
    return tuple(out)


def _variation(value: Any) -> int:
    return 0 if value is None else _integer(value, "selected_variation_index", 0, MAX_VARIATION)


def _style(value: Any) -> dict[str, Any]:
    """style_spec: an object of texts (lighting, camera, mood…) and lists of texts (color_palette)."""
    if value is _MISSING:
        _fail("style_spec", "is missing")
    if not isinstance(value, dict):
        _fail("style_spec", f"must be an object, not {_kind(value)}")
    style: dict[str, Any] = {}
    for key, item in value.items():
        path = f"style_spec.{key}"
        if len(key) > NAME_MAX:
            _fail("style_spec", f"has a field name of {len(key)} characters")
        if isinstance(item, list) and key not in _STYLE_TEXT:
            if len(item) > MAX_PALETTE:
                _fail(path, f"has {len(item)} entries; the limit is {MAX_PALETTE}")
            style[key] = [_text(x, f"{path}[{i}]") for i, x in enumerate(item)]
        else:
            style[key] = _text(item, path, empty=True)
    return style


def _scenes(value: Any, where: str = "scenes") -> tuple[SceneSpec, ...]:
    if value is _MISSING:
        _fail(where, "is missing")
    if not isinstance(value, list):
        _fail(where, f"must be a list, not {_kind(value)}")
    if not 1 <= len(value) <= MAX_SCENES:
        _fail(where, f"has {len(value)} scenes; a campaign has between 1 and {MAX_SCENES}")
    return tuple(_scene(item, f"{where}[{i}]") for i, item in enumerate(value))


def _scene(value: Any, path: str) -> SceneSpec:
    if not isinstance(value, dict):
        _fail(path, f"must be an object, not {_kind(value)}")
    role = _name(value, "role", required=True, within=f"{path}.")
    if "background_prompt" not in value:
        _fail(f"{path}.background_prompt", "is missing")
    extra = {
        key: _integer(value[key], f"{path}.{key}", low, high)
        for key, low, high in (("scene_id", 1, 10_000), ("seed", 0, 2**32 - 1))
        if value.get(key) is not None
    }
    return SceneSpec(
        role=role or "",
        duration=_duration(value.get("duration", _MISSING), f"{path}.duration"),
        background_prompt=_text(value["background_prompt"], f"{path}.background_prompt"),
        extra=extra,
    )


def _duration(value: Any, path: str) -> float:
    if value is _MISSING:
        _fail(path, "is missing")
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, f"must be a number of seconds, not {_kind(value)}")
    if not math.isfinite(value) or not MIN_SCENE_SECONDS <= value <= MAX_SCENE_SECONDS:
        _fail(
            path, f"is {value}; a scene lasts between {MIN_SCENE_SECONDS:g} and {MAX_SCENE_SECONDS:g} seconds"
        )
    return float(value)


def _audio(value: Any, where: str = "audio_url") -> str | None:
    """audio_url as a path inside the campaign's folder.

    A relative path is taken as it is; a key or URL (the seed stores
    ``https://bucket.s3…/brands/…/variations/variation_0/audio/…``) by its part from
    ``variations/`` on. Nothing is ever downloaded from it.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        _fail(where, f"must be text, not {_kind(value)}")
    parts = urlsplit(value.strip())
    path = unquote(parts.path) if parts.scheme in ("s3", "http", "https") else value.strip()
    at = path.find("variations/variation_")
    if at > 0 and path[at - 1] == "/":
        path = path[at:]
    pure = PurePosixPath(path)
    unsafe = parts.scheme not in ("", "s3", "http", "https") or "\\" in path or ".." in pure.parts
    if unsafe or pure.is_absolute() or not path or path.endswith("/") or (parts.scheme and at < 0):
        _fail(where, f"{value[:120]!r} is not a file in the campaign's folder (e.g. {_EXAMPLE_AUDIO})")
    return pure.as_posix()


_EXAMPLE_AUDIO = "variations/variation_0/audio/music_bed.wav"
